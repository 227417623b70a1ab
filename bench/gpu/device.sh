#!/bin/bash
# The per-call commands of the GPU benchmark, run from the repo root on the device:
#   bash bench/gpu/device.sh c0|c1|c2|c3|c4v|c4l|c5l|...
# Every call leaves $OUT/state.tgz (all results and server logs so far on this machine) and prints a summary.
set -u
export PYTHONUNBUFFERED=1
S=bench/gpu
mkdir -p /tmp/vp /tmp/results /tmp/logs
T0=$(date +%s)
export CALL_T0=$T0
finish() {
  python3 $S/summary.py 2>/dev/null | tee /tmp/results/summary.txt
  [ -n "${OUT:-}" ] && tar -czf "$OUT/state.tgz" -C /tmp results logs 2>/dev/null
  echo "call $1 took $(( $(date +%s) - T0 )) s"
}
PROF_ARGS=(--profiler-config '{"profiler":"torch","torch_profiler_dir":"/tmp/prof","torch_profiler_with_stack":false,"torch_profiler_use_gzip":true,"ignore_frontend":true}')
best_args() { python3 $S/pick.py --args 2>/dev/null; }
best_cc() { python3 $S/pick.py --cc 2>/dev/null; }
if [ "${1:-}" != inner ]; then
  # the work runs under a limit so that the results always get packed before the 600 s call limit
  timeout ${CALL_LIMIT:-570} bash "$0" inner "$1"
  finish "$1"
  exit 0
fi
shift
unpack() {  # the last vLLM part, the model dir and the codebase (c2's carry), onto the parts c0 and c1 stored
  cp -r .gpu-carry/c2/* /tmp/vp/
  (cd /tmp/vp && sha256sum -c SHA256SUMS) || { echo "parts corrupt"; return 1; }
  cat /tmp/vp/part00 /tmp/vp/part01 /tmp/vp/part02 | xz -d -T0 | tar -x -C /tmp && rm -f /tmp/vp/part0*
  tar -xJf /tmp/vp/assets.tar.xz -C /tmp && rm -rf /tmp/model/.cache
  # vLLM 0.26 imports lm-format-enforcer when it validates any structured-output request: not in the wheel set
  if [ -d /tmp/vp/whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/vllm-site /tmp/vp/whl/*.whl
  fi
}
case $1 in
c0)
  cp .gpu-carry/c0/part00 /tmp/vp/
  nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version,clocks.sm --format=csv
  python3 -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name())"
  python3 -m pip list 2>/dev/null | grep -iE "^(typer|rich|jinja2|networkx|httpx|transformers|tokenizers|triton|numba|tiktoken) " | tr -s ' '
  df -h /tmp | tail -1; nproc ;;
c1)
  cp .gpu-carry/c1/part01 /tmp/vp/ ;;
c2)
  unpack || exit 1
  PYTHONPATH=/tmp/vllm-site python3 -c "import vllm, lmformatenforcer; print('vllm', vllm.__version__)" 2>&1 | tail -1
  echo "unpacked at +$(( $(date +%s) - T0 )) s"
  if [ "${MICROBENCH:-0}" = 1 ]; then
    PYTHONPATH=/tmp/vllm-site timeout ${MB_T:-120} python3 $S/attn_microbench.py 2>&1 | grep -v Warning | tee /tmp/results/attn_microbench.txt
    [ -n "${OUT:-}" ] && cp "$OUT/attn_microbench.json" /tmp/results/ 2>/dev/null
  fi
  if [ "${PROFILE:-0}" = 1 ]; then
    bash $S/config_run.sh s1_default --mid --profile -- "${PROF_ARGS[@]}" || bash $S/config_run.sh s1_default --mid
  else
    bash $S/config_run.sh s1_default --mid
  fi
  echo s1_default > /tmp/logs/current ;;
c3)
  rm -rf /tmp/prof
  SERVE_CC='{"cudagraph_capture_sizes":[1,2,4,8,16,32],"cudagraph_mode":"PIECEWISE"}' bash $S/config_run.sh s2_piecewise --profile -- "${PROF_ARGS[@]}"
  echo s2_piecewise > /tmp/logs/current
  bash $S/config_run.sh s3_triton -- --attention-backend TRITON_ATTN
  echo s3_triton > /tmp/logs/current ;;
c4v)
  # variants on the best so far: smaller SSM cache dtype (smaller mamba page -> smaller attention block), align mode
  B=$(python3 $S/pick.py); A=$(best_args); C=$(best_cc); echo "best so far: $B ($A) cc=$C"
  SERVE_CC=$C bash $S/config_run.sh s4_ssm_bf16 -- $A --mamba-ssm-cache-dtype bfloat16
  echo s4_ssm_bf16 > /tmp/logs/current
  SERVE_CC=$C bash $S/config_run.sh s5_align -- $A --mamba-cache-mode align
  echo s5_align > /tmp/logs/current ;;
c5v)
  B=$(python3 $S/pick.py); A=$(best_args); C=$(best_cc); echo "best so far: $B ($A) cc=$C"
  SERVE_CC=$C bash $S/config_run.sh s6_chunk32k -- $A --max-num-batched-tokens 32768
  echo s6_chunk32k > /tmp/logs/current ;;
c2b)
  bash $S/config_run.sh s1_default --mid --profile -- "${PROF_ARGS[@]}" || bash $S/config_run.sh s1_default --mid
  echo s1_default > /tmp/logs/current ;;
c2s)
  # as c2 (unpack), then the sweep bench instead of the decode bench
  unpack || exit 1
  echo "unpacked at +$(( $(date +%s) - T0 )) s"
  bash $S/sweep.sh ;;
sweep) bash $S/sweep.sh ;;
c2w)
  unpack || exit 1
  echo "unpacked at +$(( $(date +%s) - T0 )) s"
  bash $S/window1m.sh w1m ;;
w1m) bash $S/window1m.sh w1m ;;
w262) bash $S/window1m.sh w262 ;;
c2t)
  # as c2 (unpack), then the two-GPU bench's first phase that this machine can run (twogpu.sh)
  unpack || exit 1
  echo "unpacked at +$(( $(date +%s) - T0 )) s"
  bash $S/twogpu.sh "${TWOGPU_PHASE:-one}" ;;
one|tp2|dp2|tp2single) bash $S/twogpu.sh $1 ;;
c2x)
  # as c2 (unpack), then issue 18's scale bench (scale.sh: modernize serve, prefill vs length, the 4M and 1M runs)
  unpack || exit 1
  echo "unpacked at +$(( $(date +%s) - T0 )) s"
  bash $S/scale.sh ;;
scale) bash $S/scale.sh ;;
c3s) cp .gpu-carry/c3/*.tar.xz /tmp/vp/ && ls -l /tmp/vp ;;  # the scale codebases, when pack.sh found c2 too full for them
layout) bash $S/layout.sh ;;
*) echo "unknown call $1"; exit 2 ;;
esac
