# Two entry points: `make run` (install and start the coach) and `make test` (install and run
# every check). Both create .venv at the repository root when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test setup lint typecheck imports unit bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	@# A CPU build of torch first when one is available (a plain "torch" may be a CUDA build).
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install --quiet "torch==2.13.0" \
		|| $(BIN)/pip install --quiet torch
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/coach

lint: setup
	$(BIN)/ruff check coach tests evals

typecheck: setup
	$(BIN)/mypy

imports: setup
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest -q

test: setup lint typecheck imports unit

bench: setup
	$(BIN)/coach bench
