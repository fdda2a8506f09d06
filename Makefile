# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded development set-up; every variable can be overridden from the environment.
export DEBUG ?= 1
# The tests run production-like (DEBUG off, as tests/env_plugin.py sets it), whatever the
# development default above: DEBUG also switches on development-only behaviour such as the
# H5P content split between 127.0.0.1 and localhost.
test test-postgres screenshots: export DEBUG = 0

.PHONY: run test test-postgres lint format install install-test messages clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Test-only tools: Debian's Chromium for Playwright (never a downloaded browser) and axe-core.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install-test: install node_modules/.installed
	@if ! [ -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium from Debian's packages for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium' (browser tests need it)" >&2; exit 1; \
	  fi; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The database-dependent tests again against PostgreSQL (what .ci/run does second). Tests that
# cannot reach a database (marked nodb at collection, tests/conftest.py: parsers, property tests,
# settings) and the browser tests already ran on SQLite and are left out here.
test-postgres: install-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/toshima_ict} \
	  $(BIN)/python -m pytest -m "not browser and not nodb" $(PYTEST_ARGS)

# Full-page PNGs of the resident pages and the trainer's check-in at 320 px with 特大 text, into
# screenshots/ (kept out of git): pytest's live server and Chromium, nothing to start by hand.
# Japanese text needs a Japanese font in Chromium, which a bare server lacks (Debian's Noto CJK).
screenshots: install-test
	@if ! fc-list :lang=ja 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's Noto CJK fonts so the screenshots show Japanese text"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else \
	    echo "No Japanese font: run 'sudo apt-get install fonts-noto-cjk' for readable screenshots" >&2; \
	  fi; \
	fi
	$(BIN)/python -m pytest tests/browser/screenshots.py -q -s -p no:cacheprovider $(PYTEST_ARGS)

# The accessibility audit (tests/gates/test_accessibility.py), its results written for the
# published 試験結果 page /accessibility/results/ (docs/accessibility.md); commit the file.
.PHONY: accessibility-report
accessibility-report: export DEBUG = 0
accessibility-report: install-test
	ACCESSIBILITY_REPORT_OUT=$(CURDIR)/base/data/accessibility_results.json \
	  $(BIN)/python -m pytest tests/gates/test_accessibility.py -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # the import contracts: pyproject.toml, docs/architecture.md

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Regenerate the English catalogue after changing translatable strings, then compile it.
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=node_modules
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
