# Two entry points for a fresh clone (see README.md):
#   make demo  - set up .venv and run the main experiment on bundled/generated data
#   make test  - set up .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch; an unpinned torch would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup demo test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev,torch]"

demo: setup
	$(BIN)/lupi-ts reproduce hayashi2019

test: setup
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/python -m ruff check .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
