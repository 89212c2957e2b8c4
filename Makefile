# tidtam — `make run` serves the demo, `make test` runs the whole suite (SQLite, then PostgreSQL when reachable).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(BIN)/tidtam migrate --noinput
	$(BIN)/tidtam demo --if-empty
	@echo "tidtam: http://$(HOST):$(PORT)/"
	$(BIN)/tidtam runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/ruff check tidtam scripts conftest.py
	$(BIN)/python scripts/run_tests.py

lint: $(STAMP)
	$(BIN)/ruff check tidtam scripts conftest.py
	$(BIN)/ruff format --check tidtam scripts conftest.py

format: $(STAMP)
	$(BIN)/ruff format tidtam scripts conftest.py

messages: $(STAMP)
	$(BIN)/python scripts/compilemessages.py
