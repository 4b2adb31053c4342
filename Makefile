# jobmatch kit — `make help` lists the targets.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help setup test report report-quick lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found — install Python 3.11 or run make PYTHON=python3"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name jobmatch --display-name "Python (jobmatch)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)  ## create .venv/ with the kit, its tested dependencies and a Jupyter kernel "jobmatch"

test: setup  ## run the whole test suite (unit + papermill notebook tests)
	$(PY) -m pytest $(PYTEST_ARGS)

report: setup  ## run every notebook into reports/ (sample data, or JOBMATCH_TALENTCLEF when set)
	$(VENV)/bin/jobmatch report --out reports

report-quick: setup  ## the report with a tiny random model on the sample (seconds; numbers mean nothing)
	$(VENV)/bin/jobmatch report --out reports --quick

lint: setup  ## ruff lint of the package and tests
	$(VENV)/bin/ruff check jobmatch_utils tests benchmarks

clean:  ## remove reports/ and caches (keeps .venv/)
	rm -rf reports .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
