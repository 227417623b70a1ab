#!/bin/bash
# Builds what the GPU benchmark carries to the device, under .gpu-carry/ (git-ignored):
#   c0/part00, c1/part01   the vLLM 0.26.0 wheel set (../shared/tools/vllm-for-device.sh .vllm-device), split in 58 MiB parts, one per call
#   c2/part02 + c2/assets.tar.xz: the last part, plus model/ (config + stand-in tokenizer), django-db/ (the codebase),
#   codebase.txt (modernizer's rendered shared head of it, for the baseline script) and baseline_layout_bench.py;
#   c2/tomcat7-4m.tar.xz, c2/ant-core-1m.tar.xz: the scale bench's codebases (scale_trees.sh; SCALE=0 leaves them out)
# Each call carries one cN folder (<= 64 MiB with the working tree).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
[ -f .vllm-device/part02 ] || bash ../shared/tools/vllm-for-device.sh .vllm-device
DJ=${DJANGO_SRC:-bench/work/tree/django-5.2.8}
if [ ! -d "$DJ" ]; then
  mkdir -p bench/work/dl && python3 -m pip download -q --no-deps --no-binary=:all: --no-build-isolation django==5.2.8 -d bench/work/dl || true
  mkdir -p bench/work/tree && tar -xzf bench/work/dl/django-5.2.8.tar.gz -C bench/work/tree
fi
rm -rf .gpu-carry && mkdir -p .gpu-carry/c0 .gpu-carry/c1 .gpu-carry/c2 .gpu-carry/stage
# split again at 58 MiB: a 60 MiB part and the working tree (4.4 MB by now) would pass a call's 64 MiB
cat .vllm-device/part0* | split -b 58M -d - .gpu-carry/stage/part
mv .gpu-carry/stage/part00 .gpu-carry/c0/ && mv .gpu-carry/stage/part01 .gpu-carry/c1/ && mv .gpu-carry/stage/part02 .gpu-carry/c2/
[ -z "$(ls .gpu-carry/stage/part* 2>/dev/null)" ] || { echo "the wheel set needs more than three 58 MiB parts"; exit 1; }
(cd .gpu-carry && sha256sum c0/part00 c1/part01 c2/part02 | sed 's# c./# #' > c2/SHA256SUMS)
# vLLM 0.26 imports lm-format-enforcer (and interegular) to validate any structured-output request; the wheel set lacks them
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 -d .gpu-carry/c2/whl lm-format-enforcer==0.11.3 interegular==0.3.3
# the model dir: config.json without auto_map + stand-in tokenizer + ChatML-style template
.venv-vllm/bin/python bench/gpu/make_model_dir.py .gpu-carry/stage/model
# the codebase: Django 5.2.8's ORM package (django/db) without migrations/ and backends/oracle/, ~539K tokens
cp -r "$DJ/django/db" .gpu-carry/stage/django-db
rm -rf .gpu-carry/stage/django-db/migrations .gpu-carry/stage/django-db/backends/oracle
find .gpu-carry/stage/django-db -name __pycache__ -prune -exec rm -rf {} +
.venv/bin/python -c "
from modernizer.run.analysis import prepare, AnalyzeOptions
from modernizer.repo.ingest import IngestOptions
p = prepare('.gpu-carry/stage/django-db', AnalyzeOptions(no_llm=True, ingest=IngestOptions(use_git=False)))
open('.gpu-carry/stage/codebase.txt', 'w').write(p.shared_head)
print('codebase.txt', len(p.shared_head), 'chars;', len(p.snapshot.files), 'files')"
cp ../shared/tools/baseline_layout_bench.py .gpu-carry/stage/
tar -C .gpu-carry/stage -cf - model django-db codebase.txt baseline_layout_bench.py | xz -T0 -9 > .gpu-carry/c2/assets.tar.xz
rm -rf .gpu-carry/stage
# issue 18's scale bench (scale.sh): Tomcat 7.0.109 (~4.7M tokens) and Ant 1.9.16's core (~0.97M), ~3 MB together
if [ "${SCALE:-1}" = 1 ]; then bash bench/gpu/scale_trees.sh .gpu-carry/c2; fi
du -b .gpu-carry/c*/* | sort -k2
tree_bytes=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
whl_bytes=$(du -cb .whl 2>/dev/null | tail -1 | cut -f1)  # carried beside c2 in the calls that run modernize
for c in c0 c1 c2; do echo "$c: $(( $(du -cb .gpu-carry/$c/* | tail -1 | cut -f1) + tree_bytes )) bytes with the working tree (limit 67108864)"; done
c2_bytes=$(( $(du -cb .gpu-carry/c2/* | tail -1 | cut -f1) + tree_bytes + ${whl_bytes:-0} ))
echo "c2 + .whl: $c2_bytes bytes (limit 67108864)"
if [ "${SCALE:-1}" = 1 ] && [ "$c2_bytes" -gt 66060288 ]; then  # under 63 MiB, or the codebases get a call of their own
  mkdir -p .gpu-carry/c3 && mv .gpu-carry/c2/tomcat7-4m.tar.xz .gpu-carry/c2/ant-core-1m.tar.xz .gpu-carry/c3/
  echo "c2 is too full for the scale codebases: they are in .gpu-carry/c3; carry it in one more call (device.sh c3s) before c2x"
fi
