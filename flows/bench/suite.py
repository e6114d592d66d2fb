"""The benchmark suite: one engine's load, full build, incremental build (and an incremental
build with nothing new, its floor) and flow overhead, each next to its baseline measured in the
same run, with the peak memory of every step.

Every step runs in a child process (flows.bench.measure), so its peak RSS is its own. The
data is one simulated history of DAYS days: all but the last day is loaded and fully built,
then the last day (about 1 % of the events) is loaded and built incrementally - new data of
the same shop, as in production.
"""

from __future__ import annotations

import contextlib
import datetime
import platform
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from flows.bench.floor import run_floor
from flows.bench.flow import TARGET_OVERHEAD_S, PipelineFlow, bench_flow
from flows.bench.load import absent_byte, floor_read
from flows.bench.measure import measured
from flows.dbt_runner.retry import build_with_retries
from flows.engine import ShoplogError, Target, scratch_postgres_database
from flows.generate import generate
from flows.load import load_files

DAYS = 100  # the last of them, about 1 % of the events, is the increment
# The history must end before it is loaded: an event dated more than shoplog_max_future_days
# after its load is quarantined as future-dated, so a history running past today made the
# last days, and so the increment, almost all quarantine. A fixed day keeps runs comparable.
START = datetime.date(2026, 6, 1)
SLOWEST_NODES = 8
INCREMENTAL_RUN_RESULTS = "incremental_run_results.json"  # in the engine's workdir

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    engine: str
    step: str
    seconds: float
    peak_rss_mb: float | None
    figure: str  # the step's own figure (rows, lines/s), for reading
    ratio: float | None  # seconds / the baseline's seconds
    baseline: str  # what the ratio is taken against
    target: str  # the goal for the ratio or figure on this machine ("" when none)


@dataclass(frozen=True)
class EngineRun:
    rows: list[Row]
    slowest_incremental_nodes: dict[str, float]


def split_last_day(files_dir: Path) -> tuple[list[Path], list[Path]]:
    """The generated files: (all days but the last, the last day)."""
    files = sorted(p for p in files_dir.iterdir() if p.is_file())
    day = {p: p.name.rsplit("_", 1)[1][:10] for p in files}
    last = max(day.values())
    return [p for p in files if day[p] != last], [p for p in files if day[p] == last]


def generate_history(files_dir: Path, events: int, progress: Progress) -> None:
    progress(f"generating {events:,} web events over {DAYS} days ...")
    generate(files_dir, seed=1, events=events, days=DAYS, defect_rate=0.02, start=START)


def bench_engine(target: Target, files_dir: Path, workdir: Path, progress: Progress) -> EngineRun:
    """Load, build fully, run the floor, add the last day and build incrementally, then build
    incrementally once more with nothing new: what every incremental build pays before its
    new rows (dbt's start, its nodes and tests, the tables rebuilt whole)."""
    base, last_day = split_last_day(files_dir)
    engine = target.name
    dbt_target = workdir / "target"

    progress(f"[{engine}] loading {len(base)} files ...")
    load = measured(lambda: sum(r.rows for r in load_files(target, base)))
    progress(f"[{engine}] the load floor: DuckDB's plain read of the same files ...")
    delimiter = absent_byte(base)
    floor_load = measured(lambda: floor_read(base, workdir / "floor_read.duckdb", delimiter))
    lines = load.value
    progress(f"[{engine}] full dbt build ...")
    full = measured(lambda: _dbt(target, True, dbt_target))
    progress(f"[{engine}] the build floor: the same compiled SQL straight on the engine ...")
    floor_build = measured(lambda: run_floor(target, dbt_target))
    added = sum(r.rows for r in load_files(target, last_day) if r.source == "web_events")
    progress(f"[{engine}] incremental dbt build after +{added:,} web events ...")
    incremental = measured(lambda: _dbt(target, False, dbt_target))
    # kept beside the warehouse: the incremental build's every node, for reading afterwards
    # (the build with nothing new overwrites run_results.json)
    shutil.copyfile(dbt_target / "run_results.json", workdir / INCREMENTAL_RUN_RESULTS)
    # after the measured incremental build, so that it cannot warm anything for that one
    progress(f"[{engine}] incremental dbt build with nothing new (the incremental floor) ...")
    unchanged = measured(lambda: _dbt(target, False, dbt_target))

    rows = [
        Row(
            engine,
            "load",
            load.seconds,
            load.peak_rss_mb,
            f"{lines / load.seconds:,.0f} lines/s",
            load.seconds / floor_load.seconds,
            "duckdb plain read",
            ">= 1,000,000 lines/s",
        ),
        Row(
            engine,
            "load floor (duckdb plain read)",
            floor_load.seconds,
            floor_load.peak_rss_mb,
            f"{lines / floor_load.seconds:,.0f} lines/s",
            None,
            "",
            "",
        ),
        Row(
            engine,
            "full build",
            full.seconds,
            full.peak_rss_mb,
            f"{full.value[0]} nodes",
            full.seconds / floor_build.seconds,
            "build floor",
            "ratio <= 1.5",
        ),
        Row(
            engine,
            "build floor (compiled SQL, no dbt)",
            floor_build.seconds,
            floor_build.peak_rss_mb,
            "",
            None,
            "",
            "",
        ),
        Row(
            engine,
            f"incremental build (+{added:,} events)",
            incremental.seconds,
            incremental.peak_rss_mb,
            f"{incremental.value[0]} nodes",
            incremental.seconds / full.seconds,
            "full build",
            "ratio <= 0.10",
        ),
        Row(
            engine,
            "incremental floor (nothing new)",
            unchanged.seconds,
            unchanged.peak_rss_mb,
            f"{unchanged.value[0]} nodes",
            unchanged.seconds / full.seconds,
            "full build",
            "",
        ),
    ]
    return EngineRun(rows, incremental.value[1])


