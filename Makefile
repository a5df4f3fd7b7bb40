# Framewise: `make run` starts the whole system; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
STAMP  := $(VENV)/.installed

.PHONY: install run test test-fast lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(BIN)/python constraints.txt shared/pyproject.toml api-service/pyproject.toml \
          worker-service/pyproject.toml ml-service/pyproject.toml dev/pyproject.toml requirements-dev.txt
	$(PIP) install --quiet -c constraints.txt \
	    -e shared -e api-service -e worker-service -e ml-service -e dev -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m framewise_dev.run

test: install
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not e2e"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
