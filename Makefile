# Quick start:  make demo   (BACKEND=jax|torch|tensorflow)
#               make test   (the whole suite once per backend)
BACKEND ?= jax
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q
# CPU builds. A bare `torch` requirement would pull a multi-GB CUDA build, so
# torch is pinned here (pyproject.toml keeps a normal range for users).
TORCH_PACKAGE ?= torch==2.13.0
TENSORFLOW_PACKAGE ?= tensorflow-cpu
JAX_PACKAGE ?= jax
BACKENDS := tensorflow jax torch
# Two test processes (pytest-xdist): the suite is about twice as fast on 2
# cores. PYTEST_ARGS='-q -n 0' runs it in one.
PYTEST_ARGS ?= -q -n 2

.PHONY: demo test test-% install import-check bench bench-quick gpu-wheels clean docs docs-serve doctest examples

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

install: $(VENV)/.project $(VENV)/.backend-$(BACKEND)

demo: $(VENV)/.project $(VENV)/.backend-$(BACKEND)
	KERAS_BACKEND=$(BACKEND) $(PY) -m keras_aegan demo --output runs/demo

test-%: $(VENV)/.project $(addprefix $(VENV)/.backend-,$(BACKENDS))
	KERAS_BACKEND=$* $(PY) -m pytest tests $(PYTEST_ARGS)

test: $(addprefix test-,$(BACKENDS))

# The documentation site (MkDocs Material + mkdocstrings): `make docs` builds
# it into site/ and fails on a broken link or reference (--strict);
# `make docs-serve` serves it at http://127.0.0.1:8000 with live reload.
$(VENV)/.docs: pyproject.toml | $(PY)
	$(PIP) -e ".[docs]"
	touch $@
docs: $(VENV)/.docs $(VENV)/.project
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict
docs-serve: $(VENV)/.docs $(VENV)/.project
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve

# The docstrings' examples, run as doctests on one backend.
doctest: $(VENV)/.project $(VENV)/.backend-$(BACKEND)
	KERAS_BACKEND=$(BACKEND) $(PY) -m pytest -q --doctest-modules \
	  keras_aegan -p no:cacheprovider

# Every script in examples/ with --quick (a smoke run, CI): the Python ones
# on BACKEND, switch_backends.sh on all three.
EXAMPLES := $(sort $(wildcard examples/*.py))
examples: $(VENV)/.project $(addprefix $(VENV)/.backend-,$(BACKENDS))
	for script in $(EXAMPLES); do echo "== $$script"; \
	  KERAS_BACKEND=$(BACKEND) $(PY) $$script --quick || exit 1; done
	PYTHON=$(PY) bash examples/switch_backends.sh --quick

# Benchmarks (docs/benchmarks.md). bench-quick: the CI smoke run (minutes);
# each script checks that its JSON has every figure. bench: the full protocol
# (hours on a CPU).
BENCH_NAMES := mixtures digits step_cost
BENCH_DEPS := $(VENV)/.project $(VENV)/.backend-$(BACKEND) $(VENV)/.backend-torch
bench-quick: $(BENCH_DEPS)
	for name in $(BENCH_NAMES); do \
	  $(PY) -m keras_aegan --backend $(BACKEND) bench $$name --quick \
	    --output runs/bench-quick || exit 1; done
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
	  -d .whl "keras==3.15.1" namex optree

# `import keras_aegan` and a fit with Keras and only JAX installed.
IMPORT_VENV ?= .venv-jax-only
import-check:
	$(PYTHON) -m venv $(IMPORT_VENV)
	$(IMPORT_VENV)/bin/python -m pip install -q "keras>=3.15" "$(JAX_PACKAGE)"
	$(IMPORT_VENV)/bin/python -m pip install -q --no-deps -e .
	KERAS_BACKEND=jax $(IMPORT_VENV)/bin/python tests/import_check.py

clean:
	rm -rf $(VENV) $(IMPORT_VENV) runs .pytest_cache site
