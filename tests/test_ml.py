"""The purchase-propensity retrain on real engines: point-in-time features and labels in dbt,
content-addressed snapshots, training, the registry with its promotion gate, scoring and the
report - through the real `shoplog` command where a user would use it.

One small data set (20 000 web events over 120 days, long enough for 30-day labels at several
weekly cutoffs) is generated, loaded and built once per engine for the module.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from engines import load_and_dbt_build, per_engine, scratch_duckdb, source_files
from warehouse_queries import execute, query, scalar

from flows.cli import main
from flows.dbt_runner import run_dbt
from flows.engine import ShoplogError, Target, pg_settings, project_root
from flows.generate import generate
from flows.load import load_files
from flows.ml.config import FEATURES, load_config
from flows.ml.dataset import (
    SCHEMA,
    load_snapshot,
    read_relation,
    snapshot_training_set,
    time_split,
)
from flows.ml.evaluate import evaluate
from flows.ml.gitinfo import CodeState, code_state, require_committed
from flows.ml.store import load_model, read_sidecar
from flows.ml.train import fit_challenger, labels, predict
from flows.ml.training import train_and_save

pytestmark = pytest.mark.slow

START = dt.date(2026, 5, 1)
DAYS = 120
COUNT_FEATURES = [f for f in FEATURES if not f.startswith(("net_", "avg_", "marketplace_"))]


# --- building ----------------------------------------------------------------------------


def point_prefect_console_at(stream: object) -> None:
    """Prefect's console log handler keeps the stderr it first saw; in this process that is a
    test's capture, closed when the test ends, so each test points it at its own."""
    from prefect.logging.handlers import PrefectConsoleHandler

    names = list(logging.root.manager.loggerDict)
    for logger in [logging.getLogger(), *map(logging.getLogger, names)]:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler):
                handler.stream = stream  # not setStream: it flushes the closed one
                handler.console.file = stream  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def prefect_console_follows_capture(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    point_prefect_console_at(sys.stderr)
    yield
    point_prefect_console_at(sys.__stderr__)


@pytest.fixture(scope="module")
def ml_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ml-files")
    generate(out, seed=7, events=20_000, days=DAYS, defect_rate=0.02, start=START)
    return out


@pytest.fixture(scope="module")
def duck_ml(ml_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = scratch_duckdb(tmp_path_factory, "ml-duck")
    return load_and_dbt_build(target, ml_files, tmp_path_factory.mktemp("ml-duck-target"))


@pytest.fixture(scope="module")
def pg_ml(
    ml_files: Path, pg_target_module: Target, tmp_path_factory: pytest.TempPathFactory
) -> Target:
    return load_and_dbt_build(pg_target_module, ml_files, tmp_path_factory.mktemp("ml-pg-target"))


ml = per_engine("ml", "duck_ml", "pg_ml")


@pytest.fixture
def artifacts(ml: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh artifacts folder for the test (datasets, models, reports)."""
    folder = tmp_path / f"artifacts-{ml.name}"
    monkeypatch.setenv("SHOPLOG_ARTIFACTS_DIR", str(folder))
    return folder


@contextlib.contextmanager
def copy_of(target: Target, tmp_path: Path) -> Iterator[Target]:
    """A scratch copy of a built warehouse, for tests that change it."""
    if target.duckdb_path is not None:
        path = tmp_path / "copy.duckdb"
        shutil.copyfile(target.duckdb_path, path)
        yield Target("duckdb", duckdb_path=path)
        return
    import psycopg2
    from psycopg2 import sql

    assert target.pg_dsn is not None
    name = target.pg_dsn["dbname"] + "_copy"
    admin = psycopg2.connect(**{**pg_settings(), "dbname": "postgres"})
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("create database {} template {}").format(
                    sql.Identifier(name), sql.Identifier(target.pg_dsn["dbname"])
                )
            )
        try:
            yield Target("postgres", pg_dsn={**target.pg_dsn, "dbname": name})
        finally:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
    finally:
        admin.close()


def shoplog(
    target: Target,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    """The real command, in this process, on `target`: exit code, stdout, stderr."""
    monkeypatch.setenv("SHOPLOG_TARGET", target.name)
    for key, value in target.dbt_env().items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    code = main(["--target", target.name, *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- features and labels -----------------------------------------------------------------


def test_features_and_training_set_have_the_contracted_shape(ml: Target) -> None:
    features = read_relation(ml, "ml.ml_customer_features")
    training = read_relation(ml, "ml.ml_training_set")
    assert training.schema == SCHEMA
    training_only = ("label", "label_window_end_date")
    assert features.schema == pa.schema([f for f in SCHEMA if f.name not in training_only])
    assert training.num_rows > 1_000
    assert set(training.column("label").to_pylist()) == {0, 1}
    in_training = scalar(ml, "select count(*) from ml.ml_customer_features where is_training")
    assert training.num_rows == in_training
    for name in COUNT_FEATURES:
        values = [v for v in training.column(name).to_pylist() if v is not None]
        assert values and all(v >= 0 and v == int(v) for v in values), name

    cutoffs = query(ml, "select cutoff_date, is_training from ml.ml_cutoffs order by 1")
    last_day = scalar(
        ml,
        "select cast(max(t) as date) from (select max(ordered_at) as t from marts.fct_orders "
        "union all select max(session_started_at) from marts.fct_sessions) as a",
    )
    trained = [c for c, is_training in cutoffs if is_training]
    assert len(trained) >= 6
    assert all(c.weekday() == 0 for c in trained)  # aligned to the anchor Monday
    assert all(b - a == dt.timedelta(days=7) for a, b in zip(trained, trained[1:], strict=False))
    assert trained[-1] + dt.timedelta(days=30) <= last_day < trained[-1] + dt.timedelta(days=37)
    assert trained[0] >= START + dt.timedelta(days=28)
    assert [c for c, is_training in cutoffs if not is_training] == [last_day + dt.timedelta(days=1)]


def column_names(target: Target, schema: str, table: str) -> list[str]:
    rows = query(
        target,
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position",
    )
    return [r[0] for r in rows]


def copy_rows_to(target: Target, table: str, key: str, ts: str, moment: str, where: str) -> str:
    """An insert copying rows of marts.<table> to `moment`, with new keys."""
    columns = column_names(target, "marts", table)
    replaced = {key: f"'c' || substr({key}, 2)", ts: f"cast('{moment}' as timestamp)"}
    values = [replaced.get(c, c) for c in columns]
    return (
        f"insert into marts.{table} ({', '.join(columns)}) "
        f"select {', '.join(values)} from marts.{table} where {where}"
    )


def test_features_use_no_data_from_their_cutoff_on(ml: Target, tmp_path: Path) -> None:
    """Adding and altering orders and sessions at or after a cutoff changes no feature of that
    cutoff or an earlier one (the labels of earlier cutoffs do change: the data reached)."""
    cutoffs = [r[0] for r in query(ml, "select cutoff_date from ml.ml_cutoffs order by 1")]
    cutoff = cutoffs[len(cutoffs) // 2]
    later = f"{cutoff} 02:00:00"
    feature_columns = ", ".join(["customer_key", "cutoff_date", *FEATURES])
    read = (
        f"select {feature_columns} from ml.ml_customer_features "
        f"where cutoff_date <= cast('{cutoff}' as date) order by cutoff_date, customer_key"
    )
    labels_sql = (
        f"select sum(label) from ml.ml_training_set where cutoff_date < cast('{cutoff}' as date)"
    )
    with copy_of(ml, tmp_path) as scratch:
        before, positives_before = query(scratch, read), scalar(scratch, labels_sql)
        execute(
            scratch,
            f"update marts.fct_orders set net_amount_usd = net_amount_usd * 3 + 1 "
            f"where ordered_at >= cast('{cutoff}' as timestamp)",
            f"update marts.fct_sessions set events = events + 5, added_to_cart = true "
            f"where session_started_at >= cast('{cutoff}' as timestamp)",
            copy_rows_to(
                scratch,
                "fct_orders",
                "order_key",
                "ordered_at",
                later,
                f"ordered_at < cast('{cutoff}' as timestamp) and counts_as_revenue",
            ),
            copy_rows_to(
                scratch,
                "fct_sessions",
                "session_key",
                "session_started_at",
                later,
                f"session_started_at < cast('{cutoff}' as timestamp)",
            ),
            # (the batch that brings these rows raises every customer's last_batch_id, which is
            # how the incremental ml_customer_activity_digests learns of them: all recomputed)
            "update marts.dim_customers set last_batch_id = last_batch_id + 1",
        )
        result = run_dbt(
            ["run", "--select", "path:models/marts/ml"], scratch, target_path=tmp_path / "dbt"
        )
        assert result.ok, result.failure_summary()
        after, positives_after = query(scratch, read), scalar(scratch, labels_sql)
    assert len(before) > 500
    assert after == before
    assert positives_after > positives_before


@pytest.fixture
def duck_fresh_and_built(duck_ml: Target, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    return scratch_duckdb(tmp_path_factory, "ml-incremental"), duck_ml


@pytest.fixture
def pg_fresh_and_built(pg_ml: Target, pg_target: Target) -> tuple:
    return pg_target, pg_ml


# (an empty warehouse, the module's full build) on each engine
fresh_and_built = per_engine("fresh_and_built", "duck_fresh_and_built", "pg_fresh_and_built")

LATE_DAYS = 10  # loaded after the first build


def ml_rows(target: Target, relation: str) -> list[tuple[object, ...]]:
    return query(target, f"select * from {relation} order by customer_key, cutoff_date")


def test_incremental_ml_builds_equal_a_full_build_and_recompute_only_what_changed(
    fresh_and_built: tuple[Target, Target], ml_files: Path, tmp_path: Path
) -> None:
    """Build on all but the last days, load them, build again: the ML tables equal the full
    build's (new cutoffs, moved scoring cutoff, customers with new orders and sessions,
    customers that merged). Then a build with one changed order recomputes that customer's
    rows and keeps every other row as built."""
    fresh, ml = fresh_and_built
    files = source_files(ml_files)
    late = {str(START + dt.timedelta(days=DAYS - 1 - i)) for i in range(LATE_DAYS)}
    first = [p for p in files if p.name.rsplit("_", 1)[1][:10] not in late]
    assert 0 < len(first) < len(files)
    load_files(fresh, first)
    built = run_dbt(["build"], fresh, target_path=tmp_path / "dbt")
    assert built.ok, built.failure_summary()
    training_cutoffs_before = scalar(fresh, "select count(*) from ml.ml_cutoffs where is_training")
    load_files(fresh, [p for p in files if p not in first])
    built = run_dbt(["build"], fresh, target_path=tmp_path / "dbt")
    assert built.ok, built.failure_summary()
    assert scalar(fresh, "select count(*) from ml.ml_cutoffs where is_training") > (
        training_cutoffs_before
    )
    for relation in ("ml.ml_customer_features", "ml.ml_training_set"):
        assert ml_rows(fresh, relation) == ml_rows(ml, relation), relation
    # (customer_version holds batch ids, which differ between the two loads' orders)
    digests = "select customer_key, inputs_digest from ml.ml_customer_activity_digests order by 1"
    assert query(fresh, digests) == query(ml, digests)

    # one customer's revenue order changes; a row of another is tampered with
    changed = scalar(
        fresh,
        "select customer_key from marts.fct_orders where counts_as_revenue "
        "and customer_key is not null group by customer_key order by count(*) desc, 1 limit 1",
    )
    untouched = scalar(
        fresh,
        "select min(customer_key) from ml.ml_training_set "
        f"where customer_key <> '{changed}' and orders_total > 0",
    )
    # (a batch that changes an order also raises its customer's last_batch_id, which is how
    # ml_customer_activity_digests learns of it)
    execute(
        fresh,
        "update marts.fct_orders set net_amount_usd = net_amount_usd + 1000 "
        f"where customer_key = '{changed}' and counts_as_revenue",
        "update marts.dim_customers set last_batch_id = last_batch_id + 1 "
        f"where customer_key = '{changed}'",
        f"update ml.ml_training_set set orders_total = 999 where customer_key = '{untouched}'",
        f"update ml.ml_customer_features set orders_total = 999 where customer_key = '{untouched}'",
    )
    revenue_sql = (
        f"select sum(net_revenue_usd) from ml.ml_customer_features where customer_key = '{changed}'"
    )
    revenue_before = scalar(fresh, revenue_sql)
    rebuilt = run_dbt(
        ["run", "--select", "path:models/marts/ml"], fresh, target_path=tmp_path / "dbt"
    )
    assert rebuilt.ok, rebuilt.failure_summary()
    assert scalar(fresh, revenue_sql) > revenue_before
    for relation in ("ml.ml_customer_features", "ml.ml_training_set"):
        kept = scalar(
            fresh, f"select min(orders_total) from {relation} where customer_key = '{untouched}'"
        )
        assert kept == 999, relation


def test_ml_tables_built_before_the_digest_column_are_computed_again(
    ml: Target, tmp_path: Path
) -> None:
    """A warehouse whose ML tables an older version built (no inputs_digest) gets every row
    computed again by the next incremental build, not kept."""
    relations = ("ml.ml_customer_features", "ml.ml_training_set")

    def rows(target: Target, relation: str) -> list[tuple[object, ...]]:
        # the built columns in their contracted order (a re-added column comes last)
        columns = ", ".join(column_names(ml, *relation.split(".")))
        return query(target, f"select {columns} from {relation} order by customer_key, cutoff_date")

    with copy_of(ml, tmp_path) as scratch:
        expected = {relation: rows(scratch, relation) for relation in relations}
        execute(
            scratch,
            *(f"alter table {relation} drop column inputs_digest" for relation in relations),
            *(f"update {relation} set orders_total = 999" for relation in relations),
        )
        result = run_dbt(
            ["run", "--select", "path:models/marts/ml"], scratch, target_path=tmp_path / "dbt"
        )
        assert result.ok, result.failure_summary()
        for relation in relations:
            assert rows(scratch, relation) == expected[relation], relation


def test_ml_customer_features_sets_its_work_mem_on_postgres(ml: Target, tmp_path: Path) -> None:
    """var ml_features_work_mem reaches PostgreSQL through the model's pre-hook: a size the
    server refuses fails the model there. DuckDB manages its own memory and ignores it."""
    with copy_of(ml, tmp_path) as scratch:
        result = run_dbt(
            ["run", "--select", "ml_customer_features", "--vars", "{ml_features_work_mem: lots}"],
            scratch,
            target_path=tmp_path / "dbt",
        )
        if scratch.pg_dsn is None:
            assert result.ok, result.failure_summary()
        else:
            assert not result.ok
            assert 'invalid value for parameter "work_mem"' in result.failure_summary()


# --- training ----------------------------------------------------------------------------


def test_the_challenger_overfits_a_tiny_batch(ml: Target) -> None:
    table = read_relation(ml, "ml.ml_training_set")
    rows = table.to_pylist()
    batch = [r for r in rows if r["label"] == 1][:20] + [r for r in rows if r["label"] == 0][:20]
    tiny = pa.Table.from_pylist(batch, schema=SCHEMA)
    model = fit_challenger(
        tiny, {"learning_rate": 0.5, "max_iter": 200, "max_depth": 6, "min_samples_leaf": 1}
    )
    scores = predict(model, tiny, FEATURES)
    assert ((scores > 0.5).astype(int) == labels(tiny)).all()
    assert evaluate(labels(tiny), scores).metrics["roc_auc"] == 1.0


def test_a_saved_model_loads_and_reproduces_its_recorded_metrics(
    ml: Target, artifacts: Path
) -> None:
    config = load_config()
    snapshot = snapshot_training_set(ml, artifacts / "datasets", config.model_name)
    run = train_and_save(snapshot, config, CodeState("0" * 40, False, ()), artifacts)
    for saved in (run.challenger, run.shadow):
        sidecar = read_sidecar(saved.path)
        assert sidecar["dataset_sha256"] == snapshot.sha256
        model, features = load_model(saved.path)
        assert features == sidecar["features"]
        holdout = time_split(load_snapshot(Path(sidecar["dataset_path"])), 2).holdout
        assert holdout.num_rows == sidecar["rows"]["holdout"]
        metrics = evaluate(labels(holdout), predict(model, holdout, tuple(features))).metrics
        assert metrics == sidecar["metrics"]
    assert re.fullmatch(
        r"purchase_propensity_gbm_\d{4}-\d\d-\d\d_lr0\.030_depth0002_iter0100_leaf0050",
        run.challenger.version,
    )


def test_dirty_tree_is_refused_unless_allowed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prefect_api_url: str,
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "model.sql").write_text("select 1\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    clean = require_committed(repo, allow_dirty=False)
    assert not clean.dirty and len(clean.sha) == 40
    (repo / "model.sql").write_text("select 2\n")
    with pytest.raises(ShoplogError, match="dirty git tree"):
        require_committed(repo, allow_dirty=False)
    assert require_committed(repo, allow_dirty=True) == CodeState(
        clean.sha, True, (" M model.sql",)
    )
    # the command (its own process: a clean console) refuses before reading any data
    config = project_root() / "ml" / "retrain.yml"
    monkeypatch.setenv("SHOPLOG_HOME", str(repo))
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "retrain", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "refusing to train from a dirty git tree (model.sql)" in result.stderr
    assert "Traceback" not in result.stderr


# --- the retrain command, the registry and scoring ----------------------------------------


def printed_metrics(out: str) -> dict[str, dict[str, float]]:
    found = {}
    for role, body in re.findall(r"^  (challenger|shadow|champion) +(roc_auc .*)$", out, re.M):
        found[role] = {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)", body)}
    return found


def printed(out: str, label: str) -> str:
    match = re.search(rf"^{label} +(\S+)", out, re.M)
    assert match, out
    return match.group(1)


def write_config(path: Path, **challenger: float) -> Path:
    text = (project_root() / "ml" / "retrain.yml").read_text()
    for key, value in challenger.items():
        text = re.sub(rf"(?m)^  {key}: .*$", f"  {key}: {value}", text)
    path.write_text(text)
    return path


def test_retrain_gate_promotion_rollback_and_scoring_through_the_command(
    ml: Target,
    artifacts: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    prefect_api_url: str,
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        return shoplog(ml, monkeypatch, capsys, *args)

    with copy_of(ml, tmp_path) as wh:
        ml = wh  # the registry and predictions tables stay out of the shared warehouse
        code, _, err = run("models", "list")
        assert code == 1 and "no model registry yet" in err

        # 1. no quality run yet: trained, registered, rejected by the data-quality gate
        code, first, err = run("retrain", "--allow-dirty")
        assert code == 0, err
        assert "gate rejected" in first and "data-quality run did not pass" in first
        dataset = Path(printed(first, "dataset"))
        assert re.fullmatch(
            r"purchase_propensity_\d{4}-\d\d-\d\d_[0-9a-f]{12}\.parquet", dataset.name
        )
        assert "(new)" in first
        version = printed(first, "challenger")
        sidecar = read_sidecar(artifacts / "models" / f"{version}.joblib")
        state = code_state(project_root())
        assert sidecar["git_sha"] == state.sha and sidecar["git_dirty"] == state.dirty
        assert sidecar["dataset_path"] == str(dataset)
        assert sidecar["features"] == list(FEATURES)
        assert sidecar["rows"]["train"] + sidecar["rows"]["holdout"] <= sidecar["rows"]["dataset"]
        report = Path(sidecar["report_path"]).read_text()
        for title in ("ROC curve", "Precision-recall curve", "Calibration", "importance"):
            assert title in report
        assert report.count("<svg") == 4 and f"shadow {printed(first, 'shadow')}" in report

        # 2. after a passing quality run, the same data: the same snapshot, the same metrics
        code, _, err = run("quality", "--skip-dbt-tests")
        assert code == 0, err
        mtime = dataset.stat().st_mtime_ns
        code, second, err = run("retrain", "--allow-dirty")
        assert code == 0, err
        assert printed(second, "dataset") == str(dataset) and "same content as before" in second
        assert dataset.stat().st_mtime_ns == mtime
        assert printed_metrics(second) == printed_metrics(first)
        assert printed(second, "challenger") == version
        metrics = printed_metrics(second)
        assert metrics["challenger"]["roc_auc"] >= 0.70
        assert metrics["challenger"]["roc_auc"] > metrics["shadow"]["roc_auc"]
        assert "gate passed" in second

        # 3. a person approves it; scores for every current customer, champion served
        code, out, err = run("models", "promote", version, "--by", "alice", "--reason", "ok")
        assert code == 0 and f"promoted {version} to champion" in out, err
        code, out, err = run("score")
        assert code == 0, err
        customers = scalar(ml, "select count(*) from ml.ml_customer_features where not is_training")
        served = query(
            ml,
            "select alias, model_version, count(*), count(distinct customer_key) "
            "from ml.predictions where is_served group by alias, model_version",
        )
        assert served == [("champion", version, customers, customers)]
        assert scalar(ml, "select count(*) from ml.predictions where alias = 'shadow'") == (
            customers
        )
        code, out, err = run("score", "--serve", "shadow")
        assert code == 0 and "serving shadow" in out, err
        latest = query(
            ml,
            "select alias, count(*) from ml.predictions where is_served and scored_at = "
            "(select max(scored_at) from ml.predictions) group by alias",
        )
        assert latest == [("shadow", customers)]

        # 4. a challenger that does not beat the champion by the margin is rejected
        weak = write_config(tmp_path / "weak.yml", max_iter=5)
        code, out, err = run("retrain", "--allow-dirty", "--config", str(weak), "--margin", "0.5")
        assert code == 0, err
        rejected = printed(out, "challenger")
        assert rejected != version and "champion" in printed_metrics(out)
        assert re.search(r"gate rejected: ROC AUC [\d.]+ does not beat the champion's", out)
        code, _, err = run("models", "promote", rejected, "--by", "alice")
        assert code == 1 and "did not pass the promotion gate" in err
        assert len(err.strip().splitlines()) == 1

        # 5. another challenger promoted, then rolled back to the first champion
        other = write_config(tmp_path / "other.yml", max_iter=101)
        code, out, err = run("retrain", "--allow-dirty", "--config", str(other), "--margin", "-1")
        assert code == 0 and "gate passed" in out, err
        newer = printed(out, "challenger")
        code, out, err = run("models", "promote", newer, "--by", "bob")
        assert code == 0 and f"(was {version})" in out, err
        code, out, err = run("models", "rollback", "--by", "carol", "--reason", "drift")
        assert code == 0 and f"from {newer} to {version}" in out, err

        code, listing, err = run("models", "list")
        assert code == 0, err
        rows = {
            line.split()[0]: line.split()
            for line in listing.splitlines()[1:]
            if line.strip() and not line.startswith(" ") and line != "history:"
        }
        assert rows[version][2] == "champion" and rows[newer][2] == "-"
        history = [line for line in listing.splitlines() if line.startswith("  ")]
        assert any(f"promoted    {version} as champion by alice: ok" in h for h in history)
        assert any(f"rejected    {version} by retrain gate" in h for h in history)
        assert any(f"rejected    {rejected} by retrain gate" in h for h in history)
        assert any(f"promoted    {newer} as champion (was {version}) by bob" in h for h in history)
        assert any(
            f"rolled_back {version} as champion (was {newer}) by carol: drift" in h for h in history
        )
        code, out, err = run("models", "show", version)
        assert (
            code == 0
            and json.loads(out.split("sidecar:\n")[1].split("history:")[0])["version"] == version
        )
        events = query(ml, "select count(*) from ml.model_events")[0][0]
        assert events == len(history)


@pytest.mark.postgres
def test_both_engines_snapshot_the_same_bytes(
    duck_ml: Target, pg_ml: Target, tmp_path: Path
) -> None:
    duck = snapshot_training_set(duck_ml, tmp_path / "d", "purchase_propensity")
    pg = snapshot_training_set(pg_ml, tmp_path / "p", "purchase_propensity")
    assert duck.path.name == pg.path.name
    assert duck.path.read_bytes() == pg.path.read_bytes()
    again = snapshot_training_set(duck_ml, tmp_path / "d", "purchase_propensity")
    assert again.path == duck.path and not again.created
    assert duck.rows == pg.rows > 0
