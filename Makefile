# The two commands a newcomer needs: `make serve` and `make test`.
# Both create .venv on first use and install the pinned dependencies from requirements.lock,
# and node_modules with the query editor's browser files from package-lock.json.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install serve build test lock clean bench

install: $(VENV)/.installed node_modules/.package-lock.json

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# npm writes node_modules/.package-lock.json on every install: it is the stamp.
node_modules/.package-lock.json: package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: the query editor needs Node.js and npm (e.g. apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

build: install
	$(BIN)/nolsi build

serve: build
	$(BIN)/nolsi serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest

# Issue 7's benchmark (docs/benchmarks.md): nolsi against Oxigraph server and rdflib-endpoint. The bench-only
# tools go into their own venv from bench/requirements.lock. BENCH_ARGS="--quick" for a smoke run of about
# two minutes; BENCH_ARGS="--sizes real,100k" to leave out the 1M-triple graph.
BENCH_VENV ?= bench/.venv
BENCH_ARGS ?=

# Then the distinct-query mix (bench/distinct.py): every request a query text never sent before, nolsi
# against Oxigraph server on the same data; DISTINCT_ARGS="--sizes real,100k" to leave out 1M.
DISTINCT_ARGS ?=

bench: install $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.distinct $(DISTINCT_ARGS)

$(BENCH_VENV)/.installed: bench/requirements.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.lock
	touch $@

# Re-pin after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra client --python-version 3.11 -o requirements.lock

clean:
	rm -rf var .pytest_cache
