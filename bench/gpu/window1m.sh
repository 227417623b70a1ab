#!/bin/bash
# The 1M window on the device (issue 11, bench/results/window1m.md). Codebase: Django 5.2.8's db (without
# migrations and the Oracle backend), core, utils and forms: ~0.9M tokens (.gpu-carry/c2/dj1m.tar.xz).
# Phase "w1m": the server with the h200 profile's window, 1,048,576 (VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 and
#   --hf-overrides, as `modernize serve --profile h200` now starts it) and 4 API servers; sweep_bench.py
#   (cold prefill of the whole codebase, 1 and 16 slice requests) and `modernize analyze` in one context.
# Phase "w262": the server at 262,144 (the old default); the same codebase through `modernize analyze`,
#   which must chunk it into modules. Each phase is skipped when done on this machine.
set -u
source "$(dirname "$0")/common.sh"
[ -d /tmp/dj1m ] || { mkdir -p /tmp/dj1m && tar -xJf "$REPO/.gpu-carry/c2/dj1m.tar.xz" -C /tmp/dj1m 2>/dev/null || tar -xJf /tmp/vp/dj1m.tar.xz -C /tmp/dj1m; }
case ${1:-w1m} in
w1m)
  if [ "$(cat /tmp/logs/current 2>/dev/null)" != w1m ]; then
    bash "$HERE/serve.sh" w1m --max-model-len 1048576 --api-server-count 4 || exit 1
    echo w1m > /tmp/logs/current
  fi
  if [ ! -f /tmp/results/w1m_bench.done ] && [ "$(left)" -gt 150 ]; then
    timeout $(left) python3 "$HERE/sweep_bench.py" --repo /tmp/dj1m --out /tmp/results/w1m_bench.json --n 1,16 > /tmp/logs/w1m_bench.log 2>&1
    [ $? = 0 ] && touch /tmp/results/w1m_bench.done
    grep -v Warning /tmp/logs/w1m_bench.log | cut -c1-300 | tail -8
  fi
  reset_cache
  [ "$(left)" -gt 120 ] && analyze w1m_single /tmp/dj1m --concurrency 32 ;;
w262)
  if [ "$(cat /tmp/logs/current 2>/dev/null)" != w262 ]; then
    bash "$HERE/serve.sh" w262 --max-model-len 262144 --api-server-count 4 || exit 1
    echo w262 > /tmp/logs/current
  fi
  analyze w262_chunked /tmp/dj1m --concurrency 32 ;;
esac
true