def _dbt(target: Target, full_refresh: bool, target_path: Path) -> tuple[int, dict[str, float]]:
    """`dbt build` as `shoplog build` runs it; return its node count and its slowest nodes."""
    result = build_with_retries(target, full_refresh=full_refresh, target_path=target_path).final
    if not result.ok:
        raise ShoplogError(result.failure_summary())
    slowest = sorted(result.nodes, key=lambda node: node.seconds, reverse=True)[:SLOWEST_NODES]
    return len(result.nodes), {node.name: round(node.seconds, 2) for node in slowest}


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    import os

    import dbt.version
    import duckdb

    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        mem_kb = int(info.readline().split()[1])
    return {
        "hostname": platform.node(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": dbt.version.__version__,
        "postgres": _postgres_version(),
        "git_sha": _git_sha(),
    }


def _postgres_version() -> str:
    try:
        out = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip()
    except OSError:
        return ""


def _git_sha() -> str:
    from flows.engine import project_root

    out = subprocess.run(
        ["git", "-C", str(project_root()), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return out.stdout.strip()


def as_json(rows: list[Row], slowest: dict[str, dict[str, float]], extra: dict) -> dict:
    return {
        "machine": machine(),
        "rows": [asdict(row) for row in rows],
        "incremental_slowest_nodes": slowest,
        **extra,
    }


def flow_row(engine: str, pipeline_flow: PipelineFlow, workdir: Path, events: int) -> Row:
    """The pipeline flow on a small data set: its wall time next to its dbt subprocesses."""
    run = measured(lambda: bench_flow(pipeline_flow, workdir, engine, events))
    flow = run.value
    return Row(
        engine,
        f"pipeline flow ({events:,} events)",
        flow.wall_seconds,
        run.peak_rss_mb,
        f"orchestration {flow.orchestration_seconds:.1f} s of {flow.overhead_seconds:.1f} s",
        flow.wall_seconds / flow.dbt_seconds,
        "its dbt subprocesses",
        f"orchestration <= {TARGET_OVERHEAD_S:.0f} s",
    )


def run_suite(
    sizes: dict[str, int],
    workdir: Path,
    pipeline_flow: PipelineFlow | None,
    progress: Progress,
    flow_events: int = 2_000,
) -> tuple[list[Row], dict[str, dict[str, float]]]:
    """Benchmark each engine at its size (web events); the flow too when one is given."""
    rows: list[Row] = []
    slowest: dict[str, dict[str, float]] = {}
    for engine, events in sizes.items():
        # named by its first day too: a data set kept from before START changed is not reused
        files_dir = workdir / f"files_{events}_from_{START.isoformat()}"
        if not files_dir.exists():
            # generated aside and renamed when complete: an interrupted run leaves no half
            # data set for the next run to reuse
            partial = files_dir.with_name(files_dir.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            generate_history(partial, events, progress)
            partial.rename(files_dir)
        engine_dir = workdir / engine
        shutil.rmtree(engine_dir, ignore_errors=True)  # an earlier run's warehouse and artifacts
        engine_dir.mkdir(parents=True)
        with scratch_target(engine, engine_dir) as target:
            run = bench_engine(target, files_dir, engine_dir, progress)
        rows += run.rows
        slowest[engine] = run.slowest_incremental_nodes
        if pipeline_flow is not None:
            progress(f"[{engine}] pipeline flow against the Prefect server ...")
            rows.append(flow_row(engine, pipeline_flow, engine_dir / "flow", flow_events))
    return rows, slowest


@contextlib.contextmanager
def scratch_target(engine: str, workdir: Path) -> Iterator[Target]:
    """A warehouse that exists only for the benchmark: a DuckDB file in workdir, or a new
    PostgreSQL database dropped afterwards."""
    if engine == "postgres":
        with scratch_postgres_database("shoplog_bench") as target:
            yield target
    elif engine == "duckdb":
        yield Target("duckdb", duckdb_path=workdir / "bench.duckdb")
    else:
        raise ShoplogError(f"no benchmark for engine {engine!r}: choose duckdb or postgres")


def format_table(rows: list[Row], slowest: dict[str, dict[str, float]]) -> str:
    """The results as one plain-text table, then the slowest incremental nodes per engine."""
    header = ("engine", "step", "seconds", "peak RSS MB", "figure", "ratio", "ratio of", "target")
    lines = [
        (
            row.engine,
            row.step,
            f"{row.seconds:.1f}",
            "" if row.peak_rss_mb is None else f"{row.peak_rss_mb:,.0f}",
            row.figure,
            "" if row.ratio is None else f"{row.ratio:.3f}",
            row.baseline,
            row.target,
        )
        for row in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]
    right = {2, 3, 5}  # numbers line up on the right
    out = []
    for cells in [header, *lines]:
        out.append(
            "  ".join(
                cell.rjust(width) if i in right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
    for engine, nodes in slowest.items():
        out.append(f"slowest nodes of the incremental build on {engine}:")
        out += [f"  {name:<58}{seconds:>8.2f} s" for name, seconds in nodes.items()]
    return "\n".join(out)


def write_results(directory: Path, document: dict) -> Path:
    """Save one run as JSON under directory, named by its UTC time and host."""
    import datetime
    import json

    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}_{platform.node() or 'host'}.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
