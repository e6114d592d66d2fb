"""The `shoplog` command: parse arguments, call a flow or step, print the result. Nothing else."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from flows.console import console_without_tracebacks
from flows.engine import ENVS, TARGETS, ShoplogError, Target, first_line, resolve_target

# Telemetry has no network here, and a user's pipeline should not phone home anyway.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# Without a server, flows start Prefect's ephemeral API, which gives up after 20 s by default:
# on a busy two-core machine its start-up can take longer, and the whole command then fails.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

DBT_TIME_STAMP = re.compile(r"\d\d:\d\d:\d\d ")  # how each line of dbt's own output starts


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if args.target:
        os.environ["SHOPLOG_TARGET"] = args.target
    if args.env:
        os.environ["SHOPLOG_ENV"] = args.env
    try:
        return int(args.handler(args) or 0)
    except ShoplogError as exc:
        print(f"shoplog: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("shoplog: interrupted", file=sys.stderr)
        return 130
    except ValueError as exc:  # bad arguments caught by a step
        print(f"shoplog: error: {first_line(exc)}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shoplog",
        description="Log-then-transform e-commerce analytics: load raw files, build with dbt.",
    )
    parser.add_argument(
        "--target",
        choices=TARGETS,
        help="warehouse engine (default: $SHOPLOG_TARGET or duckdb)",
    )
    parser.add_argument(
        "--env",
        choices=ENVS,
        help="dev or prod warehouse (default: $SHOPLOG_ENV, else dev for build and docs; "
        "the pipeline commands run, load, replay, quality and eval always use prod)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    gen = commands.add_parser("generate", help="write demo source files and their ground truth")
    gen.add_argument("--out", type=Path, default=None, help="folder (default: data/incoming)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--events", type=int, default=50_000, help="web events to simulate")
    gen.add_argument("--days", type=int, default=30)
    gen.add_argument("--defect-rate", type=float, default=0.02, help="fraction of bad records")
    gen.add_argument("--gzip", action="store_true", help="write .gz files")
    gen.add_argument(
        "--start", type=datetime.date.fromisoformat, default=None, help="first day (2026-09-01)"
    )
    gen.set_defaults(handler=cmd_generate)

    load = commands.add_parser("load", help="append files to the raw log (each file once)")
    load.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    load.add_argument(
        "--source",
        choices=("web_events", "shopify_orders", "braintree_transactions"),
        help="source of every file (default: from the file name prefix)",
    )
    load.set_defaults(handler=cmd_load)

    build = commands.add_parser("build", help="run dbt build (models, seeds and tests)")
    build.add_argument("--select", help="dbt node selection, e.g. 'stg_web__events+'")
    build.add_argument("--full-refresh", action="store_true")
    build.add_argument(
        "--retries", type=count, default=0, help="`dbt retry` of failed/skipped nodes, N times"
    )
    build.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests and macro tests (left to `shoplog quality` and CI)",
    )
    build.add_argument(
        "--changed",
        action="store_true",
        help="only models changed since the last prod build and their children, reading "
        "unchanged parents from prod",
    )
    build.set_defaults(handler=cmd_build)

    diff = commands.add_parser(
        "diff", help="compare dev's build of changed models with prod, row by row on their keys"
    )
    diff.add_argument(
        "--models", nargs="+", metavar="MODEL", help="models to compare (default: state:modified)"
    )
    diff.add_argument(
        "--sample", type=percent, default=None, metavar="PCT", help="compare PCT %% of the keys"
    )
    diff.add_argument("--examples", type=count, default=3, help="example keys shown per kind")
    diff.set_defaults(handler=cmd_diff)

    run = commands.add_parser(
        "run", help="the pipeline flow: demo data if none, load data/incoming, build"
    )
    run.add_argument("--incoming", type=Path, default=None, help="folder of files to load")
    run.add_argument("--select")
    run.add_argument("--full-refresh", action="store_true")
    run.add_argument("--demo-events", type=int, default=50_000)
    run.add_argument(
        "--retries", type=count, default=1, help="`dbt retry` of failed/skipped nodes, N times"
    )
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser(
        "serve", help="register the scheduled deployments with the Prefect server and run them"
    )
    serve.add_argument("--limit", type=int, default=1, help="flow runs at a time")
    serve.set_defaults(handler=cmd_serve)

    replay = commands.add_parser(
        "replay", help="drop everything derived, rebuild from the raw log, compare contents"
    )
    replay.set_defaults(handler=cmd_replay)

    bench = commands.add_parser(
        "bench",
        help="benchmarks, with ratios against a floor (without BENCH: the whole suite)",
        description="Without BENCH: load, full and incremental builds, their floors, the "
        "pipeline flow and peak memory on DuckDB and PostgreSQL, one table, saved as JSON.",
    )
    add_suite_arguments(bench, default_engines="duckdb,postgres")
    bench.set_defaults(handler=cmd_bench_suite)
    bench_commands = bench.add_subparsers(title="benchmarks", metavar="BENCH")
    bench_load = bench_commands.add_parser("load", help="loader lines/s against DuckDB's read")
    bench_load.add_argument("--events", type=int, default=1_000_000)
    bench_load.add_argument("--seed", type=int, default=7)
    bench_load.set_defaults(handler=cmd_bench_load)
    bench_build = bench_commands.add_parser(
        "build",
        help="the suite on one engine without the flow: full build, then +1 %% incremental",
    )
    add_suite_arguments(bench_build, default_engines=None)
    bench_build.set_defaults(handler=cmd_bench_suite, flow=False)
    bench_flow = bench_commands.add_parser(
        "flow", help="the pipeline flow's wall time minus its dbt time, on a Prefect server"
    )
    bench_flow.add_argument("--events", type=int, default=2_000)
    bench_flow.set_defaults(handler=cmd_bench_flow)
    bench_identity = bench_commands.add_parser(
        "identity", help="identity-graph resolution time on a synthetic graph"
    )
    bench_identity.add_argument("--identifiers", type=int, default=1_000_000)
    bench_identity.set_defaults(handler=cmd_bench_identity)

    evaluate = commands.add_parser("eval", help="score the warehouse against ground truth")
    eval_commands = evaluate.add_subparsers(title="evaluations", metavar="EVAL")
    eval_er = eval_commands.add_parser(
        "er", help="entity-resolution precision and recall against the generator's truth"
    )
    eval_er.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="the generator's ground_truth/ folder (default: data/incoming/ground_truth)",
    )
    eval_er.set_defaults(handler=cmd_eval_er)

    quality = commands.add_parser(
        "quality", help="dbt tests, Great Expectations suites and SLAs; fails on an error"
    )
    quality.add_argument("--skip-dbt-tests", action="store_true", help="only the suites and SLAs")
    quality.set_defaults(handler=cmd_quality)

    add_ml_commands(commands)

    docs = commands.add_parser("docs", help="write the static dbt docs site; --serve to browse it")
    docs.add_argument("--serve", action="store_true", help="serve it on 127.0.0.1 afterwards")
    docs.add_argument("--port", type=int, default=8080)
    docs.set_defaults(handler=cmd_docs)
    return parser


def add_ml_commands(commands: Any) -> None:
    retrain = commands.add_parser(
        "retrain", help="the retrain flow: snapshot, train challenger and shadow, registry, gate"
    )
    retrain.add_argument(
        "--allow-dirty", action="store_true", help="train from uncommitted code (recorded)"
    )
    retrain.add_argument("--config", type=Path, default=None, help="default: ml/retrain.yml")
    retrain.add_argument("--margin", type=float, default=None, help="ROC AUC margin to beat")
    retrain.set_defaults(handler=cmd_retrain)

    score = commands.add_parser(
        "score", help="score current customers with champion and shadow into ml.predictions"
    )
    score.add_argument("--serve", choices=("champion", "shadow"), default="champion")
    score.set_defaults(handler=cmd_score)

    models = commands.add_parser("models", help="the model registry: list, show, promote, ...")
    models_commands = models.add_subparsers(title="registry commands", metavar="ACTION")
    models_commands.add_parser("list", help="versions, aliases and history").set_defaults(
        handler=cmd_models_list
    )
    show = models_commands.add_parser("show", help="one version's record, sidecar and history")
    show.add_argument("version")
    show.set_defaults(handler=cmd_models_show)
    for action, text in (
        ("promote", "make a gated challenger the champion"),
        ("reject", "reject a challenger"),
    ):
        sub = models_commands.add_parser(action, help=text)
        sub.add_argument("version")
        sub.add_argument("--by", required=True, help="who decides (recorded)")
        sub.add_argument("--reason", default="", help="why (recorded)")
        sub.set_defaults(handler=cmd_models_change, action=action)
    rollback = models_commands.add_parser("rollback", help="re-point champion to the previous one")
    rollback.add_argument("--by", required=True, help="who decides (recorded)")
    rollback.add_argument("--reason", default="", help="why (recorded)")
    rollback.set_defaults(handler=cmd_models_change, action="rollback")


def percent(text: str) -> float:
    """An argparse type: a percentage above 0 and at most 100."""
    value = float(text)
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 100, not {text}")
    return value


def analyst_target() -> Target:
    """The warehouse of an analyst command: $SHOPLOG_ENV (set by --env), else dev."""
    return resolve_target(env=os.environ.get("SHOPLOG_ENV") or "dev")


def prod_target(command: str) -> Target:
    """The warehouse of a pipeline command: always prod, and said so when dev was asked for."""
    if (os.environ.get("SHOPLOG_ENV") or "prod") != "prod":
        raise ShoplogError(
            f"`shoplog {command}` works on prod only (it writes the shared raw log or reads what "
            "users read); drop --env dev / unset SHOPLOG_ENV"
        )
    return resolve_target()


def count(text: str) -> int:
    """An argparse type: a whole number, 0 or more."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def cmd_generate(args: argparse.Namespace) -> int:
    from flows.generate import DEFAULT_START, generate, last_day
    from flows.pipeline import incoming_dir

    out = args.out or incoming_dir()
    start = args.start or DEFAULT_START
    end, today = last_day(start, args.days), datetime.date.today()
    if end > today:
        # the contract quarantines an event dated far past its load: loaded today, the end
        # of this history would be quarantine, not data (as the benchmark's once was)
        print_stderr(
            f"warning: the history ends on {end}, after today ({today}); events dated more "
            "than shoplog_max_future_days (2) after they are loaded are quarantined as "
            f"future-dated. --start {last_day(today, 2 - args.days)} ends it today."
        )
    started = time.monotonic()
    summary = generate(
        out,
        seed=args.seed,
        events=args.events,
        days=args.days,
        defect_rate=args.defect_rate,
        gzip=args.gzip,
        progress=progress_bar("generate", "events"),
        start=start,
    )
    print(
        f"wrote {len(summary.files)} files to {out} in {time.monotonic() - started:.1f}s: "
        + ", ".join(f"{n:,} {source}" for source, n in sorted(summary.records.items()))
    )
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from flows.pipeline import load

    target = prod_target("load")
    results = load(target, args.paths, source=args.source, on_line=print_stderr)
    loaded = [r for r in results if not r.skipped]
    print(
        f"loaded {len(loaded)} file(s), {sum(r.rows for r in loaded):,} rows into {target.name}; "
        f"skipped {len(results) - len(loaded)} already loaded"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from flows.pipeline import build

    # a plain call, not the Prefect `build` flow: no server or ephemeral API to start first
    target = analyst_target()
    result = build(
        target,
        args.select,
        args.full_refresh,
        on_line=dbt_progress,
        retries=args.retries,
        unit_tests=args.unit_tests,
        changed=args.changed,
    )
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts().items()))
    print(
        f"dbt build on {target.name} ({target.env}) finished in {result.seconds:.1f}s: "
        f"{counts or 'nothing to build'}" + retried(result.retries)
    )
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from flows.diff import diff_models, format_report

    reports = diff_models(
        resolve_target(), models=args.models, sample_pct=args.sample, examples=args.examples
    )
    print(format_report(reports))
    return 1 if any(report.differs for report in reports) else 0


