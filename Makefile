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

.PHONY: book pdf notebooks test test-fast lint data references bench chapter-times clean

$(STAMP): requirements.txt course/requirements.txt pyproject.toml
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
	@# matplotlib's font cache, valid for this venv: a cache naming the fonts of a venv
	@# since deleted is rebuilt at a kernel's first figure, and a slow rebuild prints
	@# "Matplotlib is building the font cache" into a chapter's output.
	@$(PY) -c "import matplotlib; matplotlib.use('Agg'); from matplotlib import font_manager; font_manager.findfont('DejaVu Sans')"

## book: the HTML book in _build/html, every chapter executed (cached by content); the
## chapters missing from the cache are executed first, in parallel, one per core
book: data
	$(PY) -m scripts.execute_chapters
	$(VENV)/bin/jupyter-book build . --path-output . -W -n --keep-going
	$(PY) -m scripts.learner_notebooks
	$(PY) -m scripts.pdf_build --publish

## pdf: the PDF edition in _build/latex (XeLaTeX via latexmk) from the executed chapters
## of the cache; fails on LaTeX errors and unresolved references. `make book` builds it
## too and publishes it in the HTML output (_downloads/softmax-regression.pdf)
pdf: data
	$(PY) -m scripts.execute_chapters
	$(PY) -m scripts.pdf_build

## notebooks: learner notebooks in _build/notebooks (clean, with the build's outputs)
## and the course bundle in _build/html/_downloads (from the executed chapters)
notebooks: data
	$(PY) -m scripts.learner_notebooks

# Every core busy: each test file is one unit of work, each notebook run in the course
# bundle's venv another, in the order tests/conftest.py sets (--no-loadscope-reorder).
XDIST := -n auto --dist loadgroup --no-loadscope-reorder

## test: the whole suite (CI runs it): lint, unit and property tests, the chapters'
## results (on the build's and the references' executions), every learner notebook run
## in the course bundle's fresh venv by nbval against tests/references/, the browser,
## bundle and PDF checks; on every core
test: book lint
	$(PY) -m pytest $(XDIST)

## test-fast: unit and property tests only (no book, no browser), for the edit-test loop
test-fast: data
	$(PY) -m pytest $(XDIST) -m "not book and not slow"

## lint: ruff over every Python file (the package, the scripts, the extensions, the
## tests, the course files) and every chapter's code; the references are the chapters'
## code executed (linted as chapters), so they are left out
LINTED := d2l_helpers scripts _ext tests course
RUFF_SKIP := --extend-exclude tests/references
lint: $(STAMP)
	$(VENV)/bin/ruff check $(RUFF_SKIP) $(LINTED)
	$(VENV)/bin/ruff format --check $(RUFF_SKIP) $(LINTED)
	$(PY) -m scripts.lint_chapters

## references: re-execute every chapter into tests/references/ (after editing a chapter),
## in another numeric environment than the build's (OMP_NUM_THREADS=1,
## MXNET_MKLDNN_ENABLED=0: scripts/references.py), so that make test compares the two
references: data
	$(PY) -m scripts.make_references

## chapter-times: each chapter run top to bottom in the course bundle's fresh venv, one
## after another, against the time budget (40 s a chapter, 240 s the course); after
## `make book`, on a quiet machine
chapter-times: data
	$(PY) -m scripts.chapter_times

## bench: our pipeline against d2l's reference pipeline and the hardware floor
bench: data
	$(PY) -m scripts.benchmark

clean:
	rm -rf _build
