# The two commands of README.md: `make run` and `make test`. GNU make; recipes run in bash.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --no-input --quiet
# The ten slowest steps of each run are printed after its summary: where a new test costs time,
# every run shows it.
PYTEST_ARGS ?= -q -ra --durations=10
# Each database's run in pytest-xdist workers, or in one process (0, the default). A test file
# stays in one worker, so that what a module builds once (tests/security's World) is built once.
# On two cores the two runs side by side already keep both busy, and each worker costs CPU time
# of its own (its start, its S3 server, browser and template database): on an idle two-core
# machine 2+2 workers took 574 s, one process each 525 s. More cores: SQLITE_WORKERS=2 and so on.
SQLITE_WORKERS ?= 0
POSTGRES_WORKERS ?= 0
DIST ?= loadfile
XDIST = $(if $(filter 0,$(1)),,-n $(1) --dist $(DIST))
# The machine may set PYTHONDONTWRITEBYTECODE, which adds seconds to every pytest start; settings
# from the shell must not leak into the tests (each test passes its own to create_app).
CLEAN_ENV := env -u PYTHONDONTWRITEBYTECODE -u DATABASE_URL -u SECRET_KEY -u TRACKER_ENV

.PHONY: help run test test-sqlite test-postgres check-migrations lint format bench system-deps clean \
	translations

help:
	@echo "make run    install into .venv, set up the database and the demo, serve http://127.0.0.1:5000"
	@echo "make test   install what the tests need, lint, check migrations, test on SQLite and PostgreSQL"
	@echo "make bench  run the benchmarks"
	@echo "make translations  extract the marked strings, update and compile every catalogue"
	@echo "                   (NEW=tr starts a catalogue for another language)"
	@echo "make lint | format | clean"

$(BIN)/python:
	bash scripts/install-system-deps --run
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes (or the venv is new).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install -e ".[test]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/tracker init
	$(BIN)/tracker demo
	@echo "Serving http://127.0.0.1:5000 (Ctrl-C stops it)"
	$(BIN)/gunicorn -w 2 -b 127.0.0.1:5000 --no-control-socket 'tracker:create_app()'

system-deps:
	bash scripts/install-system-deps

# The two databases' runs are independent: run them side by side on the machine's two cores
# (each one's output is printed whole when it ends), each in one process unless SQLITE_WORKERS
# or POSTGRES_WORKERS say otherwise (see above); so are the lint and the migration check before
# them.
test: system-deps $(VENV)/.installed-test
	$(MAKE) --no-print-directory -j2 --output-sync=target lint check-migrations
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -c pyproject.toml -r tracker config.py -q

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: $(VENV)/.installed
	$(CLEAN_ENV) TRACKER=$(BIN)/tracker bash scripts/check-migrations

test-sqlite: $(VENV)/.installed-test
	@echo "== pytest on SQLite"
	$(CLEAN_ENV) -u TEST_DATABASE_URL $(BIN)/pytest $(call XDIST,$(SQLITE_WORKERS)) $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test
	@echo "== pytest on PostgreSQL"
	bash scripts/with-postgres $(CLEAN_ENV) $(BIN)/pytest $(call XDIST,$(POSTGRES_WORKERS)) $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	bash scripts/install-system-deps --bench
	$(BIN)/python -m bench
	$(BIN)/python -m bench.imports

# Catalogues are kept sorted and without line numbers, so that two branches adding strings rarely
# touch the same lines; the compiled .mo files are committed beside them, so `make run` needs no
# step of its own (tests/i18n checks that they are up to date). docs/translating.md says more.
POT := build/messages.pot
translations: $(VENV)/.installed-test
	mkdir -p build
	# templates/_macros by name: pybabel skips folders whose name starts with "_".
	$(BIN)/pybabel extract -F pyproject.toml -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
		--no-location --sort-output --no-wrap -o $(POT) tracker templates templates/_macros
	$(if $(NEW),$(BIN)/pybabel init -i $(POT) -d tracker/translations -l $(NEW) --no-wrap)
	$(BIN)/pybabel update -i $(POT) -d tracker/translations --no-fuzzy-matching \
		--ignore-obsolete --no-wrap
	# The template's date would change every catalogue's header at every run: drop it.
	sed -i '/^"POT-Creation-Date: /d' tracker/translations/*/LC_MESSAGES/messages.po
	$(BIN)/pybabel compile -d tracker/translations --statistics

clean:
	rm -rf build test-results .pytest_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
