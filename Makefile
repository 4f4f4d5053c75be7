# Two commands on a fresh machine: `make run` and `make test`. Only python3 (3.11+) and make needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint format bench quality check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)  ## open the dashboard on the bundled workspace
	$(BIN)/tracker run

test: $(STAMP_TEST)  ## the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP_TEST)  ## ruff, and the architecture's import contracts (pyproject.toml)
	$(BIN)/ruff check tracker tests bench
	$(BIN)/ruff format --check tracker tests bench
	$(BIN)/lint-imports

format: $(STAMP_TEST)
	$(BIN)/ruff format tracker tests bench
	$(BIN)/ruff check --fix tracker tests bench

check: $(STAMP_RUN)  ## validate the bundled records
	$(BIN)/tracker check

bench: $(STAMP_TEST)  ## benchmarks print their figures; they are not tests
	$(BIN)/python -m bench

quality: $(STAMP_TEST)  ## precision and recall of the bundled rules on the labelled dev set
	$(BIN)/python -m bench quality

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
