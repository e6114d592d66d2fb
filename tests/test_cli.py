"""The `shoplog` command as a user runs it: a real subprocess, real files, real warehouse."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

SHOPLOG = str(Path(sys.executable).with_name("shoplog"))


def shoplog(*args: str, data_dir: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SHOPLOG_DATA_DIR": str(data_dir),
        "SHOPLOG_DUCKDB_PATH": str(data_dir / "warehouse.duckdb"),
        "SHOPLOG_TARGET": "duckdb",
        "PREFECT_HOME": str(data_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    return subprocess.run(
        [SHOPLOG, *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """A non-zero exit whose reason is one line, the last on stderr (progress may precede it)."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("shoplog: error: ")]
    assert errors == [lines[-1]], result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[-1]


def test_generate_warns_when_the_history_runs_past_today(tmp_path: Path) -> None:
    """Events dated after their load are quarantined as future-dated, so a history that ends
    after today is mostly quarantine once loaded: generate says so, and which --start ends it
    today."""
    today = datetime.date.today()

    def generate(name: str, start: str) -> subprocess.CompletedProcess:
        out = tmp_path / name
        args = ("generate", "--out", str(out), "--events", "50", "--days", "5", "--start", start)
        result = shoplog(*args, data_dir=tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    late = generate("late", (today - datetime.timedelta(days=2)).isoformat())
    assert f"the history ends on {today + datetime.timedelta(days=2)}" in late.stderr
    suggested = re.search(r"--start (\S+) ends it today", late.stderr)
    assert suggested, late.stderr
    on_time = generate("on_time", suggested.group(1))
    assert "warning" not in on_time.stderr
    days = {p.name.rsplit("_", 1)[1][:10] for p in (tmp_path / "on_time").glob("web_events_*")}
    assert max(days) == today.isoformat()


def test_load_of_a_missing_file_is_a_one_line_error_and_touches_nothing(tmp_path: Path) -> None:
    result = shoplog("load", str(tmp_path / "web_events_nope.jsonl"), data_dir=tmp_path)
    assert_one_line_error(result, "web_events_nope.jsonl")
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_load_of_an_unrecognised_file_name_is_a_one_line_error(tmp_path: Path) -> None:
    stray = tmp_path / "orders.txt"
    stray.write_text("hello\n")
    assert_one_line_error(shoplog("load", str(stray), data_dir=tmp_path), "orders.txt")


def test_bad_generator_arguments_are_a_one_line_error(tmp_path: Path) -> None:
    result = shoplog("generate", "--out", str(tmp_path / "g"), "--events", "0", data_dir=tmp_path)
    assert_one_line_error(result, "events")


def test_build_on_an_empty_log_succeeds_with_empty_tables(tmp_path: Path) -> None:
    result = shoplog("--env", "prod", "build", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.fct_daily_revenue").fetchone() == (0,)


def test_a_failing_build_is_a_one_line_error_naming_the_model(tmp_path: Path) -> None:
    # A raw table that lost a column (say, edited by hand) breaks the model reading it.
    shoplog("--env", "prod", "build", data_dir=tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
        conn.sql("alter table raw.shopify_orders drop column record")
    result = shoplog("--env", "prod", "build", data_dir=tmp_path)
    assert_one_line_error(result, "dbt build failed", "base_shopify__orders", "record")


@pytest.mark.slow
def test_run_twice_builds_once_and_adds_no_raw_rows_the_second_time(tmp_path: Path) -> None:
    first = shoplog("run", "--demo-events", "2000", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "demo data generated" in first.stdout
    assert re.search(r"quarantined so far: [1-9][\d,]* rows", first.stdout), first.stdout
    assert re.search(r"seconds: generate [\d.]+, load [\d.]+, build [\d.]+", first.stdout)
    raw_sql = (
        "select (select count(*) from raw.web_events) + (select count(*) from raw.shopify_orders)"
        " + (select count(*) from raw.braintree_transactions)"
    )
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        raw_after_first = conn.execute(raw_sql).fetchone()[0]
    assert raw_after_first > 0

    second = shoplog("run", "--demo-events", "2000", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "demo data generated" not in second.stdout
    assert "0 new file(s), 0 raw rows added" in second.stdout
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute(raw_sql).fetchone()[0] == raw_after_first

    # the same warehouse, scored and verified as a user would from the shell
    scored = shoplog("eval", "er", data_dir=tmp_path)
    assert scored.returncode == 0, scored.stderr[-2000:]
    precision = float(re.search(r"precision\s+([\d.]+)", scored.stdout).group(1))
    recall = float(re.search(r"recall\s+([\d.]+)", scored.stdout).group(1))
    assert precision >= 0.99 and recall >= 0.99, scored.stdout

    replayed = shoplog("replay", data_dir=tmp_path)
    assert replayed.returncode == 0, replayed.stdout[-2000:] + replayed.stderr[-2000:]
    assert "replay identical" in replayed.stdout


def test_eval_without_ground_truth_is_a_one_line_error(tmp_path: Path) -> None:
    result = shoplog("eval", "er", "--truth", str(tmp_path / "nowhere"), data_dir=tmp_path)
    assert_one_line_error(result, "no ground truth")


def test_build_defaults_to_dev_which_needs_a_prod_warehouse_first(tmp_path: Path) -> None:
    result = shoplog("build", data_dir=tmp_path)
    assert_one_line_error(result, "dev reads the raw log", "run `shoplog run` first")
    assert not (tmp_path / "warehouse.duckdb").exists() and not (tmp_path / "dev.duckdb").exists()


def test_pipeline_commands_refuse_dev(tmp_path: Path) -> None:
    stray = tmp_path / "web_events_x.jsonl"
    stray.write_text("{}\n")
    result = shoplog("--env", "dev", "load", str(stray), data_dir=tmp_path)
    assert_one_line_error(result, "`shoplog load` works on prod only")
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_changed_without_a_prod_build_is_a_one_line_error(tmp_path: Path) -> None:
    shoplog("--env", "prod", "build", "--select", "fx_rates", data_dir=tmp_path)  # no full build
    result = shoplog("build", "--changed", data_dir=tmp_path)
    assert_one_line_error(result, "no prod manifest")


def test_diff_sample_must_be_a_percentage(tmp_path: Path) -> None:
    result = shoplog("diff", "--sample", "0", data_dir=tmp_path)
    assert result.returncode == 2 and "must be above 0 and at most 100" in result.stderr


def test_build_progress_shows_dbt_node_lines_and_the_flows_own_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from flows.cli import dbt_progress

    lines = [
        "19:03:21  1 of 18 START sql incremental model staging.stg_shopify__order_versions",
        "19:03:21  Registered adapter: postgres=1.11.0",
        "also building the views it would drop: stg_shopify__orders",
        "",
    ]
    for line in lines:
        dbt_progress(line)
    assert capsys.readouterr().err.splitlines() == [lines[0], lines[2]]
