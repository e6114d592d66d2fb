"""dbt in a subprocess: results are read back node by node, and a timeout really kills it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from flows.dbt_runner.retry import build_args
from flows.dbt_runner.views import views_over
from flows.engine import ShoplogError, Target, project_root
from flows.pipeline import build


def test_a_build_that_fails_names_the_failing_model_and_its_error(tmp_path: Path) -> None:
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    build(target)  # an empty log builds empty tables
    with duckdb.connect(str(target.duckdb_path)) as conn:
        conn.sql("alter table raw.web_events rename column record to payload")
    with pytest.raises(ShoplogError) as caught:
        build(target)
    message = str(caught.value)
    assert "\n" not in message
    # the unit test on the model trips first; its own first error line names the column
    assert message.startswith("dbt build failed: base_web__events")
    assert "record" in message and "Error in" not in message


def test_run_results_become_typed_node_results(tmp_path: Path) -> None:
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    result = run_dbt(["seed"], target, target_path=tmp_path / "target")
    assert result.ok, result.output_tail
    seeds = {node.name: node for node in result.nodes if node.resource_type == "seed"}
    assert set(seeds) == {path.stem for path in (project_root() / "seeds").glob("*.csv")}
    assert all(node.status == "success" and node.seconds > 0 for node in seeds.values())
    assert not result.failures


@pytest.mark.parametrize("level", [None, "debug"])
def test_dbts_file_log_keeps_info_unless_debug_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, level: str | None
) -> None:
    if level is None:
        monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)  # the caller's own setting
    else:
        monkeypatch.setenv("DBT_LOG_LEVEL_FILE", level)
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    result = run_dbt(["seed"], target, target_path=tmp_path / "target")
    assert result.ok, result.output_tail
    log = (tmp_path / "target" / "logs" / "dbt.log").read_text()
    assert "[info ]" in log and "OK loaded seed file" in log
    assert ("[debug]" in log) == (level == "debug")


def test_a_timeout_kills_dbt_and_says_so(tmp_path: Path) -> None:
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    result = run_dbt(["seed"], target, target_path=tmp_path / "target", timeout_s=0.5)
    assert result.timed_out and not result.ok
    assert "timed out" in result.failure_summary()


@pytest.mark.parametrize("unit_tests", [False, True])
def test_builds_leave_code_tests_to_quality_unless_asked(tmp_path: Path, unit_tests: bool) -> None:
    """A build selects every data test but no unit test and no macro test (tests/dbt/macros)
    unless unit_tests is set; `dbt ls` with the build's own selection shows what it runs."""
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    selection = build_args(None, full_refresh=False, unit_tests=unit_tests)[1:]
    lines: list[str] = []
    result = run_dbt(
        ["ls", *selection, "--output", "json", "--output-keys", "resource_type tags name"],
        target,
        target_path=tmp_path / "target",
        on_line=lines.append,
    )
    assert result.ok, result.output_tail
    nodes = [json.loads(line) for line in lines if line.startswith("{") and line != "{}"]
    kinds = {node["resource_type"] for node in nodes}
    macro_tests = {node["name"] for node in nodes if "macro_test" in node.get("tags", [])}
    assert {"model", "test"} <= kinds
    if unit_tests:
        assert "unit_test" in kinds
        assert "assert_unpivot_keeps_every_value" in macro_tests
    else:
        assert "unit_test" not in kinds and not macro_tests


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("own", "expected"),
    [(None, ("1.1", "off")), ("-c random_page_cost=2 -c jit=on", ("2", "on"))],
)
def test_dbt_plans_postgres_for_index_reads_without_jit_unless_the_user_says_otherwise(
    pg_target: Target,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    own: str | None,
    expected: tuple[str, str],
) -> None:
    """dbt's sessions look rows up through indexes (random_page_cost 1.1) and compile no query
    to machine code (jit off; engine.py); a PGOPTIONS of the user's own still wins."""
    if own is None:
        monkeypatch.delenv("PGOPTIONS", raising=False)
    else:
        monkeypatch.setenv("PGOPTIONS", own)
    inline = "select current_setting('random_page_cost') as cost, current_setting('jit') as jit"
    result = run_dbt(
        ["show", "--inline", inline, "--output", "json"], pg_target, target_path=tmp_path / "t"
    )
    assert result.ok, result.output_tail
    cost, jit = expected
    assert f'"cost": "{cost}"' in result.output_tail, result.output_tail
    assert f'"jit": "{jit}"' in result.output_tail, result.output_tail


def _node(kind: str, materialized: str, *parents: str) -> dict:
    return {
        "resource_type": kind,
        "name": "",
        "config": {"materialized": materialized},
        "depends_on": {"nodes": list(parents)},
    }


def test_views_over_follows_views_over_views_from_the_models_a_build_replaces() -> None:
    nodes = {
        "model.p.events": _node("model", "incremental"),
        "model.p.orders": _node("model", "table"),
        "seed.p.rates": _node("seed", "seed"),
        "model.p.tail": _node("model", "view", "model.p.events"),
        "model.p.live": _node("model", "view", "model.p.tail", "model.p.orders"),
        "model.p.summary": _node("model", "table", "model.p.live"),  # a table stays
        "model.p.priced": _node("model", "view", "seed.p.rates"),
    }
    for uid, node in nodes.items():
        node["name"] = uid.rsplit(".", 1)[1]
    manifest = {"nodes": nodes}
    # an incremental run merges into its table: nothing over it is dropped
    assert views_over(manifest, ["model.p.events"], full_refresh=False) == []
    # a full refresh replaces it: the view over it, and the view over that view
    assert views_over(manifest, ["model.p.events"], full_refresh=True) == ["live", "tail"]
    # a table is replaced on every build; a view already selected is not added again
    assert views_over(manifest, ["model.p.orders", "model.p.live"], full_refresh=False) == []
    assert views_over(manifest, ["model.p.orders"], full_refresh=False) == ["live"]
    # a seed is replaced only on a full refresh
    assert views_over(manifest, ["seed.p.rates"], full_refresh=False) == []
    assert views_over(manifest, ["seed.p.rates"], full_refresh=True) == ["priced"]
