# The two commands a new user needs:  `make reproduce`  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/awaken: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/python -m awaken.cli.warm  # compile the kernels once (a few minutes), cached after
	touch $(BIN)/awaken

.PHONY: setup reproduce test typecheck lint bench docs
setup: $(BIN)/awaken

reproduce: setup  ## set up and run the main job: the study end to end (report and claims)
	$(BIN)/awaken reproduce --out results/reproduce --resume

test: setup  ## set up and run the tests
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

typecheck: setup  ## mypy --strict over src/ (configuration in pyproject.toml)
	$(BIN)/mypy

bench: setup
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/run.py

docs: setup  ## the API reference and guides, generated from the docstrings, into site/
	$(BIN)/pip install --quiet -e ".[docs]"
	$(BIN)/python -m sphinx -W --keep-going -q -b html docs site
	@echo "open site/index.html"
