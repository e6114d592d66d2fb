"""The `shoplog` command: parse arguments, call a flow or step, print the result. Nothing else."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from flows.engine import TARGETS, ShoplogError, first_line, resolve_target

# Telemetry has no network here, and a user's pipeline should not phone home anyway.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    if args.target:
        os.environ["SHOPLOG_TARGET"] = args.target
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
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    gen = commands.add_parser("generate", help="write demo source files and their ground truth")
    gen.add_argument("--out", type=Path, default=None, help="folder (default: data/incoming)")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--events", type=int, default=50_000, help="web events to simulate")
    gen.add_argument("--days", type=int, default=30)
    gen.add_argument("--defect-rate", type=float, default=0.02, help="fraction of bad records")
    gen.add_argument("--gzip", action="store_true", help="write .gz files")
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
    build.set_defaults(handler=cmd_build)

    run = commands.add_parser(
        "run", help="the pipeline flow: demo data if none, load data/incoming, build"
    )
    run.add_argument("--incoming", type=Path, default=None, help="folder of files to load")
    run.add_argument("--select")
    run.add_argument("--full-refresh", action="store_true")
    run.add_argument("--demo-events", type=int, default=50_000)
    run.set_defaults(handler=cmd_run)

    replay = commands.add_parser(
        "replay", help="drop everything derived, rebuild from the raw log, compare contents"
    )
    replay.set_defaults(handler=cmd_replay)

    bench = commands.add_parser("bench", help="benchmarks, with ratios against a floor")
    bench_commands = bench.add_subparsers(title="benchmarks", metavar="BENCH")
    bench_load = bench_commands.add_parser("load", help="loader lines/s against DuckDB's read")
    bench_load.add_argument("--events", type=int, default=1_000_000)
    bench_load.add_argument("--seed", type=int, default=7)
    bench_load.set_defaults(handler=cmd_bench_load)
    bench_build = bench_commands.add_parser(
        "build", help="full dbt build, then incremental after +1 %% events, and their ratio"
    )
    bench_build.add_argument("--events", type=int, default=10_000_000)
    bench_build.set_defaults(handler=cmd_bench_build)
    return parser


def cmd_generate(args: argparse.Namespace) -> int:
    from flows.generate import generate
    from flows.pipeline import incoming_dir

    out = args.out or incoming_dir()
    started = time.monotonic()
    summary = generate(
        out,
        seed=args.seed,
        events=args.events,
        days=args.days,
        defect_rate=args.defect_rate,
        gzip=args.gzip,
        progress=progress_bar("generate", "events"),
    )
    print(
        f"wrote {len(summary.files)} files to {out} in {time.monotonic() - started:.1f}s: "
        + ", ".join(f"{n:,} {source}" for source, n in sorted(summary.records.items()))
    )
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from flows.pipeline import load

    target = resolve_target()
    results = load(target, args.paths, source=args.source, on_line=print_stderr)
    loaded = [r for r in results if not r.skipped]
    print(
        f"loaded {len(loaded)} file(s), {sum(r.rows for r in loaded):,} rows into {target.name}; "
        f"skipped {len(results) - len(loaded)} already loaded"
    )
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from flows.pipeline import build

    target = resolve_target()
    result = build(target, args.select, args.full_refresh, on_line=dbt_progress)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(result.counts().items()))
    print(f"dbt build on {target.name} finished in {result.seconds:.1f}s: {counts}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from flows.pipeline import pipeline

    summary = pipeline(
        target=resolve_target().name,
        incoming=str(args.incoming) if args.incoming else None,
        select=args.select,
        full_refresh=args.full_refresh,
        demo_events=args.demo_events,
    )
    print(f"\nshoplog run on {summary.target}")
    if summary.generated_demo_data:
        print("  demo data generated (data/incoming was empty)")
    print(
        f"  load: {summary.files_loaded} new file(s), {summary.raw_rows_added:,} raw rows added, "
        f"{summary.files_skipped} already loaded"
    )
    print("  rows per layer: " + ", ".join(f"{k} {v:,}" for k, v in summary.rows_per_layer.items()))
    print(f"  quarantined so far: {summary.quarantined_rows:,} rows")
    for message in summary.alerts:
        print(f"  ALERT quarantine spike: {message}")
    print("  dbt: " + ", ".join(f"{n} {s}" for s, n in sorted(summary.dbt_counts.items())))
    print("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in summary.seconds.items()))
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    from flows.pipeline import replay

    target = resolve_target()
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


def cmd_bench_build(args: argparse.Namespace) -> int:
    from flows.bench.build import bench_build
    from flows.engine import Target, scratch_postgres_database

    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shoplog-bench-")))
        # a scratch warehouse on the chosen engine, never the user's own
        if resolve_target().name == "postgres":
            target = stack.enter_context(scratch_postgres_database("shoplog_bench"))
        else:
            target = Target("duckdb", duckdb_path=tmp / "bench.duckdb")
        figures = bench_build(target, tmp, args.events, progress=print_stderr)
    print(f"{'web events':<32}{figures['web_events']:>12,}")
    print(f"{'load':<32}{figures['load_seconds']:>12.2f} s")
    print(f"{'full build':<32}{figures['full_build_seconds']:>12.2f} s")
    added = f"incremental build (+{figures['added_web_events']:,})"
    print(f"{added:<32}{figures['incremental_build_seconds']:>12.2f} s")
    print(
        f"{'ratio incremental / full':<32}{figures['incremental_ratio']:>12.3f}  (target <= 0.10)"
    )
    print(f"{'peak dbt RSS':<32}{figures['peak_build_rss_mb']:>12,} MB")
    return 0


def print_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dbt_progress(line: str) -> None:
    """dbt's per-node lines (START/OK/ERROR ...) to stderr, so long builds show progress."""
    if " of " in line or "Completed" in line or "Error" in line or "Done." in line:
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
