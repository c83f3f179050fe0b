# The two commands a newcomer needs: `make serve` and `make test`, on a machine with Python 3.11+ and make.
# `make serve` creates .venv with what serving needs (requirements.lock); `make test` adds the test
# packages (requirements-test.lock). The browser files of the query editor and the API docs come from
# the npm registry, checked against package-lock.json's hashes (sparql_api/npm.py): no Node.js needed.
# `make install` sets up both, for development; `make notebook` opens the quickstart notebook in JupyterLab.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install install-serve install-test serve build test lock clean bench notebook

install: install-serve install-test
install-serve: $(VENV)/.installed node_modules/.nolsi-browser-files
install-test: install-serve $(VENV)/.tested

$(VENV)/.installed: requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "nolsi needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.tested: requirements-test.lock client/pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e ./client
	touch $@

# The quickstart notebook in JupyterLab, from a venv of its own with the notebook client (client/) and
# nothing of the server; it asks the server of `make serve` (NOLSI_URL=... for another one).
# JUPYTER_ARGS="--no-browser" (or --allow-root, ...) are passed to `jupyter lab`.
NOTEBOOK_VENV ?= notebooks/.venv
NOLSI_URL ?= http://$(HOST):$(PORT)
JUPYTER_ARGS ?=

notebook: $(NOTEBOOK_VENV)/.installed
	NOLSI_URL=$(NOLSI_URL) $(NOTEBOOK_VENV)/bin/jupyter lab $(JUPYTER_ARGS) notebooks/quickstart.ipynb

$(NOTEBOOK_VENV)/.installed: notebooks/requirements.lock client/pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "nolsi needs Python 3.11 or newer")'
	test -x $(NOTEBOOK_VENV)/bin/python || $(PYTHON) -m venv $(NOTEBOOK_VENV)
	$(NOTEBOOK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NOTEBOOK_VENV)/bin/python -m pip install --quiet -r notebooks/requirements.lock
	$(NOTEBOOK_VENV)/bin/python -m pip install --quiet --no-deps -e ./client
	touch $@

# Only the files the pages serve, from the registry's tarballs checked against package-lock.json
# (`npm ci` gives the same files, and more).
node_modules/.nolsi-browser-files: package-lock.json sparql_api/npm.py $(VENV)/.installed
	$(BIN)/python -m sparql_api.npm
	touch $@

build: install-serve
	$(BIN)/nolsi build

serve: build
	$(BIN)/nolsi serve --host $(HOST) --port $(PORT)

# Lint, format and type checks first (configured in pyproject.toml): seconds, and they fail before a long run.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# Issue 7's benchmark (docs/benchmarks.md): nolsi against Oxigraph server and rdflib-endpoint. The bench-only
# tools go into their own venv from bench/requirements.lock. BENCH_ARGS="--quick" for a smoke run of about
# two minutes; BENCH_ARGS="--sizes real,100k" to leave out the 1M-triple graph.
BENCH_VENV ?= bench/.venv
BENCH_ARGS ?=

# Then the distinct-query mix (bench/distinct.py): every request a query text never sent before, nolsi
# against Oxigraph server on the same data; DISTINCT_ARGS="--sizes real,100k" to leave out 1M.
DISTINCT_ARGS ?=

bench: install-serve $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.distinct $(DISTINCT_ARGS)

$(BENCH_VENV)/.installed: bench/requirements.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.lock
	touch $@

# Re-pin after changing dependencies in pyproject.toml: the server's own, then the test packages on top
# of exactly those versions, then the notebook front end with the client. Pins already in the locks are kept unless a change needs another.
lock: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra test -c requirements.lock --python-version 3.11 -o requirements-test.lock
	$(BIN)/uv pip compile client/pyproject.toml notebooks/requirements.in --python-version 3.11 -o notebooks/requirements.lock

clean:
	rm -rf var .pytest_cache