def cmd_run(args: argparse.Namespace) -> int:
    from flows.pipeline import pipeline

    console_without_tracebacks()
    summary = pipeline(
        target=prod_target("run").name,
        incoming=str(args.incoming) if args.incoming else None,
        select=args.select,
        full_refresh=args.full_refresh,
        demo_events=args.demo_events,
        retries=args.retries,
    )
    print(f"\nshoplog run on {summary.target}")
    if summary.generated_demo_data:
        print("  demo data generated (data/incoming was empty)")
    print(
        f"  load: {summary.files_loaded} new file(s), {summary.raw_rows_added:,} raw rows added, "
        f"{summary.files_skipped} already loaded"
    )
    print("  rows per layer: " + ", ".join(f"{k} {v:,}" for k, v in summary.rows_per_layer.items()))
    print(f"  quality: {summary.quality}")
    print(f"  quarantined so far: {summary.quarantined_rows:,} rows")
    for message in summary.alerts:
        print(f"  ALERT quarantine spike: {message}")
    dbt_counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.dbt_counts.items()))
    print(f"  dbt: {dbt_counts}{retried(summary.dbt_retries)}")
    print("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in summary.seconds.items()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.deployments import serve

    console_without_tracebacks()
    serve(limit=args.limit)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from flows.pipeline import replay

    target = prod_target("replay")
    report = replay(target, on_line=dbt_progress)
    print(f"{'relation':<48}{'rows before':>12}{'rows after':>12}  content")
    for relation in sorted(set(report.before) | set(report.after)):
        before, after = report.before.get(relation), report.after.get(relation)
        same = "same" if before == after else "DIFFERENT"
        rows_before = f"{before.rows:,}" if before else "-"
        rows_after = f"{after.rows:,}" if after else "-"
        print(f"{relation:<48}{rows_before:>12}{rows_after:>12}  {same}")
    if report.differences:
        print(f"replay differs in {len(report.differences)} relation(s)", file=sys.stderr)
        return 1
    print(f"replay identical: {len(report.after)} relations rebuilt from the raw log")
    return 0


def cmd_bench_load(args: argparse.Namespace) -> int:
    from flows.bench.load import bench_load
    from flows.generate import generate

    with tempfile.TemporaryDirectory(prefix="shoplog-bench-") as tmp:
        files_dir = Path(tmp) / "files"
        print_stderr(f"generating {args.events:,} events ...")
        generate(files_dir, seed=args.seed, events=args.events, days=7, defect_rate=0.02)
        web_files = sorted(files_dir.glob("web_events_*.jsonl"))
        figures = bench_load(web_files, Path(tmp) / "work")
    print(f"{'lines':<24}{figures['lines']:>14,}")
    print(f"{'shoplog load':<24}{figures['lines_per_second']:>14,.0f} lines/s")
    print(f"{'duckdb plain read':<24}{figures['floor_lines_per_second']:>14,.0f} lines/s")
    print(f"{'ratio (load / floor)':<24}{figures['ratio']:>14.2f} x the floor's time")
    return 0


def add_suite_arguments(parser: argparse.ArgumentParser, default_engines: str | None) -> None:
    parser.add_argument(
        "--events", type=int, default=10_000_000, help="web events on DuckDB (default 10 M)"
    )
    parser.add_argument(
        "--pg-events", type=int, default=1_000_000, help="web events on PostgreSQL (default 1 M)"
    )
    parser.add_argument(
        "--engines",
        default=default_engines,
        help="comma-separated engines (default: %(default)s; for `build`: --target's engine)",
    )
    parser.add_argument("--no-flow", dest="flow", action="store_false", help="skip the flow")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated data here and reuse it in later runs (default: a temporary "
        "folder); the warehouses are always new",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("bench/results"),
        help="folder for the JSON results (default: %(default)s)",
    )


def cmd_bench_suite(args: argparse.Namespace) -> int:
    from flows.bench.suite import as_json, format_table, run_suite, write_results

    engines = (args.engines or resolve_target().name).split(",")
    unknown = [e for e in engines if e not in ("duckdb", "postgres")]
    if unknown:  # before any data is generated
        raise ShoplogError(f"no benchmark for {', '.join(unknown)}: choose duckdb and/or postgres")
    sizes = {e: args.pg_events if e == "postgres" else args.events for e in engines}
    pipeline_flow = None
    with contextlib.ExitStack() as stack:
        if args.flow:
            from flows.pipeline import pipeline
            from flows.prefect_local import reachable_or_temporary_server

            console_without_tracebacks()
            stack.enter_context(reachable_or_temporary_server(progress=print_stderr))
            pipeline_flow = pipeline
        workdir = args.workdir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="shoplog-bench-"))
        )
        rows, slowest = run_suite(sizes, workdir, pipeline_flow, progress=print_stderr)
    print(format_table(rows, slowest))
    saved = write_results(args.results, as_json(rows, slowest, {"sizes": sizes}))
    print_stderr(f"results saved to {saved}")
    return 0


