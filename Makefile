# The two commands: `make demo` and `make test`. Everything else is what they call.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/ketacare)
STAMP := $(VENV)/.installed

.PHONY: demo test install chromium test-sqlite test-postgres test-browser lint bench openapi screenshots

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: install
	mkdir -p var
	$(BIN)/ketacare migrate --noinput
	$(BIN)/ketacare createcachetable
	$(BIN)/ketacare seed_demo
	@echo "Starting the background worker, the audit sealer and the server on http://127.0.0.1:$(PORT)"
	@trap 'kill 0' EXIT; \
	  $(BIN)/ketacare db_worker & \
	  $(BIN)/ketacare send_reminders --every 15 & \
	  $(BIN)/ketacare seal_audit --every 5 & \
	  $(BIN)/python -m ketacare.serve --port $(PORT) --access-log

# Chromium for the browser tests, from Debian, when missing and when we may install packages.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "chromium is missing and cannot be installed here: browser tests will be skipped"; fi; \
	fi

# axe-core (from the npm registry) for the accessibility check of the public pages.
AXE := var/node/node_modules/axe-core/axe.min.js
$(AXE):
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix var/node axe-core >/dev/null || echo "could not install axe-core: the accessibility check will be skipped"; \
	else echo "npm is missing: the accessibility check will be skipped"; fi

test: install chromium $(AXE)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-browser

# mypy --strict covers the clinical core and every service and selector (DESIGN.md).
TYPED := src/ketacare/clinical src/ketacare/scheduling_core src/ketacare/treatment_sessions/services src/ketacare/treatment_sessions/monitoring.py \
	src/ketacare/treatment_sessions/device_readings.py src/ketacare/treatment_sessions/device_wsgi.py \
	$(wildcard src/ketacare/*/services.py src/ketacare/*/selectors.py) \
	src/ketacare/tenancy/access.py src/ketacare/tenancy/permissions.py src/ketacare/audit/chain.py

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy $(TYPED)
	$(BIN)/ketacare makemigrations --check --dry-run
	$(BIN)/python -m ketacare.openapi --check

test-sqlite: install
	DATABASE_URL=sqlite:///var/test.sqlite3 $(BIN)/pytest -q -n 2 -m "not browser"

test-postgres: install
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "PostgreSQL answers: running the suite on it"; \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n 2 -m "not browser"; \
	else echo "No PostgreSQL answers at $(PG_URL): skipping the PostgreSQL run"; fi

test-browser: install
	DATABASE_URL=sqlite:///var/test-browser.sqlite3 DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -m browser -p no:xdist

# Refresh the committed screenshots in docs/screenshots (normal runs write them under var/).
screenshots: install chromium
	KETACARE_SCREENSHOTS=docs DATABASE_URL=sqlite:///var/test-browser.sqlite3 DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -m browser -p no:xdist

openapi: install
	$(BIN)/python -m ketacare.openapi --write

# wrk (Debian) drives the single-reading endpoint in bench/monitoring.py when it is installed.
bench: install
	@if ! command -v wrk >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null \
	  || echo "could not install wrk: the monitoring bench uses its Python client only"; \
	fi
	$(BIN)/python bench/run.py
