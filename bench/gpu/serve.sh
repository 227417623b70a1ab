#!/bin/bash
# Starts (or restarts) the benchmark vLLM server on the device: Nemotron-3-Nano-30B-A3B architecture,
# dummy BF16 weights, prefix caching on. Usage: bench/gpu/serve.sh NAME [extra vllm serve args...]
# Env: CC = --compilation-config JSON (default: CUDA graphs captured for batch 1..32 only, to start faster).
# Log: /tmp/logs/NAME.log; pid (= process group) in /tmp/server.pid. Exit 0 once /health answers.
set -u
NAME=$1; shift
mkdir -p /tmp/logs
if [ -f /tmp/server.pid ]; then
  P=$(cat /tmp/server.pid)
  kill -TERM -- -"$P" 2>/dev/null
  for i in $(seq 1 60); do kill -0 "$P" 2>/dev/null || break; sleep 1; done
  kill -KILL -- -"$P" 2>/dev/null
  rm -f /tmp/server.pid
  # wait until the GPU memory is released
  for i in $(seq 1 30); do
    used=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -1)
    [ "${used:-0}" -lt 2000 ] && break; sleep 1
  done
fi
CCJSON=${SERVE_CC:-'{"cudagraph_capture_sizes":[1,2,4,8,16,32]}'}
export PYTHONPATH=/tmp/vllm-site VLLM_USE_FLASHINFER_SAMPLER=0 VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 VLLM_SERVER_DEV_MODE=1
echo "[serve $NAME] $(date +%T) flags: -cc $CCJSON $*" | tee /tmp/logs/$NAME.flags
T0=$(date +%s)
setsid python3 -m vllm.entrypoints.cli.main serve /tmp/model --served-model-name nemotron \
  --host 127.0.0.1 --port 8000 --load-format dummy --dtype bfloat16 \
  --max-model-len 600000 --hf-overrides '{"max_position_embeddings": 1048576}' \
  --enable-prefix-caching --enable-prompt-tokens-details \
  --structured-outputs-config '{"backend":"xgrammar","disable_any_whitespace":true}' \
  --gpu-memory-utilization 0.92 --max-num-seqs 32 -cc "$CCJSON" "$@" \
  > /tmp/logs/$NAME.log 2>&1 < /dev/null &
echo $! > /tmp/server.pid
P=$(cat /tmp/server.pid)
for i in $(seq 1 ${SERVE_WAIT:-420}); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)" 2>/dev/null; then
    echo "[serve $NAME] healthy after $(( $(date +%s) - T0 )) s" | tee -a /tmp/logs/$NAME.flags
    grep -E "attention block size|Padding mamba|Using .*backend|backend|mamba_cache_mode|cudagraph_mode|KV cache|GPU KV|Maximum concurrency|model weights took|torch.compile takes|Graph capturing finished|init engine" /tmp/logs/$NAME.log | grep -v "^\s*$" | cut -c1-300 | head -40
    exit 0
  fi
  if ! kill -0 "$P" 2>/dev/null; then
    echo "[serve $NAME] DIED after $(( $(date +%s) - T0 )) s"; tail -40 /tmp/logs/$NAME.log | cut -c1-400; exit 1
  fi
  sleep 1
done
echo "[serve $NAME] not healthy in time"; tail -30 /tmp/logs/$NAME.log | cut -c1-400; exit 1
