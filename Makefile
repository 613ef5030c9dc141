# The two commands a newcomer needs (both set everything up on a fresh machine):
#   make demo   install into .venv, then run the whole pipeline on the bundled Mandarin sample
#   make test   install into .venv (with test extras), then run the test suite (pytest)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test test-fast bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,ray]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/audio2digest run samples/ai-weekly-12.mp3 -o out -f html -f md -f json -f srt -f vtt -f chapters_json -f chapters_txt
	@echo "Open out/ai-周末快讯-第十二期/digest.html in a browser, or read digest.md."

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/audio2digest bench samples/ai-weekly-12.mp3

clean:
	rm -rf out .pytest_cache
