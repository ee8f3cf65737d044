# make run   - set up .venv with the pinned dependencies (once) and run the default pipeline
# make test  - set up the same and run the test suite
# make report, make lint, make format, make bench, make dryrun-paper - see README.md
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SNAKEMAKE := $(PY) -m snakemake
STAMP := $(VENV)/.installed
CORES ?= all

.PHONY: setup run test report lint format bench dryrun-paper clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-neurogym.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-neurogym.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	$(PY) -c "from sernn import generative, metrics; metrics.compile_kernels(); generative.compile_kernels()"
	touch $(STAMP)

run: setup
	$(SNAKEMAKE) --cores $(CORES)

test: setup
	$(PY) -m pytest

report: setup
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --report results/report.html

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules
	$(SNAKEMAKE) --lint

format: setup
	$(VENV)/bin/ruff check --fix --exit-zero --quiet .
	$(VENV)/bin/ruff format .
	$(VENV)/bin/snakefmt Snakefile workflow/rules

REFERENCE ?= ../shared/reference/seed_reference.py

bench: setup
	$(PY) benchmarks/run_all.py $(if $(wildcard $(REFERENCE)),--reference $(REFERENCE))

dryrun-paper: setup
	$(SNAKEMAKE) -n --configfile config/paper.yaml --quiet rules

clean:
	rm -rf results .snakemake
