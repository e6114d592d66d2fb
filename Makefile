# Two commands for a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: install install-browser run test test-spark lint lint-sql lint-warehouse format format-sql bench clean

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
test: $(INSTALLED) install-browser
	$(BIN)/pytest

## the docs site's browser test drives Debian's headless Chromium; installed when missing
## (apt-get, as root or via sudo). If it cannot be, that test is skipped and says why.
install-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; } \
	  || echo "install-browser: could not install chromium; the browser test will be skipped"

## make test-spark: only the Spark target's tests (DuckDB, PostgreSQL and Spark built and compared)
test-spark: $(INSTALLED)
	$(BIN)/pytest -m spark

## make lint: ruff (Python), then sqlfluff (the dbt models and singular tests)
lint: $(INSTALLED)
	$(BIN)/ruff check flows tests
	$(BIN)/ruff format --check flows tests
	$(MAKE) --no-print-directory lint-sql

# sqlfluff's dbt templater compiles the models; union_relations and unpivot read their input
# relations' columns when compiled, so an empty warehouse of the project is built for it
# first, in data/lint/ (never the real warehouse). SQL=... lints only those files.
LINT_DIR := data/lint
SQL ?= models tests/dbt
lint-sql: lint-warehouse
	SHOPLOG_DUCKDB_PATH=$(LINT_DIR)/lint.duckdb $(BIN)/sqlfluff lint $(SQL)

lint-warehouse: $(INSTALLED)
	SHOPLOG_DATA_DIR=$(LINT_DIR) SHOPLOG_DUCKDB_PATH=$(LINT_DIR)/lint.duckdb \
	  SHOPLOG_DBT_TARGET_DIR=$(LINT_DIR)/target $(BIN)/shoplog --env prod build >/dev/null

format: $(INSTALLED)
	$(BIN)/ruff format flows tests
	$(BIN)/ruff check --fix flows tests

## make format-sql: sqlfluff fix of the models (review the diff; needs the lint warehouse)
format-sql: lint-warehouse
	SHOPLOG_DUCKDB_PATH=$(LINT_DIR)/lint.duckdb $(BIN)/sqlfluff fix -f $(SQL)

## make bench: the whole benchmark suite (10 M events on DuckDB, 1 M on PostgreSQL; ~30 min)
bench: $(INSTALLED)
	$(BIN)/shoplog bench

clean:
	rm -rf target data/warehouse.duckdb data/dev.duckdb data/locks data/lint logs
