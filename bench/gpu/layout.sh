#!/bin/bash
# The whole `modernize analyze` vs the original four-agent layout, against one server (the best flag set measured
# on this machine, or $BEST). Resumable: a phase already done on this machine is skipped, so a second call
# finishes what the first one had no time for. Phases, each after a prefix-cache reset:
#   1. ours:    modernize analyze /tmp/django-db (the real run, JSON report in /tmp/results/ours/)
#   2. orig:    the original layout (baseline_layout_bench.py orig_* steps), answers decoded to 4096/4096/6144/4096
#   3. shared:  the same agents and lengths in our shared-prefix layout (shared_* steps)
#   4. ourlens: the shared layout with OUR agents' max_tokens (3072/3072/2048/2048), every answer to max_tokens
# 2-4 send skip_special_tokens=false (see baseline_run.py): random weights otherwise make vLLM's detokenizer the bottleneck.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export PYTHONPATH=/tmp/vllm-site PYTHONUNBUFFERED=1
START=${CALL_T0:-$(date +%s)}
left() { echo $(( ${CALL_BUDGET:-565} - $(date +%s) + START )); }
reset_cache() { python3 -c "import urllib.request as u; print('reset_prefix_cache', u.urlopen(u.Request('http://127.0.0.1:8000/reset_prefix_cache', method='POST')).status)"; }
BASE="python3 $HERE/baseline_run.py --codebase /tmp/codebase.txt"
ORIG=orig_analyzer,orig_security,orig_modernization,orig_validator
SHARED=shared_analyzer+security,shared_modernization,shared_validator
done_steps() { python3 -c "import json,sys; r=json.load(open('$1'))['results']; print(sum(k in r for k in '$2'.split(',')))" 2>/dev/null || echo 0; }
BEST=${BEST:-$(python3 "$HERE/pick.py")}
echo "flag set: $BEST"
if [ "$(cat /tmp/logs/current 2>/dev/null)" != "$BEST" ]; then
  SERVE_CC=$(python3 "$HERE/pick.py" --cc $BEST) bash "$HERE/serve.sh" layout_$BEST $(python3 "$HERE/pick.py" --args $BEST) || exit 1
  echo "$BEST" > /tmp/logs/current
fi
mkdir -p /tmp/results/ours
if [ ! -f /tmp/results/ours_wall.txt ]; then
  reset_cache
  t0=$(date +%s.%N)
  (cd "$REPO" && PYTHONPATH=$REPO:/tmp/vllm-site timeout $(left) python3 -c "from modernizer.cli import app; app()" analyze /tmp/django-db \
     --endpoint http://127.0.0.1:8000/v1 -o /tmp/results/ours -f json --no-cache) 2>&1 | tee /tmp/logs/ours.log | cut -c1-300
  t1=$(date +%s.%N)
  python3 -c "print('ours wall_s', round($t1 - $t0, 2))" | tee /tmp/results/ours_wall.txt
fi
if [ "$(done_steps /tmp/bench_state.json $ORIG)" != 4 ] && [ "$(left)" -gt 60 ]; then
  [ "$(done_steps /tmp/bench_state.json $ORIG)" = 0 ] && reset_cache
  (cd /tmp && OUT= timeout $(left) $BASE --steps $ORIG --budget 100000) 2>&1 | cut -c1-400
fi
if [ "$(done_steps /tmp/bench_state.json $SHARED)" != 3 ] && [ "$(left)" -gt 60 ]; then
  [ "$(done_steps /tmp/bench_state.json $SHARED)" = 0 ] && reset_cache
  (cd /tmp && OUT= timeout $(left) $BASE --steps $SHARED --budget 100000) 2>&1 | cut -c1-400
fi
if [ "$(done_steps /tmp/bench_state_ourlens.json $SHARED)" != 3 ] && [ "$(left)" -gt 60 ]; then
  [ "$(done_steps /tmp/bench_state_ourlens.json $SHARED)" = 0 ] && reset_cache
  (cd /tmp && OUT= timeout $(left) $BASE --lens ours --tag ourlens --steps $SHARED --budget 100000) 2>&1 | cut -c1-400
fi
cp /tmp/bench_state*.json /tmp/results/ 2>/dev/null
echo "layout phases done: ours=$([ -f /tmp/results/ours_wall.txt ] && echo 1 || echo 0) orig=$(done_steps /tmp/bench_state.json $ORIG)/4 shared=$(done_steps /tmp/bench_state.json $SHARED)/3 ourlens=$(done_steps /tmp/bench_state_ourlens.json $SHARED)/3"
true
