# Two commands set up everything: `make book` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BOOK_HTML := _build/html

# In CI the shared data folder sits beside the clone; use it unless told otherwise.
ifneq ($(wildcard ../shared/data/mnist),)
export D2L_DATA_DIR ?= $(abspath ../shared/data)
endif

.PHONY: book test data references bench clean

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@# jsonschema imports rfc3987-syntax when present (pulled in by jupyter-events' extra); it
	@# builds a grammar at import, costing every chapter's kernel 2 s at its first glue().
	$(PY) -m pip uninstall --quiet --yes rfc3987-syntax
	@touch $@

## data: system packages (as root) and the verified data sets
data: $(STAMP)
	@bash scripts/system-packages.sh
	@$(PY) -m d2l_helpers.provision

## book: the HTML book in _build/html, every chapter executed (cached by content)
book: data
	$(VENV)/bin/jupyter-book build . --path-output . -W -n --keep-going

## test: unit tests, browser checks of the built book, and nbval over every chapter
test: book
	$(PY) -m pytest

## references: re-execute every chapter into tests/references/ (after editing a chapter)
references: data
	$(PY) -m scripts.make_references

## bench: our pipeline against d2l's reference pipeline and the hardware floor
bench: data
	$(PY) scripts/benchmark.py

clean:
	rm -rf _build
