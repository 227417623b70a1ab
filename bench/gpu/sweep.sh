#!/bin/bash
# The sweep on the device (issue 10, bench/results/sweep.md). One server: the benchmark's base flags plus the
# h200 profile's --api-server-count 4. Phases (each skipped when done on this machine, so a second call resumes):
#   1. bench/gpu/sweep_bench.py: cold prefill, the prefix tokenized once, N = 1,4,8,16,32 slice requests as
#      chat text and as token ids, 384 tokens each
#   2. modernize analyze /tmp/django-db with the sweep (--slice-tokens 34000: ~16 slices a findings agent,
#      --concurrency 32), prompts as token ids (the default)
#   3. the same run with --text-prompts
# Each analyze starts after a prefix-cache reset and with an empty per-user cache (token counts included).
set -u
source "$(dirname "$0")/common.sh"
if [ "$(cat /tmp/logs/current 2>/dev/null)" != sweep_api4 ]; then
  bash "$HERE/serve.sh" sweep_api4 --api-server-count 4 || exit 1
  echo sweep_api4 > /tmp/logs/current
fi
if [ ! -f /tmp/results/sweep_bench.done ] && [ "$(left)" -gt 90 ]; then
  timeout $(left) python3 "$HERE/sweep_bench.py" --repo /tmp/django-db --out /tmp/results/sweep_bench.json \
    --n ${SWEEP_N:-1,4,8,16,32} > /tmp/logs/sweep_bench.log 2>&1
  [ $? = 0 ] && touch /tmp/results/sweep_bench.done
  grep -v Warning /tmp/logs/sweep_bench.log | cut -c1-400 | tail -20
fi
run_analyze() {  # $1: tag, then extra flags
  local tag=$1; shift
  [ -f /tmp/results/analyze_$tag.wall ] && return 0
  [ "$(left)" -gt 100 ] || return 0
  reset_cache
  analyze "$tag" /tmp/django-db --concurrency 32 --slice-tokens 34000 "$@"
}
run_analyze ids
run_analyze text --text-prompts
# the slice size against admission: half as many, twice as large slices; and the default 32K slices at 16 at once
[ "${SWEEP_MORE:-0}" = 1 ] && run_analyze ids_s64k --slice-tokens 64000
[ "${SWEEP_MORE:-0}" = 1 ] && run_analyze ids_c16 --slice-tokens 32000 --concurrency 16
python3 "$HERE/sweep_summary.py" 2>/dev/null
true
