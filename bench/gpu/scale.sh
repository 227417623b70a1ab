#!/bin/bash
# Issue 18 on one GPU (bench/results/scale.md): the product as shipped, `modernize serve` with the profile the
# GPU gets (h100 or h200; SCALE_PROFILE names one) at the profile's own window, then `modernize analyze` with
# default options (the reasoning parser on). Codebases (.gpu-carry/c2, built by pack.sh): /tmp/tomcat7-4m
# (~4.7M tokens: chunked) and /tmp/ant-core-1m (~0.97M tokens: one context where the window holds it).
# Phases, in SCALE_PHASES order (default "prefill chunked single"), each skipped once done on this machine:
#   prefill  prefill_bench.py: cold prefill time against prompt length, 32K .. the window (the floor's prices)
#   chunked  `modernize analyze /tmp/tomcat7-4m`, default options
#   single   `modernize analyze /tmp/ant-core-1m`, default options
#   apart    apart_probe.py: the product's client, thinking + schema answers over ~300K, one request vs two
# An analyze runs detached (setsid) with its own wall clock, so it goes on between device calls: a call that
# reaches its time limit leaves it running and the next call (`device.sh scale`) waits for it. Only a run
# that died is started again, and then it resumes from its checkpoint (its cache dir is kept; the attempts
# are listed in analyze_TAG.attempts). Env: SCALE_PROFILE (h100, h200: default the GPU's), SCALE_WINDOW
# (--window for serve, default the profile's), SCALE_ANALYZE_ARGS (extra analyze flags: default none but
# --no-candidates, as Semgrep is not carried). Table: python3 bench/gpu/scale_summary.py [/tmp/results].
set -u
source "$(dirname "$0")/common.sh"
R=${SCALE_RESULTS:-/tmp/results} L=${SCALE_LOGS:-/tmp/logs}  # other folders and the knobs below: to try it off the device
URL=${SCALE_URL:-http://127.0.0.1:8000}
CHUNKED_DIR=${SCALE_CHUNKED_DIR:-/tmp/tomcat7-4m} SINGLE_DIR=${SCALE_SINGLE_DIR:-/tmp/ant-core-1m}
STATE=${SCALE_STATE:-/tmp/mserve}
mkdir -p $R $L
export MODERNIZE_STATE_DIR=$STATE
cli() { python3 -c "from modernizer.cli import app; app()" "$@"; }
metrics() { python3 -c "import urllib.request as u; print(u.urlopen('$URL/metrics', timeout=10).read().decode())" > "$1" 2>/dev/null; }
reset() { python3 -c "import urllib.request as u; print('reset_prefix_cache', u.urlopen(u.Request('$URL/reset_prefix_cache', method='POST')).status)" 2>&1 | tail -1; }
healthy() { python3 -c "import urllib.request as u; u.urlopen('$URL/health', timeout=3)" 2>/dev/null; }
keep_server_log() { [ -f $STATE/server.log ] && tail -c 4000000 $STATE/server.log > $L/scale_server.log; }

serve() {  # the managed server, once per machine; restarted once at vLLM's own estimate if it refuses the window
  if [ -f $STATE/server.json ]; then  # started by an earlier call (maybe still starting when that call ended)
    while [ -f $STATE/server.json ] && ! healthy && [ "$(left)" -gt 30 ]; do sleep 5; done
    healthy && { echo scale > $L/current; return 0; }
    keep_server_log
    [ -f $STATE/server.json ] && { echo "the managed server is still not healthy; its log's end:"; tail -20 $L/scale_server.log | cut -c1-300; exit 1; }
    echo "the managed server an earlier call started has exited: starting it again"
  fi
  [ -f /tmp/server.pid ] && { kill -TERM -- -"$(cat /tmp/server.pid)" 2>/dev/null; sleep 10; rm -f /tmp/server.pid; }  # serve.sh's
  local args=(serve --model /tmp/model --detach --state-dir $STATE --startup-timeout 480
              --extra-arg=--load-format=dummy --env VLLM_SERVER_DEV_MODE=1 --env VLLM_USE_FLASHINFER_SAMPLER=0)
  [ -n "${SCALE_PROFILE:-}" ] && args+=(--profile "$SCALE_PROFILE")
  [ -n "${SCALE_WINDOW:-}" ] && args+=(--window "$SCALE_WINDOW")
  [ -n "${SCALE_REASONING:-}" ] && args+=(--reasoning-parser "$SCALE_REASONING")  # "none": the schema's cost without the parser
  cli "${args[@]}" --dry-run > $L/scale_serve_cmd.txt 2>&1
  local t0=$(date +%s)
  cli "${args[@]}" 2>&1 | tee $L/scale_serve.txt | cut -c1-300
  local rc=${PIPESTATUS[0]}
  if [ "$rc" != 0 ]; then
    # the product's own retry may not be in this tree: the bench's, once, at vLLM's "estimated maximum model length"
    local est=$(grep -oE "estimated maximum model length is [0-9]+" $STATE/server.log 2>/dev/null | tail -1 | grep -oE "[0-9]+$")
    [ -z "$est" ] && { keep_server_log; echo "serve failed (rc $rc)"; exit 1; }
    echo "serve refused the window: again at vLLM's estimate, $est tokens (the bench's retry)" | tee -a $L/scale_serve.txt
    cli serve --stop --state-dir $STATE >/dev/null 2>&1
    args+=(--window $(( est / 256 * 256 )))
    cli "${args[@]}" 2>&1 | tee -a $L/scale_serve.txt | cut -c1-300
    [ "${PIPESTATUS[0]}" = 0 ] || { keep_server_log; echo "serve failed again"; exit 1; }
  fi
  echo "serve_s $(( $(date +%s) - t0 ))" >> $L/scale_serve.txt
  echo scale > $L/current
  keep_server_log
  grep -E "Model loading took|Available KV cache|GPU KV cache size|Maximum concurrency|max_model_len|maximum model length" $L/scale_server.log | cut -c1-300 | tee $R/scale_server_facts.txt
  cli doctor --state-dir $STATE > $R/scale_doctor.txt 2>&1; tail -12 $R/scale_doctor.txt | cut -c1-200
}

run_one() {  # detached: one analyze attempt of $2 as tag $1, timed; analyze_TAG.wall once a report is written
  local tag=$1 dir=$2
  local t0=$(date +%s.%N)
  echo "$(date +%s) start" >> $R/analyze_$tag.attempts
  (cd "$REPO" && MODERNIZE_CACHE_HOME=/tmp/mcache_$tag MODERNIZE_DATA_HOME=/tmp/mcache_$tag \
     python3 -c "from modernizer.cli import app; app()" analyze "$dir" --endpoint $URL/v1 \
     -o $R/analyze_$tag -f json --cache-dir /tmp/mcache_$tag/results ${SCALE_ANALYZE_ARGS:---no-candidates}) >> $L/analyze_$tag.log 2>&1
  local rc=$?
  local t1=$(date +%s.%N)
  metrics $R/analyze_$tag.metrics_end.txt
  python3 -c "print('analyze $tag rc $rc wall_s', round($t1 - $t0, 2))" | tee -a $R/analyze_$tag.attempts
  ls $R/analyze_$tag/*.json >/dev/null 2>&1 && tail -1 $R/analyze_$tag.attempts > $R/analyze_$tag.wall
  rm -f $L/analyze_$tag.pid
}

analyze_bg() {  # start (or resume) the detached run unless one runs; wait for it while this call has time
  local tag=$1 dir=$2
  [ -f $R/analyze_$tag.wall ] && return 0
  local pid=$(cat $L/analyze_$tag.pid 2>/dev/null)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    if [ ! -f $R/analyze_$tag.attempts ]; then  # the first attempt: an empty prefix cache and no checkpoint
      rm -rf /tmp/mcache_$tag $R/analyze_$tag; mkdir -p $R/analyze_$tag
      reset; metrics $R/analyze_$tag.metrics_start.txt
    else
      echo "analyze $tag: the last attempt ended without a report; resuming from its checkpoint"
    fi
    setsid bash "$HERE/scale.sh" run_one "$tag" "$dir" < /dev/null > /dev/null 2>&1 &
    echo $! > $L/analyze_$tag.pid
  else
    echo "analyze $tag: still running (pid $pid) from an earlier call"
  fi
  while [ ! -f $R/analyze_$tag.wall ] && [ "$(left)" -gt 25 ]; do
    sleep 20
    kill -0 "$(cat $L/analyze_$tag.pid 2>/dev/null)" 2>/dev/null || break
    echo "[+$(( $(date +%s) - START )) s] $(grep -v '^\s*$' $L/analyze_$tag.log | tail -1 | cut -c1-200)"
  done
  keep_server_log
  if [ -f $R/analyze_$tag.wall ]; then cat $R/analyze_$tag.wall; tail -5 $L/analyze_$tag.log | cut -c1-300; return 0; fi
  if kill -0 "$(cat $L/analyze_$tag.pid 2>/dev/null)" 2>/dev/null; then
    echo "analyze $tag not finished at the call's limit: it goes on; call device.sh scale again"
  else
    echo "analyze $tag ended without a report: $(tail -1 $R/analyze_$tag.attempts); the log's end:"; tail -8 $L/analyze_$tag.log | cut -c1-300
    echo "the next call resumes it from its checkpoint"
  fi
  return 1
}

untar() { [ -d /tmp/$1 ] || tar -xJf "$REPO/.gpu-carry/c2/$1.tar.xz" -C /tmp 2>/dev/null || tar -xJf /tmp/vp/$1.tar.xz -C /tmp; }

if [ "${1:-}" = run_one ]; then run_one "$2" "$3"; exit 0; fi
[ -d "$CHUNKED_DIR" ] || untar tomcat7-4m; [ -d "$SINGLE_DIR" ] || untar ant-core-1m
[ -d "$CHUNKED_DIR" ] && [ -d "$SINGLE_DIR" ] || { echo "the codebases are not here: carry .gpu-carry/c2 (bash bench/gpu/pack.sh)"; exit 1; }
[ "${SCALE_SERVE:-1}" = 1 ] && serve  # 0: use the server already at $URL
for phase in ${SCALE_PHASES:-prefill chunked single}; do
  case $phase in
  prefill)
    if [ ! -f $R/prefill_bench.done ] && [ "$(left)" -gt 60 ]; then
      timeout $(left) python3 "$HERE/prefill_bench.py" --repo "$CHUNKED_DIR" --url $URL --out $R/prefill_bench.json ${SCALE_LENGTHS:+--lengths $SCALE_LENGTHS} 2>&1 \
        | grep -v Warning | tee $L/prefill_bench.log | cut -c1-200
      [ "${PIPESTATUS[0]}" = 0 ] && touch $R/prefill_bench.done
    fi ;;
  decode)  # decode_mix.py: summed decode rate over one prefix vs two, short, with a schema (why a run is decode-bound)
    if [ ! -f $R/decode_mix.json ] && [ "$(left)" -gt 90 ]; then
      timeout $(left) python3 "$HERE/decode_mix.py" --repo "$CHUNKED_DIR" --url $URL --out $R/decode_mix.json ${DECODE_ARGS:-} 2>&1 \
        | grep -v Warning | tee $L/decode_mix.log | cut -c1-200
    fi ;;
  probe)  # the product's request shape at the run's length (chat_probe) and a schema after 300K (json_probe)
    tag=probe_${SCALE_REASONING:-parser}
    if [ ! -f $R/${tag}_chat.json ] && [ "$(left)" -gt 120 ]; then
      timeout $(( $(left) / 2 )) python3 "$HERE/chat_probe.py" --lines 22000 --timeout 90 --out $R/${tag}_chat.json 2>&1 | grep -v Warning | tee $L/${tag}_chat.log | cut -c1-200
      timeout $(left) python3 "$HERE/json_probe.py" --prefix 300000 --timeout 90 --out $R/${tag}_json.json 2>&1 | grep -v Warning | tee $L/${tag}_json.log | cut -c1-200
    fi ;;
  apart)  # the product's client, 16 thinking + schema answers over ~300K: one request each vs thinking apart (thinkapart.py)
    if [ ! -f $R/apart_probe.json ] && [ "$(left)" -gt 120 ]; then
      timeout $(left) python3 "$HERE/apart_probe.py" --url $URL/v1 --lines ${APART_LINES:-22000} --timeout 150 \
        --out $R/apart_probe.json ${APART_ARGS:-} 2>&1 | grep -v Warning | tee $L/apart_probe.log | cut -c1-300
      # and over a short prefix (~8K), where the per-step copy is small: what the second request costs by itself
      timeout $(left) python3 "$HERE/apart_probe.py" --url $URL/v1 --lines 600 --timeout 60 \
        --out $R/apart_probe_short.json ${APART_ARGS:-} 2>&1 | grep -v Warning | tee -a $L/apart_probe.log | cut -c1-300
    fi ;;
  chunked) analyze_bg chunked "$CHUNKED_DIR" || break ;;
  single) analyze_bg single "$SINGLE_DIR" || break ;;
  *) echo "unknown phase $phase (prefill, decode, probe, apart, chunked, single)"; exit 2 ;;
  esac
done
keep_server_log
python3 "$HERE/scale_summary.py" $R 2>&1
true
