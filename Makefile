# make run   - set up .venv with the pinned dependencies (once) and run the default pipeline
# make test  - set up the same and run the test suite
# make report, make lint, make format, make bench, make config-reference, make dryrun-paper, make reproduce - see README.md
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SNAKEMAKE := $(PY) -m snakemake
STAMP := $(VENV)/.installed
CORES ?= all

.PHONY: setup run test report lint format bench config-reference dryrun-paper reproduce clean

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

bench: setup
	$(PY) benchmarks/run_all.py

# config/README.md's reference table, rendered from workflow/schemas/config.schema.yaml
config-reference: setup
	$(PY) -m sernn.config_reference

dryrun-paper: setup
	$(SNAKEMAKE) -n --configfile config/paper.yaml --quiet rules

# the population preset on two disjoint seed sets, then the claims side by side (robust = holds on both)
reproduce: setup
	$(SNAKEMAKE) --cores $(CORES) --configfile config/population.yaml --config results=results/population
	$(SNAKEMAKE) --cores $(CORES) --configfile config/replication.yaml
	$(PY) -m sernn.replication seeds_0_7=results/population/summary/claims.csv \
		seeds_8_15=results/replication/summary/claims.csv --output results/replication_claims.csv \
		--markdown results/replication_claims.md

clean:
	rm -rf results .snakemake
