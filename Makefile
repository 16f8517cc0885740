# The two commands of the README: `make run` (set up, build the index if needed, serve the chat)
# and `make test` (set up with test dependencies, run the whole suite). Both work on a fresh clone.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export HF_HUB_OFFLINE := 1

.PHONY: run test build venv venv-test chromium redis-server haproxy lint bench clean

$(BIN)/ccqa: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(BIN)/ccqa

$(VENV)/.test-deps: $(BIN)/ccqa
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/ccqa

venv-test: $(VENV)/.test-deps

build: venv
	$(BIN)/ccqa build

run: build
	@echo "ccqa: serving the chat at http://$(HOST):$(PORT)/"
	$(BIN)/ccqa serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# Browser tests drive Debian's chromium; install it when it is missing (CI runs as root).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The rate limit's shared-store tests start Debian's redis-server; install it when it is missing.
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }

# The replica test (tests/test_replicas.py) puts Debian's haproxy in front of three servers.
haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }

test: venv-test chromium redis-server haproxy
	$(BIN)/python -m pytest -q

lint: venv-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) index/CURRENT index/versions
