# The two commands the README promises: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test install services chromium lint frontend clean bench audit cin-validator

$(VENV)/.installed: pyproject.toml constraints.txt bin/ensure-venv
	bin/ensure-venv
	touch $@

install: $(VENV)/.installed

## make cin-validator: the DfE's CIN census validator (csc-validator-be-cin, pinned in cin-validator.txt) in its own
## Python 3.11 virtual environment, .venv-cin, made once and kept; the census tests call it as a subprocess.
PYTHON311 ?= python3.11
CIN_VENV := .venv-cin

$(CIN_VENV)/.installed: cin-validator.txt
	$(PYTHON311) -m venv $(CIN_VENV)
	$(CIN_VENV)/bin/pip install --quiet --require-virtualenv -r cin-validator.txt
	touch $@

cin-validator: $(CIN_VENV)/.installed

## make run: the web server, a Celery worker and Celery beat on http://127.0.0.1:8000 (Ctrl-C stops all).
## With no DATABASE_URL / REDIS_URL it runs on a SQLite file and an embedded Celery transport.
## PORT=8001 make run serves on another port. honcho gives the web process its PORT from -p (its own default
## is 5000, whatever the Procfile says), so the port is passed here; the check says so at once if it is taken.
run: install
	@$(PY) bin/check-port "$${PORT:-8000}"
	@mkdir -p var
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo
	DEBUG=$${DEBUG:-1} $(VENV)/bin/honcho -f Procfile start -p "$${PORT:-8000}"

services:
	bin/ensure-services

chromium:
	bin/ensure-chromium

## make audit: pip-audit over the pinned set (constraints.txt); says plainly when no advisory service is reachable
audit: install
	VENV=$(VENV) bin/supply-chain-audit

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

## make test: the whole suite on real PostgreSQL and Redis, with browser tests in Debian's Chromium.
test: install services chromium lint cin-validator
	$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

## make bench: the benchmarks (bench/README.md); BENCH_FULL=1 for the full sizes, BENCH_STRICT=1 to fail on a
## missed target (otherwise misses are printed as MISSED: and recorded).
bench: install services
	$(PY) -m bench.pages
	$(PY) -m bench.http
	$(PY) -m bench.sweep
	$(PY) -m bench.annex_a
	$(PY) -m bench.returns

frontend:
	npm ci && npm run build

clean:
	rm -rf var $(VENV) $(CIN_VENV)