def cmd_bench_identity(args: argparse.Namespace) -> int:
    from flows.bench.identity import bench_identity

    with tempfile.TemporaryDirectory(prefix="shoplog-bench-") as tmp:
        print_stderr(f"resolving a synthetic graph of {args.identifiers:,} identifiers ...")
        figures = bench_identity(Path(tmp), args.identifiers)
    print(f"{'identifiers':<32}{figures['identifiers']:>12,}")
    print(f"{'edges':<32}{figures['edges']:>12,}")
    print(f"{'components':<32}{figures['components']:>12,}")
    print(f"{'graph models':<32}{figures['seconds']:>12.2f} s  (target < 30 s)")
    print(f"{'whole dbt run':<32}{figures['dbt_seconds']:>12.2f} s")
    return 0


def cmd_eval_er(args: argparse.Namespace) -> int:
    from flows.eval import evaluate_entity_resolution
    from flows.pipeline import incoming_dir

    truth = args.truth or incoming_dir() / "ground_truth"
    if not truth.exists():
        raise ShoplogError(f"no ground truth at {truth}: pass --truth DIR")
    scores = evaluate_entity_resolution(prod_target("eval er"), truth)
    print(f"{'precision':<24}{scores['precision']:>10.4f}")
    print(f"{'recall':<24}{scores['recall']:>10.4f}")
    print(f"{'pairs placed together':<24}{scores['pairs_placed_together']:>10,}")
    print(f"{'pairs truly together':<24}{scores['pairs_truly_together']:>10,}")
    print(f"{'customers / persons':<24}{scores['customers']:>5,} / {scores['persons']:,}")
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from flows.quality import run_quality
    from flows.quality_flow import enforce_gate

    target = prod_target("quality")
    report = run_quality(target, on_line=print_stderr, dbt_tests=not args.skip_dbt_tests)
    if report.docs_index:
        print(f"Data Docs: {report.docs_index}")
    enforce_gate(target, report)  # alerts and exits 1 on an error-level failure
    print(report.summary())
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from flows.docs_site import generate_site, serve_site

    page = generate_site(analyst_target())
    print(f"docs site written to {page}")
    if args.serve:
        print(f"serving http://127.0.0.1:{args.port}/ (Ctrl-C to stop)")
        serve_site(page.parent, args.port)
    return 0


