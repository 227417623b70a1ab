#!/bin/bash
# One flag set: (re)start the server with it, run decode_bench.py, keep the results.
# Usage: bench/gpu/config_run.sh NAME [--mid] [--profile] -- [extra vllm serve args...]   (env CC as in serve.sh)
set -u
NAME=$1; shift
BENCH_ARGS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do BENCH_ARGS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
mkdir -p /tmp/results
printf '%s\n' "${SERVE_CC:-}" > /tmp/results/cc_$NAME.txt
printf '%s\n' "$@" > /tmp/results/args_$NAME.txt
HERE=$(cd "$(dirname "$0")" && pwd)
if ! bash "$HERE/serve.sh" "$NAME" "$@"; then
  echo "[$NAME] server failed"; echo '{"label":"'$NAME'","failed":true}' > /tmp/results/decode_$NAME.json; exit 1
fi
PROF=()
for a in "${BENCH_ARGS[@]}"; do [ "$a" = "--profile" ] && PROF=(--profile /tmp/prof); done
OTHER=()
for a in "${BENCH_ARGS[@]}"; do [ "$a" != "--profile" ] && OTHER+=("$a"); done
PYTHONPATH=/tmp/vllm-site timeout ${BENCH_TIMEOUT:-300} python3 "$HERE/decode_bench.py" --codebase /tmp/codebase.txt --label "$NAME" \
  --out /tmp/results/decode_$NAME.json "${OTHER[@]}" "${PROF[@]}"
[ -f /tmp/prof/profiler_out_0.txt ] && cp /tmp/prof/profiler_out_0.txt /tmp/results/profile_$NAME.txt && head -40 /tmp/prof/profiler_out_0.txt | cut -c1-220
nvidia-smi --query-gpu=memory.used,memory.total --format=csv,noheader
echo "[$NAME] done $(date +%T)"
