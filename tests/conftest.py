"""Shared fixtures."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import pytest

from flows.engine import ShoplogError, Target, scratch_postgres_database

# The longest modules (measured with --durations), started first: the two xdist workers take
# whole modules in collection order (--no-loadscope-reorder), and a long one started last
# would run alone at the end.
LONGEST_FIRST = (
    "test_core.py",
    "test_spark.py",
    "test_bench.py",
    "test_faults.py",
    "test_ml.py",
    "test_quality.py",
    "test_cli.py",
)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker
        # Its __main__ (python -c) has neither __spec__ nor __file__: pyspark.sql.connect, which
        # Great Expectations imports, takes that for a doctest run and calls sys.exit(0).
        main = sys.modules["__main__"]
        if main.__spec__ is None and not hasattr(main, "__file__"):
            main.__file__ = "<pytest-xdist worker>"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module keeps its own order


@contextlib.contextmanager
def _fresh_pg_database() -> Iterator[Target]:
    """A new, empty PostgreSQL database `shoplog_test_<hex>`, dropped afterwards.

    An unreachable server fails the test: a suite that skips its PostgreSQL half would pass
    while proving nothing about that target.
    """
    try:
        with scratch_postgres_database("shoplog_test") as target:
            yield target  # fixtures never see a test's exceptions here
    except ShoplogError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def pg_target() -> Iterator[Target]:
    """A fresh PostgreSQL database for one test."""
    with _fresh_pg_database() as target:
        yield target


@pytest.fixture(scope="module")
def pg_target_module() -> Iterator[Target]:
    """A fresh PostgreSQL database shared by one test module (for expensive builds)."""
    with _fresh_pg_database() as target:
        yield target


@pytest.fixture(autouse=True, scope="session")
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the suite out of the project's own data/ (locks, incoming files, warehouse) and
    target/ (dbt's artifacts: a manifest left there by one run must never pass for
    another's)."""
    data = tmp_path_factory.mktemp("shoplog-data")
    names = ("SHOPLOG_DATA_DIR", "SHOPLOG_DUCKDB_PATH", "SHOPLOG_DBT_TARGET_DIR")
    saved = {k: os.environ.get(k) for k in names}
    os.environ["SHOPLOG_DATA_DIR"] = str(data)
    os.environ["SHOPLOG_DUCKDB_PATH"] = str(data / "warehouse.duckdb")
    os.environ["SHOPLOG_DBT_TARGET_DIR"] = str(tmp_path_factory.mktemp("dbt-target"))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def prefect_api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real Prefect server for the session (flows/prefect_local.py); flows run in this
    process and every child process started after this report to it."""
    from flows.prefect_local import using_server

    with using_server(tmp_path_factory.mktemp("prefect")) as url:
        yield url
