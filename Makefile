# The two commands a new user runs: `make demo` and `make test`. Both build .venv when missing.
# PY picks the interpreter (python3.11 is the floor; python3.12 and python3.13 get Mesa 3.5); a
# pyenv version that is installed but not selected is found under ~/.pyenv/versions. Each Python
# gets a virtual environment of its own (.venv for the default).
PY ?= python3
PY_EXE := $(shell $(PY) -c 'import sys; print(sys.executable)' 2>/dev/null || \
	ls -d $$HOME/.pyenv/versions/$(patsubst python%,%,$(PY))*/bin/$(PY) 2>/dev/null | tail -n 1)
VENV ?= $(if $(filter python3,$(PY)),.venv,.venv-$(PY))
PYTEST_ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo engine-demo test bench lint clean py-exe notebooks

$(BIN)/python:
	@test -n "$(PY_EXE)" || { echo "make: no interpreter for PY=$(PY)"; exit 2; }
	$(PY_EXE) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,dev,batch,dashboard,notebooks]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/selloff run deepseek --seed 0 --out out/deepseek-seed0
	@echo "plot: out/deepseek-seed0/price_paths.png   summary: out/deepseek-seed0/summary.json"

engine-demo: $(STAMP)
	$(BIN)/selloff demo --out out/demo

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	# the kernels' reference-twin tests again as plain Python, so coverage sees inside them
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -m nojit -p no:cacheprovider -q

notebooks: $(STAMP)  # every lesson at full size (and the teacher's copies), HTML in out/notebooks/
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=1200 \
		--output-dir out/notebooks notebooks/*.ipynb
	$(BIN)/jupyter nbconvert --to html --execute --ExecutePreprocessor.timeout=1200 \
		--output-dir out/notebooks/teacher notebooks/teacher/*.ipynb

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

lint: $(STAMP)
	$(BIN)/ruff check .

py-exe:  # the interpreter PY resolves to (exit 2 if none)
	@test -n "$(PY_EXE)" && $(PY_EXE) -c 'import sys; print(sys.executable)' || exit 2

clean:
	rm -rf .venv .venv-python3* out .pytest_cache
