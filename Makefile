# wberp — everyday commands. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
EMULATOR_PORT ?= 8010

# The first Python >= 3.11 on PATH.
PYTHON := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)

.PHONY: help
help: ## List the targets and the variables they read
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo
	@echo "  Variables, e.g. make run PORT=8001:"
	@echo "    PORT=$(PORT)            port of the web server (run, demo)"
	@echo "    EMULATOR_PORT=$(EMULATOR_PORT)   port of the WB emulator (demo)"
	@echo "    HOST=$(HOST)       address the web server listens on (run, demo)"

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required; none found on PATH." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when the requirement files change.
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

.env:
	$(PY) -m wberp.envfile .env

# Local state, the SQLite database among it: private to its owner, also in an old checkout.
.PHONY: var
var:
	@mkdir -p var/static && chmod 700 var

# The compiled catalogues are committed; rebuild one only if its .po is newer
# and gettext is installed (a fresh clone needs neither).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --locale $* --ignore '.venv/*' -v0; \
	else echo "gettext is not installed; using the committed $@"; fi

.PHONY: setup
setup: $(VENV)/.runtime .env var $(MO_FILES) ## Create .venv, install runtime deps, write .env

.PHONY: setup-dev
setup-dev: $(VENV)/.dev .env var $(MO_FILES)

.PHONY: run
run: setup ## Set up, migrate, serve on http://127.0.0.1:8000 and run a worker (Ctrl-C stops both)
	@$(PY) -m wberp.devserver --host $(HOST) --port $(PORT)

.PHONY: demo
demo: setup ## Same, against the local WB emulator, with demo tokens to paste
	@$(PY) -m wberp.devserver --host $(HOST) --port $(PORT) --emulator-port $(EMULATOR_PORT)

.PHONY: lint
lint: setup-dev ## ruff check + format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

.PHONY: format
format: setup-dev ## Reformat the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

# The browser tests drive Debian's chromium (Playwright never downloads a browser).
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

# The suite runs on every core (pytest-xdist, a test file per worker at a time); the few
# tests that must run alone (they stop PostgreSQL) run after it; on SQLite there are none, and
# pytest's status 5 ("no test collected") is not a failure. TEST_WORKERS=0: one process.
# TEST_LEAVE_OUT=browser leaves out the tests of that marker (.ci/run's PostgreSQL pass: its
# SQLite pass runs them).
TEST_WORKERS ?= auto
TEST_LEAVE_OUT ?=
leave_out = $(if $(TEST_LEAVE_OUT), and not $(TEST_LEAVE_OUT))
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE, as in a
# CI image): each worker, each run and each process a test starts would otherwise compile the
# project and rewrite every test module's asserts again (collection: 16 s a process, not 5).
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest
.PHONY: test
test: setup-dev lint chromium ## Set up and run the whole test suite (respects DATABASE_URL)
	$(MANAGE) makemigrations --check --dry-run
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not serial$(leave_out)" $(PYTEST_ARGS)
	$(PYTEST) -m "serial$(leave_out)" $(PYTEST_ARGS) || [ $$? -eq 5 ]

.PHONY: messages
messages: setup-dev ## Update locale/*.po from the code and compile them
	$(MANAGE) makemessages --locale ru --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'test-artifacts/*' --no-obsolete
	$(MANAGE) compilemessages --ignore '.venv/*'

# Load benchmark of the production server (gunicorn, DEBUG off) on a throwaway
# PostgreSQL database; see bench/README.md. Needs wrk (installed here when run as
# root) and a PostgreSQL role that may create databases (BENCH_PG_ADMIN_URL).
# BENCH_ARGS passes options, e.g. BENCH_ARGS=--strict to fail on a missed target.
.PHONY: bench
bench: setup ## Load-test the pages on gunicorn + PostgreSQL; results in bench/results/
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
			|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; \
		else echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; fi; }
	$(PY) -m bench $(BENCH_ARGS)
