# The two commands of the README, on a fresh machine with Python 3.11+:
#   make demo   installs Dozor into .venv and starts the demo contact center
#   make test   installs Dozor with its test tools into .venv and runs the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint install

$(BIN)/dozor: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/dozor

install: $(BIN)/dozor

demo: install
	$(BIN)/dozor demo

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check dozor tests bench
	$(BIN)/ruff format --check dozor tests bench
