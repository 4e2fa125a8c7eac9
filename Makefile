# Lägesbild: the two commands are `make demo` and `make test`. Everything else is a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
ROOT := $(CURDIR)
# uv: the one on PATH, else a private copy bootstrapped into .tools/ (only Python 3.11 and make are needed).
UV := $(shell command -v uv 2>/dev/null || echo $(ROOT)/.tools/bin/uv)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin

export LAGESBILD_DATA_DIR ?= $(ROOT)/data
export DAGSTER_HOME ?= $(ROOT)/.dagster_home
export PATH := $(BIN):$(PATH)
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export TZ := Europe/Stockholm
# The demo's guard depot (by the travel centre in central Uppsala). Set your municipality's own, or unset both for
# the centre of the candidate places (docs/guards.md).
export LAGESBILD_GUARD_DEPOT_LAT ?= 59.8594
export LAGESBILD_GUARD_DEPOT_LON ?= 17.6455

API_PORT ?= 8000
DAGSTER_PORT ?= 3000
DEMO_WEEKS ?= 104

.PHONY: help install manifest demo-data refresh serve demo test bench clean FORCE

help:
	@echo "make demo     install, build the demo data, materialise every asset through Dagster, serve API + UI"
	@echo "make refresh  the same without serving (exit code 0 on success; for scripts and cron)"
	@echo "make test     the whole test suite"
	@echo "make bench    the benchmarks (bench/), figures into docs/benchmarks.md"

$(UV):
	$(PYTHON) -m venv $(ROOT)/.tools
	$(ROOT)/.tools/bin/pip install --quiet "uv==0.13.9"

# The virtualenv is rebuilt whenever the lock file changes.
$(BIN)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(BIN)/.installed $(DAGSTER_HOME)/dagster.yaml

# SQLite storage in DAGSTER_HOME by default; PostgreSQL when DAGSTER_PG_HOST is set (see orchestration/dagster.postgres.yaml).
INSTANCE_TEMPLATE := $(if $(DAGSTER_PG_HOST),orchestration/dagster.postgres.yaml,orchestration/dagster.yaml)

$(DAGSTER_HOME)/dagster.yaml: $(INSTANCE_TEMPLATE) FORCE
	@mkdir -p $(DAGSTER_HOME)
	@cmp -s $(INSTANCE_TEMPLATE) $@ || cp $(INSTANCE_TEMPLATE) $@

FORCE:

# dbt's manifest, which the Dagster definitions load (outside `dagster dev` nobody else builds it).
manifest: install
	cd dbt_project && DBT_DUCKDB_PATH=$(LAGESBILD_DATA_DIR)/warehouse.duckdb $(BIN)/dbt parse --quiet --profiles-dir .

demo-data: install
	@if [ -f "$(LAGESBILD_DATA_DIR)/demo_manifest.json" ]; then \
	  echo "demo data already in $(LAGESBILD_DATA_DIR)/landing (make clean to regenerate)"; \
	else \
	  $(BIN)/python -m ingest.demo --weeks $(DEMO_WEEKS); \
	fi

# Materialise every asset through Dagster (recorded in $DAGSTER_HOME, visible in the UI).
refresh: manifest demo-data
	$(BIN)/python -m orchestration.refresh

serve: install
	@echo ""
	@echo "  API and dashboards:  http://127.0.0.1:$(API_PORT)/dashboards/weekly?key=demo-analyst-key"
	@echo "  Demo API keys (X-API-Key header; roles in docs/api.md, never use them in production):"
	@echo "    public     demo-public-key"
	@echo "    analyst    demo-analyst-key"
	@echo "    scheduler  demo-scheduler-key"
	@echo "    auditor    demo-auditor-key"
	@echo "  API docs (OpenAPI):  http://127.0.0.1:$(API_PORT)/docs"
	@echo "  Dagster UI:          http://127.0.0.1:$(DAGSTER_PORT)"
	@echo "  (Ctrl-C stops both)"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(DAGSTER_PORT) & \
	  $(BIN)/uvicorn api.app:app --host 127.0.0.1 --port $(API_PORT) & \
	  wait

demo: refresh serve

test: manifest
	$(BIN)/pytest -n 2 --dist loadgroup; status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

# Benchmarks (not part of the tests): prints the figures and writes them into docs/benchmarks.md. BENCH=--quick for
# a smoke run; BENCH="--only pipeline_scaling" for one of them.
bench: manifest
	$(BIN)/python bench/run.py $(BENCH)

clean:
	rm -rf $(LAGESBILD_DATA_DIR) $(DAGSTER_HOME) dbt_project/target dbt_project/logs
