# tidtam — `make run` serves the demo, `make test` runs the whole suite (SQLite, then PostgreSQL when reachable).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve-prod test lint format messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The official IATI 2.03 schemas the tests validate against ship in pyIATI; its pinned dependencies are not used.
	$(BIN)/python -m pip install --quiet --no-deps pyIATI==0.4.1
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(BIN)/tidtam migrate --noinput
	$(BIN)/tidtam demo --if-empty
	@echo "tidtam: http://$(HOST):$(PORT)/"
	$(BIN)/tidtam runserver $(HOST):$(PORT)

# The production server (gunicorn, DEBUG=0, static files collected): docs/deploy.md. Without SECRET_KEY in the
# environment it uses one generated once into var/.secret_key (fine on this machine; set your own in production).
serve-prod: $(STAMP)
	mkdir -p var
	test -n "$$SECRET_KEY" || test -s var/.secret_key || (umask 077; $(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/.secret_key)
	DEBUG=0 SECRET_KEY="$${SECRET_KEY:-$$(cat var/.secret_key)}" $(BIN)/tidtam serve --prod --migrate --host $(HOST) --port $(PORT)

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
