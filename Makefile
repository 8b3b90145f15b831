# Quick start:  make demo   (BACKEND=jax|torch|tensorflow)
#               make test   (the suite on every backend; see below)
BACKEND ?= jax
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q
# CPU builds. A bare `torch` requirement would pull a multi-GB CUDA build, so
# torch is pinned here (pyproject.toml keeps a normal range for users).
TORCH_PACKAGE ?= torch==2.13.0
# torchvision's release for that torch: pytorch-fid (the `fid-reference`
# extra, the reference of tests/test_fid_inception.py) needs it.
TORCHVISION_PACKAGE ?= torchvision==0.28.0
TENSORFLOW_PACKAGE ?= tensorflow-cpu
JAX_PACKAGE ?= jax
BACKENDS := tensorflow jax torch
# Two test processes (pytest-xdist): the suite is about twice as fast on 2
# cores. PYTEST_ARGS='-q -n 0' runs it in one. loadgroup: the tests of an
# xdist_group (sharing a module-scoped fixture) go to the same process.
# --durations: the slowest tests of each run, to keep the suite's time in
# view.
PYTEST_ARGS ?= -q -n 2 --dist loadgroup --durations=15
# `make test` runs the whole suite on FULL_BACKEND and, on the other
# backends, the tests not marked backend_independent (docs and report
# checks, argument parsing, NumPy and scikit-learn code: the same result
# on every backend; the benchmark scripts' and CLI options' plumbing, whose
# training other tests check on every backend), with --backend-dependent-only (tests/conftest.py; it
# combines with a -m in PYTEST_ARGS, e.g. -m "not slow").
FULL_BACKEND ?= jax

.PHONY: lint demo test test-% backend-tests-% install import-check bench bench-quick gpu-wheels clean docs docs-serve docs-check browser doctest examples

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

# One stamp per installed piece, so `make demo` installs only its backend.
$(VENV)/.backend-torch: | $(PY)
	$(PIP) "$(TORCH_PACKAGE)"
	touch $@
$(VENV)/.backend-tensorflow: | $(PY)
	$(PIP) "$(TENSORFLOW_PACKAGE)"
	touch $@
$(VENV)/.backend-jax: | $(PY)
	$(PIP) "$(JAX_PACKAGE)"
	touch $@
$(VENV)/.project: pyproject.toml | $(PY)
	$(PIP) -e ".[test,demo]"
	touch $@

# pytorch-fid requires torch and torchvision: installed after torch and
# with both pins, so that pip keeps this torch rather than pulling another
# (not in `test`, so that `make demo` still installs only its backend).
$(VENV)/.fid-reference: pyproject.toml | $(VENV)/.project $(VENV)/.backend-torch
	$(PIP) "$(TORCH_PACKAGE)" "$(TORCHVISION_PACKAGE)" -e ".[fid-reference]"
	touch $@

install: $(VENV)/.project $(VENV)/.backend-$(BACKEND)

demo: $(VENV)/.project $(VENV)/.backend-$(BACKEND)
	KERAS_BACKEND=$(BACKEND) $(PY) -m keras_aegan demo --output runs/demo

# test-BACKEND: the whole suite on one backend; backend-tests-BACKEND: only
# the tests that can depend on the backend.
TEST_DEPS := $(VENV)/.project $(addprefix $(VENV)/.backend-,$(BACKENDS)) \
  $(VENV)/.fid-reference
# tests/browser (the built site in Chromium) is `make docs-check`'s.
test-%: $(TEST_DEPS)
	KERAS_BACKEND=$* $(PY) -m pytest tests $(PYTEST_ARGS) \
	  --ignore=tests/browser
backend-tests-%: $(TEST_DEPS)
	KERAS_BACKEND=$* $(PY) -m pytest tests $(PYTEST_ARGS) \
	  --ignore=tests/browser --backend-dependent-only

# tests/test_reliability.py saves a model under each backend once for the
# three runs of `make test` (in this folder, emptied first), not in each.
TEST_SAVED_MODELS := runs/test-saved-models
test: export KERAS_AEGAN_TEST_SAVED_MODELS = $(CURDIR)/$(TEST_SAVED_MODELS)
test: $(TEST_DEPS)
	rm -rf $(TEST_SAVED_MODELS)
	$(MAKE) --no-print-directory test-$(FULL_BACKEND) \
	  $(addprefix backend-tests-,$(filter-out $(FULL_BACKEND),$(BACKENDS)))

# The documentation site (MkDocs Material + mkdocstrings): `make docs` builds
# it into site/ and fails on a broken link or reference (--strict);
# `make docs-serve` serves it at http://127.0.0.1:8000 with live reload.
# Formulas are typeset by KaTeX, served from the site (readers and the build
# machine may be offline): its npm package, installed here and copied into
# the site by docs/_hooks/katex.py.
KATEX_VERSION ?= 0.16.47
KATEX_DIR := runs/katex
KATEX := $(KATEX_DIR)/.katex-$(KATEX_VERSION)
$(KATEX):
	rm -rf $(KATEX_DIR)
	npm install --silent --no-save --no-package-lock --no-audit --no-fund \
	  --prefix $(KATEX_DIR) "katex@$(KATEX_VERSION)"
	touch $@
