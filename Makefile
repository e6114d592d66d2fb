# Two commands for a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install run test test-spark lint format bench clean

# with the spark extra: the suite (and so CI) builds the project on Spark too
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,spark]"
	touch $(INSTALLED)

install: $(INSTALLED)

## make run: demo data if data/incoming is empty, load it, build, print a summary
run: $(INSTALLED)
	$(BIN)/shoplog run

## make test: the whole pytest suite (PostgreSQL must be reachable; Spark needs Java 17+)
test: $(INSTALLED)
	$(BIN)/pytest

## make test-spark: only the Spark target's tests (DuckDB, PostgreSQL and Spark built and compared)
test-spark: $(INSTALLED)
	$(BIN)/pytest -m spark

lint: $(INSTALLED)
	$(BIN)/ruff check flows tests
	$(BIN)/ruff format --check flows tests

format: $(INSTALLED)
	$(BIN)/ruff format flows tests
	$(BIN)/ruff check --fix flows tests

## make bench: the whole benchmark suite (10 M events on DuckDB, 1 M on PostgreSQL; ~30 min)
bench: $(INSTALLED)
	$(BIN)/shoplog bench

clean:
	rm -rf target data/warehouse.duckdb data/locks logs
