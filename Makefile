# The two commands a newcomer needs: `make serve` and `make test`.
# Both create .venv on first use and install the pinned dependencies from requirements.lock,
# and node_modules with the query editor's browser files from package-lock.json.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install serve build test lock clean

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

# Re-pin after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra client --python-version 3.11 -o requirements.lock

clean:
	rm -rf var .pytest_cache
