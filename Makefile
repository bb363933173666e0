# Two entry points for a fresh clone (see README.md):
#   make demo  - set up .venv and run the main experiment on bundled/generated data
#   make test  - set up .venv and run the whole test suite (ruff, then pytest with torch,
#                then pytest again in .venv-notorch, a second environment without the torch extra)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A second environment without torch: the suite must pass there too (torch tests skip).
VENV_NOTORCH ?= .venv-notorch
BIN_NOTORCH := $(VENV_NOTORCH)/bin
# The CPU build of torch; an unpinned torch would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: setup setup-notorch demo test test-torch test-notorch lint docs docs-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77" wheel

setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev,torch,dask]"

$(BIN_NOTORCH)/python:
	$(PYTHON) -m venv $(VENV_NOTORCH)
	$(BIN_NOTORCH)/python -m pip install --quiet --upgrade pip "setuptools>=77" wheel

setup-notorch: $(BIN_NOTORCH)/python
	$(BIN_NOTORCH)/python -m pip install --quiet -e ".[dev]"

demo: setup
	$(BIN)/lupi-ts reproduce hayashi2019

test: lint test-torch test-notorch

test-torch: setup
	$(BIN)/python -m pytest

# Without torch: the torch tests skip with a reason, everything else must pass.
test-notorch: setup-notorch
	$(BIN_NOTORCH)/python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)" \
		|| (echo "torch is installed in $(VENV_NOTORCH); the torch-less run needs an environment without it" && exit 1)
	$(BIN_NOTORCH)/python -m pytest -p no:cacheprovider

# The documentation: API reference, user guide and the executed gallery, warnings as
# errors -> docs/_build/html. docs-check renders two built pages in headless Chromium.
docs: setup
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

docs-check:
	$(BIN)/python docs/check_rendered.py

lint: setup
	$(BIN)/python -m ruff check .

clean:
	rm -rf $(VENV) $(VENV_NOTORCH) build dist *.egg-info .pytest_cache .ruff_cache
