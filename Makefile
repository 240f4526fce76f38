# The two commands a new user runs: `make demo` and `make test`. Both build .venv when missing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo engine-demo test bench lint clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,dev,dashboard]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/selloff run deepseek --seed 12 --out out/deepseek-seed12
	@echo "plot: out/deepseek-seed12/price_paths.png   summary: out/deepseek-seed12/summary.json"

engine-demo: $(STAMP)
	$(BIN)/selloff demo --out out/demo

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) out .pytest_cache
