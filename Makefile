# The two commands a newcomer needs: `make serve` and `make test`.
# Both create .venv on first use and install the pinned dependencies from requirements.lock.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: install serve build test lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
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
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 -o requirements.lock

clean:
	rm -rf var .pytest_cache
