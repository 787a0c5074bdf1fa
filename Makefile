# pooledu: the two commands a newcomer needs are `make lab` and `make test`.
# Both set everything up on first use (a .venv with pooledu[all]); later runs
# skip the install unless pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# The install stamp is keyed on pyproject.toml's content, so a changed
# dependency list re-installs and an unchanged one skips straight to work.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)
# Kernels, jupyter and pytest must all come from the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export TF_CPP_MIN_LOG_LEVEL ?= 3
export PYDEVD_DISABLE_FILE_VALIDATION := 1

NBVAL_ARGS := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg
# Notebooks run two at a time; --dist loadfile keeps each notebook's cells
# together in one kernel.
XDIST      := -n 2 --dist loadfile
LAB_ARGS   ?=

.PHONY: help setup lab test test-lib test-book test-lab test-notebooks execute experiment book bench lint clean distclean

help:
	@echo "make lab       set up on first use, then open JupyterLab on the course"
	@echo "make test      set up on first use, then run every test"
	@echo "make execute   re-run every notebook in place (refresh stored outputs)"
	@echo "make experiment  train every model of notebook 07 again (~15 min on 2 cores)"
	@echo "make book      build the offline book site into book/_build/html"
	@echo "make bench     run the benchmarks and write benchmarks/RESULTS.md"
	@echo "make lint      ruff over the library, tests and tools"
	@echo "make clean     remove build output and caches (keeps .venv)"
	@echo "make distclean clean, and remove .venv too"

setup: $(STAMP)

$(STAMP): pyproject.toml tools/bootstrap.py tools/lab-settings/overrides.json
	@$(PYTHON) tools/bootstrap.py --venv $(VENV) --stamp $(STAMP) \
	  || { status=$$?; [ $$status -eq 127 ] && echo "error: '$(PYTHON)' was not found. Install Python 3.10 or newer (https://www.python.org/downloads/) or run: make PYTHON=/path/to/python3 ..."; exit 1; }

# JupyterLab refuses to run as root without --allow-root (CI and containers run as root).
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: setup
	cd notebooks && jupyter lab $(if $(wildcard notebooks/00_start_here.ipynb),00_start_here.ipynb) $(ROOT_FLAG) $(LAB_ARGS)

test: setup
	@status=0; \
	$(MAKE) --no-print-directory test-lib || status=1; \
	$(MAKE) --no-print-directory test-notebooks || status=1; \
	$(MAKE) --no-print-directory test-book || status=1; \
	$(MAKE) --no-print-directory test-lab || status=1; \
	exit $$status

# Library (and its docstring examples), widgets, exercises, set-up. The book and
# browser tests run on their own: they share one book build.
test-lib: setup
	$(PY) -m pytest tests pooledu --doctest-modules $(XDIST) \
	  --ignore=tests/test_book.py --ignore=tests/test_browser.py --ignore=tests/test_lab.py \
	  --ignore=tests/test_explorers_browser.py --ignore=tests/test_explorers_lab.py

# The explorer browser tests run in a pytest process of their own: Playwright's sync
# API cannot run twice in one process (test_browser.py holds it for its session).
test-book: setup
	@status=0; \
	$(PY) -m pytest tests/test_book.py tests/test_browser.py || status=1; \
	$(PY) -m pytest tests/test_explorers_browser.py tests/test_explorers_lab.py || status=1; \
	exit $$status

# Every notebook opened in JupyterLab in chromium: MyST rendered, solutions folded,
# not modified on open, no news pop-up, no missing glyphs (screenshots in
# tests/artifacts/lab/). One JupyterLab server; nothing is executed.
test-lab: setup
	$(PY) -m pytest tests/test_lab.py

# Every notebook re-run and compared with its stored outputs (strict).
# pytest exits 5 when it collects nothing: no notebooks yet is not a failure.
test-notebooks: setup
	@ls notebooks/*.ipynb >/dev/null 2>&1 || { echo "no notebooks yet: nothing to compare"; exit 0; }; \
	$(PY) -m pytest $(NBVAL_ARGS) $(XDIST) -p no:cacheprovider notebooks/; \
	status=$$?; [ $$status -eq 5 ] && exit 0; exit $$status

execute: setup
	$(PY) tools/execute_notebooks.py

# Notebook 07's experiment in full: papermill runs 07 with FULL_RUN=True, which trains
# every variant with every seed (a line per finished run) and rewrites
# notebooks/data/07_results.json; then 07, 08 and 09 are re-executed so that their stored
# outputs show the new results. Deterministic: an unchanged setup rewrites the same numbers.
experiment: setup
	@mkdir -p build
	cd notebooks && $(CURDIR)/$(PY) -m papermill 07_experiment.ipynb ../build/07_full_run.ipynb \
	  -p FULL_RUN True --log-output --progress-bar --execution-timeout 7200
	$(PY) tools/execute_notebooks.py notebooks/07_experiment.ipynb \
	  notebooks/08_alternatives.ipynb notebooks/09_summary_and_quiz.ipynb

book: setup
	$(PY) tools/build_book.py

bench: setup
	$(PY) benchmarks/run.py

lint: setup
	$(PY) -m ruff check pooledu tests tools benchmarks

clean:
	rm -rf book/_build book/_offline .pytest_cache .hypothesis tests/artifacts build
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) *.egg-info
