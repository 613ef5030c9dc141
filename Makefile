# The two commands a newcomer needs (both set everything up on a fresh machine, with only python3):
#   make demo   install the runtime lock into .venv, then run the whole pipeline on the bundled sample
#   make test   install the runtime + test lock into .venv, then lint (ruff + mypy) and run the test suite (pytest)
# Other targets: test-fast (no slow tests), lint (ruff + mypy), install-ray (the Ray extra, for
# `batch --executor ray` and its test), lock (regenerate requirements/*.txt with uv), bench, clean.
#
# Installs come from the hash-pinned locks in requirements/ (`pip install --no-deps --require-hashes`),
# so every machine gets the same packages; pyproject.toml keeps ranges for people who install the
# library into their own environment.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
REQ     = requirements
PIP_LOCKED = $(BIN)/python -m pip install --quiet --no-deps --require-hashes
# uv only regenerates the locks (`make lock`); installing needs nothing but pip.
UV_VERSION ?= 0.13.9
TOOLS   = .tools
UV      = $(TOOLS)/bin/uv
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes --universal --python-version 3.10

RUNTIME_STAMP = $(VENV)/.installed-runtime
TEST_STAMP    = $(VENV)/.installed-test
RAY_STAMP     = $(VENV)/.installed-ray

.PHONY: demo test test-fast lint install install-test install-ray lock lock-upgrade bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# $(1): the lock file. The project itself goes in editable, without deps (they are all in the lock)
# and without build isolation (setuptools comes from requirements/build.txt, pinned too).
define install_lock
	$(PIP_LOCKED) -r $(REQ)/build.txt -r $(1)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
endef

$(RUNTIME_STAMP): $(REQ)/lock-runtime.txt $(REQ)/build.txt pyproject.toml | $(BIN)/python
	$(call install_lock,$(REQ)/lock-runtime.txt)
	touch $@

$(TEST_STAMP): $(REQ)/lock.txt $(REQ)/build.txt pyproject.toml | $(BIN)/python
	$(call install_lock,$(REQ)/lock.txt)
	touch $@ $(RUNTIME_STAMP)

$(RAY_STAMP): $(REQ)/lock-ray.txt $(REQ)/build.txt pyproject.toml | $(BIN)/python
	$(call install_lock,$(REQ)/lock-ray.txt)
	touch $@ $(TEST_STAMP) $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
install-test: $(TEST_STAMP)
install-ray: $(RAY_STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/audio2digest run samples/ai-weekly-12.mp3 -o out -f html -f md -f json -f srt -f vtt -f chapters.json -f chapters.txt
	@echo "Open out/ai-周末快讯-第十二期/digest.html in a browser, or read digest.md."

test: $(TEST_STAMP) lint
	$(BIN)/python -m pytest

test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(TEST_STAMP)
	$(BIN)/ruff check audio2digest tests benchmarks scripts
	$(BIN)/ruff format --check audio2digest tests benchmarks scripts
	$(BIN)/mypy

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# Regenerate every lock from pyproject.toml, keeping the pins already there (uv prefers them);
# `make lock-upgrade` moves everything to the newest versions the ranges allow.
lock: $(UV)
	$(UV_COMPILE) $(UV_FLAGS) $(REQ)/build.in -o $(REQ)/build.txt
	$(UV_COMPILE) $(UV_FLAGS) pyproject.toml --extra test -o $(REQ)/lock.txt
	$(UV_COMPILE) $(UV_FLAGS) pyproject.toml -c $(REQ)/lock.txt -o $(REQ)/lock-runtime.txt
	$(UV_COMPILE) $(UV_FLAGS) pyproject.toml --extra test --extra ray -c $(REQ)/lock.txt -o $(REQ)/lock-ray.txt

lock-upgrade:
	$(MAKE) lock UV_FLAGS=--upgrade

bench: $(RUNTIME_STAMP)
	$(BIN)/audio2digest bench samples/ai-weekly-12.mp3

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
