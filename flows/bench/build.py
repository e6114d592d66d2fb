"""Build benchmark: a full dbt build of N web events, then an incremental build after +1 %.

Both builds run in the same process tree on the same machine, one after the other, so their
ratio is meaningful even on a noisy shared machine; the absolute seconds are not.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from pathlib import Path

from flows.dbt_runner import DbtResult, run_dbt
from flows.engine import ShoplogError, Target
from flows.generate import generate
from flows.load import load_files

DAYS = 100  # the last of them, about 1 % of the events, is the increment


def bench_build(
    target: Target,
    workdir: Path,
    events: int,
    progress: Callable[[str], None] | None = None,
) -> dict[str, float | int]:
    """Generate `events` web events over DAYS days, load and fully build all but the last
    day, then load the last day (about 1 %) and build again."""
    say = progress or (lambda _message: None)
    # One simulated history of DAYS days: the last day's files are the +1 % that arrives
    # after the full build (new data of the same shop, so ids and order names stay unique).
    data_dir = workdir / "data"
    say(f"generating {events:,} events over {DAYS} days ...")
    generated = generate(data_dir, seed=1, events=events, days=DAYS, defect_rate=0.02)
    last_day = max(p.name.rsplit("_", 1)[1][:10] for p in _files(data_dir))
    extra_files = [p for p in _files(data_dir) if p.name.rsplit("_", 1)[1][:10] == last_day]
    base_files = [p for p in _files(data_dir) if p not in extra_files]

    say("loading ...")
    load_seconds = timed(lambda: load_files(target, sorted(base_files)))
    say("full build ...")
    full_seconds = timed(lambda: _build(target, ["build", "--full-refresh"], workdir))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    extra = load_files(target, sorted(extra_files))
    added_web_events = sum(b.rows for b in extra if b.source == "web_events")
    say("incremental build ...")
    started = time.perf_counter()
    incremental = _build(target, ["build"], workdir)
    incremental_seconds = time.perf_counter() - started
    slowest = sorted(incremental.nodes, key=lambda node: node.seconds, reverse=True)[:8]
    return {
        "web_events": generated.records["web_events"] - added_web_events,
        "added_web_events": added_web_events,
        "load_seconds": round(load_seconds, 2),
        "full_build_seconds": round(full_seconds, 2),
        "incremental_build_seconds": round(incremental_seconds, 2),
        "incremental_ratio": round(incremental_seconds / full_seconds, 3),
        "peak_build_rss_mb": round(peak_rss_mb),
        # where the incremental build spends its time, for profiling a missed target
        "incremental_slowest_nodes": {node.name: round(node.seconds, 2) for node in slowest},
    }


def _files(directory: Path) -> list[Path]:
    return [p for p in directory.iterdir() if p.is_file()]


def _build(target: Target, args: list[str], workdir: Path) -> DbtResult:
    result = run_dbt(args, target, target_path=workdir / "target")
    if not result.ok:
        raise ShoplogError(result.failure_summary())
    return result


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
