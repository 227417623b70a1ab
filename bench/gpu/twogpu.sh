#!/bin/bash
# Two GPUs (issue 13, bench/results/two-gpu.md). Codebase: Django 5.2.8's django/ without its locale/
# folders (contrib kept): ~2M tokens, 10 modules at a 262,144-token window (.gpu-carry/c2/dj2m.tar.xz).
# Phases, each skipped when done on this machine:
#   one       one GPU: the server at 262,144 with the bench's base flags; a chunked `modernize analyze`,
#             --concurrency 16 (max-num-seqs 32: two map agents a module)
#   tp2       the same on two GPUs with --tensor-parallel-size 2 (one engine, one prefix cache), --concurrency 16
#   dp2       the same with --data-parallel-size 2 behind vLLM's one endpoint (two engines, two prefix caches,
#             64 sequences in all), --concurrency 32
#   tp2single the 538K-token django/db in one context under TP=2 at 1,048,576: sweep_bench.py (cold prefill,
#             1 and 16 slice streams) and a whole `modernize analyze`
# A phase that needs more GPUs than nvidia-smi lists stops with a message (exit 3), so the script can be tried
# on one GPU (`one` only). The figures: bench/gpu/twogpu_summary.py over /tmp/results.
set -u
source "$(dirname "$0")/common.sh"
GPUS=$(nvidia-smi -L 2>/dev/null | wc -l)
need() {
  if [ "$GPUS" -lt "$1" ]; then
    echo "phase $PHASE needs $1 GPUs; nvidia-smi lists $GPUS: ask the device for nvidia-h200-x2"; exit 3
  fi
}
serve() {  # $1 name, then flags: (re)start the server unless it already runs this phase's flags
  local name=$1; shift
  if [ "$(cat /tmp/logs/current 2>/dev/null)" != "$name" ]; then
    bash "$HERE/serve.sh" "$name" "$@" || exit 1
    echo "$name" > /tmp/logs/current
  fi
}
[ -d /tmp/dj2m ] || { mkdir -p /tmp/dj2m && tar -xJf "$REPO/.gpu-carry/c2/dj2m.tar.xz" -C /tmp/dj2m 2>/dev/null || tar -xJf /tmp/vp/dj2m.tar.xz -C /tmp/dj2m; }
PHASE=${1:-one}
case $PHASE in
one)
  serve one --max-model-len 262144 --api-server-count 4
  reset_cache
  analyze chunked_one /tmp/dj2m --concurrency 16 ;;
tp2)
  need 2
  serve tp2 --max-model-len 262144 --api-server-count 4 --tensor-parallel-size 2
  reset_cache
  analyze chunked_tp2 /tmp/dj2m --concurrency 16 ;;
dp2)
  need 2
  serve dp2 --max-model-len 262144 --api-server-count 4 --data-parallel-size 2
  reset_cache
  analyze chunked_dp2 /tmp/dj2m --concurrency 32 ;;
tp2single)
  need 2
  serve tp2single --max-model-len 1048576 --api-server-count 4 --tensor-parallel-size 2
  if [ ! -f /tmp/results/tp2single_bench.done ] && [ "$(left)" -gt 150 ]; then
    timeout $(left) python3 "$HERE/sweep_bench.py" --repo /tmp/django-db --out /tmp/results/tp2single_bench.json --n 1,16 \
      > /tmp/logs/tp2single_bench.log 2>&1 && touch /tmp/results/tp2single_bench.done
    grep -v Warning /tmp/logs/tp2single_bench.log | cut -c1-300 | tail -8
  fi
  reset_cache
  [ "$(left)" -gt 120 ] && analyze single_tp2 /tmp/django-db --concurrency 32 ;;
*) echo "unknown phase $PHASE (one, tp2, dp2, tp2single)"; exit 2 ;;
esac
python3 "$HERE/twogpu_summary.py" 2>/dev/null
true
