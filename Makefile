# duban — developer entry points.
#
#   make run    install everything, migrate, load demo data once, then serve on 127.0.0.1:$(PORT)
#               with gunicorn (the production server) beside the job worker (docs/deploy.md)
#   make test   install what tests need, lint, type-check, run the suite on SQLite and PostgreSQL
#
# Everything is idempotent: re-running only redoes what changed.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PORT ?= 8000
# gunicorn, chosen by measurement (bench/server_compare.py, docs/deploy.md): sync workers,
# each holding at most one database connection.
WEB_WORKERS ?= 4
GUNICORN = $(UV) run --frozen --no-sync gunicorn duban.wsgi:application \
    --workers $(WEB_WORKERS) --worker-class sync --timeout 60 \
    --max-requests 2000 --max-requests-jitter 200 --access-logfile - --log-level info
PYTEST_WORKERS ?= 2
# uv from PATH, or a private copy bootstrapped into .tools/ (scripts/ensure-uv.sh).
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
DUBAN := $(UV) run --frozen --no-sync duban
VENDOR := src/duban/static/vendor
# Tests and checks never write to var/: they get a throw-away directory instead.
TEST_VAR_DIR := $(or $(TMPDIR),/tmp)/duban-test-var

.PHONY: help run test serve worker deps assets system-deps lint typecheck checks \
        test-sqlite test-postgres postgres messages clean

help:
	@echo "make run    install, migrate, load demo data (once) and serve on http://127.0.0.1:$(PORT)"
	@echo "            (gunicorn + the job worker; 'make serve' skips the set-up steps)"
	@echo "make test   lint, type-check, Django checks, pytest on SQLite then on PostgreSQL"

# -- user-facing ---------------------------------------------------------------------------

run: deps assets
	mkdir -p var
	$(DUBAN) migrate --noinput
	@if $(DUBAN) help demo >/dev/null 2>&1; then \
	    $(DUBAN) demo --if-empty && $(DUBAN) demo --print-logins; \
	    if [ ! -f var/models/dispatch.model ]; then \
	        echo "training the dispatch model on the demo's closed tickets …"; \
	        $(DUBAN) dispatch train --from-tickets --limit 5000; fi; \
	else echo "note: the demo command is not available yet; starting without demo data"; fi
	$(DUBAN) collectstatic --noinput -v 0
	$(DUBAN) jobs schedule
	@echo "duban is serving on http://127.0.0.1:$(PORT)/  (gunicorn, $(WEB_WORKERS) workers;"
	@echo "  the job worker runs beside it: deadline ticks, SMS, rollups, nightly retraining"
	@echo "  and backups — see 'duban jobs list' and /admin/django_q/; Ctrl-C stops all)"
	$(MAKE) serve

# The server and both job queues (default: ticks, SMS; long: rollups, training, backups),
# without the set-up steps of `run`. Ctrl-C (or the server exiting) stops the workers too.
serve:
	mkdir -p var
	$(DUBAN) qcluster & q1=$$!; \
	Q_CLUSTER_NAME=long $(DUBAN) qcluster & q2=$$!; \
	trap 'kill $$q1 $$q2 2>/dev/null; wait $$q1 $$q2 2>/dev/null' EXIT; \
	$(GUNICORN) --bind 127.0.0.1:$(PORT)

# The job worker alone (both queues), e.g. beside `duban runserver` while developing.
worker:
	$(DUBAN) qcluster & q1=$$!; \
	trap 'kill $$q1 2>/dev/null; wait $$q1 2>/dev/null' EXIT; \
	Q_CLUSTER_NAME=long $(DUBAN) qcluster

# The checks run with -k: a lint error does not hide test results; any failure fails `make test`.
test: deps assets system-deps
	$(MAKE) -k lint typecheck checks test-sqlite test-postgres
	@echo "make test: all checks and both database passes succeeded"

# -- installation --------------------------------------------------------------------------

$(CURDIR)/.tools/bin/uv:
	scripts/ensure-uv.sh

deps: $(UV)
	$(UV) sync --frozen

# node_modules is refreshed when the lock file changes; vendor copies follow node_modules.
node_modules/.package-lock.json: package.json package-lock.json
	scripts/ensure-npm.sh
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(VENDOR)/htmx.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $@

$(VENDOR)/echarts.min.js: node_modules/.package-lock.json
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js $@

assets: $(VENDOR)/htmx.min.js $(VENDOR)/echarts.min.js

# Chromium and CJK fonts for browser tests (installed via apt-get when root, else a hint).
system-deps:
	scripts/ensure-apt.sh chromium fonts-noto-cjk
	scripts/ensure-redis.sh

# -- checks --------------------------------------------------------------------------------

lint:
	$(UV) run --frozen --no-sync ruff check
	$(UV) run --frozen --no-sync ruff format --check

typecheck:
	$(UV) run --frozen --no-sync mypy

checks:
	mkdir -p $(TEST_VAR_DIR)
	DATABASE_URL= DUBAN_VAR_DIR=$(TEST_VAR_DIR) $(DUBAN) check --fail-level WARNING
	DATABASE_URL= DUBAN_VAR_DIR=$(TEST_VAR_DIR) $(DUBAN) makemigrations --check --dry-run

test-sqlite:
	DATABASE_URL= DUBAN_TEST_DB=sqlite DUBAN_VAR_DIR=$(TEST_VAR_DIR) \
	    UV="$(UV)" scripts/pytest-pass.sh -n $(PYTEST_WORKERS)

test-postgres:
	url="$$(scripts/ensure-postgres.sh)"; \
	DATABASE_URL="$$url" DUBAN_TEST_DB=postgres DUBAN_VAR_DIR=$(TEST_VAR_DIR) \
	    UV="$(UV)" scripts/pytest-pass.sh -n $(PYTEST_WORKERS)

# The zh_Hans catalogue: extract every marked string, then compile. Both files are committed
# (src/duban/locale/zh_Hans/LC_MESSAGES/django.po and .mo), so `make run` and `make test`
# need no gettext tools; run this after adding or changing UI strings.
messages:
	scripts/ensure-apt.sh gettext
	cd src/duban && DATABASE_URL= $(DUBAN) makemessages -l zh_Hans --no-location --no-obsolete \
	    --ignore "static/*" --ignore "*/tests/*" --ignore "testing/*"
	cd src/duban && DATABASE_URL= $(DUBAN) compilemessages -l zh_Hans

# Prints a DATABASE_URL for a running PostgreSQL (starting/installing it if needed).
postgres:
	@scripts/ensure-postgres.sh

clean:
	rm -rf node_modules $(VENDOR) static_build .mypy_cache .ruff_cache $(TEST_VAR_DIR)
