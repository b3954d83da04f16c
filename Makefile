# Commonweal: `make demo` to run it, `make test` to test it. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STATIC := src/commonweal/static
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
CSS := $(STATIC)/commonweal/commonweal.css
HOST ?= 127.0.0.1
PORT ?= 8000
export COMMONWEAL_HOME := $(CURDIR)

.PHONY: help install pdflibs assets browser java demo serve test suite lint typecheck bench clean lock

help:
	@echo "make demo   install everything, build a SQLite database with the example systems, serve it"
	@echo "make test   install what the tests need and run the whole suite (lint, types, tests)"
	@echo "make bench  run the benchmarks"
	@echo "make serve  serve with gunicorn, debug off (see the README for PostgreSQL and the worker)"

$(BIN)/.installed: requirements.lock pyproject.toml
	@PY=$$(scripts/find-python) && echo "using $$PY" && $$PY -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CSS): node_modules/.installed src/commonweal/assets/scss/commonweal.scss
	@mkdir -p $(dir $@)
	npx sass --no-source-map --quiet-deps --load-path=node_modules --style=compressed \
	  src/commonweal/assets/scss/commonweal.scss $@

$(STATIC)/nhsuk/.copied: node_modules/.installed
	@mkdir -p $(STATIC)/nhsuk
	cp -r $(NHSUK)/assets $(STATIC)/nhsuk/
	cp $(NHSUK)/nhsuk-frontend.min.js $(STATIC)/nhsuk/
	cp node_modules/axe-core/axe.min.js $(STATIC)/nhsuk/../axe.min.js
	@touch $@

install: pdflibs $(BIN)/.installed
assets: $(CSS) $(STATIC)/nhsuk/.copied

# Board packs and minutes are laid out by WeasyPrint, which needs Pango and a font.
pdflibs:
	@if ! ldconfig -p | grep -q libpangoft2-1.0.so.0 || ! fc-list 2>/dev/null | grep -qi "liberation sans"; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fontconfig >/dev/null; \
	  else echo "Install Pango and a font for the PDFs: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation"; exit 1; fi; fi

# commonweal.stats on Spark (the spark extra) needs a Java runtime, 17 or later: Debian's.
java:
	@command -v java >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else echo "Install Java 17 for the Spark tests (sudo apt-get install openjdk-17-jre-headless)"; exit 1; fi; }

# Page tests drive Debian's Chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium (sudo apt-get install chromium) for the page tests"; exit 1; fi; }

# The demo turns debug pages on; everything else runs with them off.
demo: install assets
	$(BIN)/commonweal migrate --no-input -v 0
	$(BIN)/commonweal setup-demo
	@echo "Commonweal is at http://$(HOST):$(PORT)/ (sign in as demo / commonweal-demo)"
	@# The task worker runs beside the server (re-validation, imports) and stops with it.
	$(BIN)/commonweal worker > var/worker.log 2>&1 & trap "kill $$! 2>/dev/null" EXIT; \
	  COMMONWEAL_DEBUG=1 $(BIN)/commonweal runserver $(HOST):$(PORT)

# A production server (gunicorn), debug off, on the database DATABASE_URL names.
serve: install assets
	$(BIN)/commonweal migrate --no-input -v 0
	$(BIN)/commonweal serve --bind $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: install assets browser java lint typecheck suite

# The tests alone (what `make test` runs after lint and types); CI runs it on PostgreSQL too.
suite: install assets browser java
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/import_england.py
	$(BIN)/python benchmarks/route_and_validate.py
	$(BIN)/python benchmarks/stats_benchmarks.py
	$(BIN)/python benchmarks/stats_engines.py
	$(BIN)/python benchmarks/revalidate_decisions.py
	$(BIN)/python benchmarks/board_pack.py
	$(BIN)/python benchmarks/public_register.py --allow-sqlite --database-url "$(PUBLIC_REGISTER_DATABASE_URL)"
	$(BIN)/python benchmarks/finance_import.py
	$(BIN)/python benchmarks/finance_monitoring.py
	$(BIN)/python benchmarks/pools.py
	$(BIN)/python benchmarks/outcomes.py
	$(BIN)/python benchmarks/proposals.py

# Regenerate requirements.lock after changing dependencies in pyproject.toml.
lock:
	$(BIN)/pip install --quiet uv && $(BIN)/uv lock && \
	$(BIN)/uv export --frozen --no-emit-project --all-groups --all-extras --format requirements-txt -o requirements.lock && rm uv.lock

clean:
	rm -rf $(VENV) node_modules var $(STATIC)/nhsuk $(STATIC)/axe.min.js $(CSS)