$(VENV)/.docs: pyproject.toml | $(PY)
	$(PIP) -e ".[docs]"
	touch $@
docs: $(VENV)/.docs $(VENV)/.project $(KATEX)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict
docs-serve: $(VENV)/.docs $(VENV)/.project $(KATEX)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

# The built site as a reader sees it (tests/browser): served on 127.0.0.1
# and opened in Debian's headless Chromium (`make browser` installs it, as
# root); screenshots in site/screenshots/.
docs-check: $(VENV)/.docs $(VENV)/.project $(KATEX)
	$(PY) -m pytest tests/browser -q -p no:cacheprovider
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; \
	then echo "chromium and chromedriver are installed"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium chromium-driver; fi

# The docstrings' examples, run as doctests on one backend.
doctest: $(VENV)/.project $(VENV)/.backend-$(BACKEND)
	KERAS_BACKEND=$(BACKEND) $(PY) -m pytest $(PYTEST_ARGS) \
	  --doctest-modules keras_aegan -p no:cacheprovider

# Every script in examples/ with --quick (a smoke run, CI): the Python ones
# on BACKEND, switch_backends.sh on all three (digits_quickstart.py
# included, so it is not run a second time on BACKEND). EXAMPLE_JOBS
# scripts at a time (the slowest, switch_backends.sh, first); each one's
# output is printed when it ends, and every script runs even if one fails.
EXAMPLES := examples/switch_backends.sh $(filter-out \
  examples/digits_quickstart.py,$(sort $(wildcard examples/*.py)))
EXAMPLE_JOBS ?= 2
examples: $(VENV)/.project $(addprefix $(VENV)/.backend-,$(BACKENDS))
	@mkdir -p runs/examples
	@printf '%s\n' $(EXAMPLES) | xargs -P $(EXAMPLE_JOBS) -I{} sh -c ' \
	  log=runs/examples/$$(basename {}).log; start=$$(date +%s); \
	  case {} in \
	    *.sh) PYTHON=$(PY) bash {} --quick ;; \
	    *) KERAS_BACKEND=$(BACKEND) $(PY) {} --quick ;; \
	  esac >"$$log" 2>&1; status=$$?; \
	  echo "== {}: exit status $$status, $$(( $$(date +%s) - start ))s"; \
	  cat "$$log"; exit $$status'

# Benchmarks (docs/benchmarks.md). bench-quick: the CI smoke run (minutes);
# each script checks that its JSON has every figure. bench: the full protocol
# (hours on a CPU).
BENCH_NAMES := mixtures step_cost images digits stability_map
BENCH_DEPS := $(VENV)/.project $(VENV)/.backend-$(BACKEND) $(VENV)/.backend-torch
# The quick runs BENCH_JOBS at a time (the longest first;
# each one's output printed when it ends; all run even if one fails). A
# smoke run: step_cost's rates are then measured beside another run, which
# a quick run's JSON check does not mind (`make bench` runs one at a time).
BENCH_JOBS ?= 2
bench-quick: $(BENCH_DEPS)
	@mkdir -p runs/bench-quick
	@printf '%s\n' $(BENCH_NAMES) | xargs -P $(BENCH_JOBS) -I{} sh -c ' \
	  log=runs/bench-quick/{}.log; start=$$(date +%s); \
	  $(PY) -m keras_aegan --backend $(BACKEND) bench {} --quick \
	    --output runs/bench-quick >"$$log" 2>&1; status=$$?; \
	  echo "== bench {} --quick: exit status $$status," \
	    "$$(( $$(date +%s) - start ))s"; \
	  cat "$$log"; exit $$status'
bench: $(BENCH_DEPS)
	for name in $(BENCH_NAMES); do \
	  $(PY) -m keras_aegan --backend $(BACKEND) bench $$name \
	    --output runs/bench || exit 1; done

# Wheels of Keras and the small dependencies a GPU image with JAX and
# PyTorch lacks, for benchmarks/gpu_check.sh (that machine has no index).
GPU_PYTHON_VERSION ?= 3.12
gpu-wheels:
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: \
	  --python-version $(GPU_PYTHON_VERSION) --implementation cp \
	  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
	  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
	  -d .whl "keras==3.15.1" namex optree psutil

# `import keras_aegan` and a fit with Keras and only JAX installed.
IMPORT_VENV ?= .venv-jax-only
import-check:
	$(PYTHON) -m venv $(IMPORT_VENV)
	$(IMPORT_VENV)/bin/python -m pip install -q "keras>=3.15" "$(JAX_PACKAGE)"
	$(IMPORT_VENV)/bin/python -m pip install -q --no-deps -e .
	KERAS_BACKEND=jax $(IMPORT_VENV)/bin/python tests/import_check.py

# ruff over the whole tree (rules and line length in pyproject.toml).
RUFF_PACKAGE ?= ruff>=0.6
$(VENV)/.lint: | $(PY)
	$(PIP) "$(RUFF_PACKAGE)"
	touch $@
lint: $(VENV)/.lint
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) $(IMPORT_VENV) runs .pytest_cache site