def cmd_bench_flow(args: argparse.Namespace) -> int:
    from flows.bench.flow import TARGET_OVERHEAD_S, bench_flow
    from flows.pipeline import pipeline
    from flows.prefect_api import require_server

    console_without_tracebacks()
    api = require_server()
    print_stderr(f"pipeline flow on {args.events:,} demo events against {api} ...")
    with tempfile.TemporaryDirectory(prefix="shoplog-bench-") as tmp:
        figures = bench_flow(pipeline, Path(tmp), resolve_target().name, args.events)
    print(f"{'pipeline flow wall time':<32}{figures.wall_seconds:>10.2f} s")
    print(f"{'dbt subprocesses':<32}{figures.dbt_seconds:>10.2f} s")
    print(f"{'overhead (wall - dbt)':<32}{figures.overhead_seconds:>10.2f} s")
    for step, seconds in figures.in_process_steps.items():
        print(f"{'  step ' + step:<32}{seconds:>10.2f} s")
    print(
        f"{'  orchestration (the rest)':<32}{figures.orchestration_seconds:>10.2f} s"
        f"  (target <= {TARGET_OVERHEAD_S:.0f} s)"
    )
    return 0


def cmd_retrain(args: argparse.Namespace) -> int:
    from flows.retrain_flow import retrain

    console_without_tracebacks()
    summary = retrain(
        target=prod_target("retrain").name,
        allow_dirty=args.allow_dirty,
        config_path=str(args.config) if args.config else None,
        margin=args.margin,
    )
    state = "new" if summary.dataset_created else "same content as before"
    print(f"dataset {summary.dataset_path} ({state})")
    print(f"code {summary.git_sha}{' (dirty)' if summary.git_dirty else ''}")
    print("holdout metrics:")
    for role, metrics in summary.metrics.items():
        shown = ", ".join(f"{k} {metrics[k]:.4f}" for k in ("roc_auc", "pr_auc", "brier"))
        print(f"  {role:<11} {shown}")
    print(f"challenger {summary.challenger}")
    print(f"shadow     {summary.shadow}")
    verdict = "passed" if summary.gate_passed else "rejected"
    print(f"gate {verdict}: {summary.gate_reason}")
    if summary.promoted:
        print(f"promoted {summary.challenger} to champion (auto-promotion)")
    elif summary.gate_passed:
        print(f"approve with: shoplog models promote {summary.challenger} --by NAME")
    print(f"report {summary.report_path}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from flows.ml.scoring import score

    result = score(prod_target("score"), serve=args.serve)
    versions = ", ".join(f"{alias} {v}" for alias, v in result.versions.items())
    print(
        f"scored {result.customers:,} customers at {result.scored_at} ({versions}); "
        f"serving {result.served}"
    )
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    from flows.ml.registry import open_registry

    with open_registry(prod_target("models")) as registry:
        versions, events = registry.versions(), registry.events()
    width = max([len(v.version) for v in versions] + [7]) + 2
    print(f"{'version':<{width}}{'role':<12}{'alias':<12}{'roc_auc':>8}  gate")
    for v in versions:
        print(
            f"{v.version:<{width}}{v.role:<12}{v.alias or '-':<12}{v.holdout_roc_auc:>8.4f}  "
            f"{v.gate_status}"
        )
    print("\nhistory:")
    for e in events:
        print(format_event(e))
    return 0


def format_event(e: dict[str, Any]) -> str:
    extra = f" (was {e['previous_version']})" if e["previous_version"] else ""
    alias = f" as {e['alias']}" if e["alias"] else ""
    return (
        f"  {e['occurred_at']}  {e['event']:<11} {e['version']}{alias}{extra} "
        f"by {e['actor']}: {e['reason']}"
    )


def cmd_models_show(args: argparse.Namespace) -> int:
    import json

    from flows.ml.registry import open_registry
    from flows.ml.store import read_sidecar

    with open_registry(prod_target("models")) as registry:
        model, events = registry.get(args.version), registry.events(args.version)
    for key, value in model.__dict__.items():
        print(f"{key:<16}{value}")
    sidecar = read_sidecar(Path(model.artifact_path))
    print("sidecar:")
    print(json.dumps(sidecar, indent=2, sort_keys=True))
    print("history:")
    for e in events:
        print(format_event(e))
    return 0


def cmd_models_change(args: argparse.Namespace) -> int:
    from flows.ml.registry import open_registry

    with open_registry(prod_target("models"), write=True) as registry:
        if args.action == "promote":
            previous = registry.promote(args.version, args.by, args.reason or "approved")
            was = f" (was {previous.version})" if previous else ""
            print(f"promoted {args.version} to champion{was}")
        elif args.action == "reject":
            registry.reject(args.version, args.by, args.reason or "rejected by a person")
            print(f"rejected {args.version}")
        else:
            old, new = registry.rollback(args.by, args.reason or "rolled back")
            print(f"rolled back champion from {old.version} to {new.version}")
    return 0


def retried(retries: int) -> str:
    return f" (after {retries} {'retry' if retries == 1 else 'retries'})" if retries else ""


def print_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dbt_progress(line: str) -> None:
    """dbt's per-node lines (START/OK/ERROR ...) to stderr, so long builds show progress,
    and the flows' own lines among them (any line without dbt's time stamp)."""
    ours = bool(line.strip()) and not DBT_TIME_STAMP.match(line)
    if ours or " of " in line or "Completed" in line or "Error" in line or "Done." in line:
        print_stderr(line)


def progress_bar(label: str, unit: str) -> Callable[[int, int], None]:
    """A callback drawing `label [####    ] 45% done/total unit` on stderr."""
    interactive = sys.stderr.isatty()
    last = {"decile": -1}

    def draw(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if interactive:
            filled = int(fraction * 30)
            bar = "#" * filled + " " * (30 - filled)
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\r{label} [{bar}] {fraction:4.0%} {done:,}/{total:,} {unit}{end}")
            sys.stderr.flush()
        elif int(fraction * 10) != last["decile"]:
            last["decile"] = int(fraction * 10)
            print_stderr(f"{label}: {fraction:.0%} ({done:,}/{total:,} {unit})")

    return draw


if __name__ == "__main__":
    sys.exit(main())
