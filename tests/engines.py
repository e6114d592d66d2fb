"""What the test modules share to run on each engine: DuckDB always, PostgreSQL when the
`postgres` mark is selected, with a warehouse built once per module on each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flows.dbt_runner import run_dbt
from flows.engine import Target
from flows.load import load_files

ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


def per_engine(name: str, duckdb_fixture: str, postgres_fixture: str) -> Callable[..., Target]:
    """A fixture called `name` that a test gets once per engine: the value of duckdb_fixture,
    then of postgres_fixture (module-scoped, so each warehouse is built once per module)."""

    @pytest.fixture(name=name, params=ENGINES)
    def engine_fixture(request: pytest.FixtureRequest) -> Target:
        chosen = duckdb_fixture if request.param == "duckdb" else postgres_fixture
        return request.getfixturevalue(chosen)

    return engine_fixture


def scratch_duckdb(tmp_path_factory: pytest.TempPathFactory, name: str) -> Target:
    """A DuckDB warehouse file in a new temporary folder named after `name`."""
    return Target("duckdb", duckdb_path=tmp_path_factory.mktemp(name) / "warehouse.duckdb")


def source_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file())


def load_and_dbt_build(target: Target, files_dir: Path, target_path: Path) -> Target:
    """Load every file of files_dir, then `dbt build` the whole project: every model and
    test must pass, or the module's tests fail with dbt's summary."""
    load_files(target, source_files(files_dir))
    result = run_dbt(["build"], target, target_path=target_path)
    if not result.ok:
        pytest.fail(result.failure_summary(), pytrace=False)
    return target
