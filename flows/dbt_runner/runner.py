"""dbt in a subprocess: killable on timeout, no connection outlives the command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from flows.dbt_runner.results import DbtResult, read_run_results
from flows.engine import Target, project_root

DEFAULT_TIMEOUT_S = 3600.0


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else the one on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def default_target_path(target: Target) -> Path:
    """Each warehouse keeps its own dbt artifacts, so targets never overwrite each other's;
    under $SHOPLOG_DBT_TARGET_DIR when set, so scratch runs (tests, benchmarks) keep theirs
    apart from the project's target/."""
    base = os.environ.get("SHOPLOG_DBT_TARGET_DIR")
    return (Path(base) if base else project_root() / "target") / target.dbt_target


def run_dbt(
    args: Sequence[str],
    target: Target,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    target_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> DbtResult:
    """Run `dbt <args>` against the target and return its per-node results.

    target_path keeps each warehouse's artifacts apart (default: target/<target name>).
    on_line receives dbt's output as it comes, for progress on long builds.
    env: extra environment variables for dbt.
    """
    root = project_root()
    target_path = target_path or default_target_path(target)
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(root),
        "--profiles-dir",
        str(root / "profiles"),
        "--target",
        target.dbt_target,
        "--target-path",
        str(target_path),
    ]
    env = {
        # dbt's file log at info, not debug: logging every statement of a build cost about a
        # tenth of its CPU; DBT_LOG_LEVEL_FILE=debug in the environment brings it back
        "DBT_LOG_LEVEL_FILE": "info",
        **os.environ,
        **target.dbt_env(),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        "DBT_LOG_PATH": str(target_path / "logs"),
        **(env or {}),
    }
    run_results = target_path / "run_results.json"
    # `dbt retry` finds the nodes to rerun in the previous command's run_results.json in this
    # target path, so only other commands clear it first; a file that dbt left unchanged is
    # never taken for this command's results.
    previous = _mtime_ns(run_results) if list(args[:1]) == ["retry"] else None
    if previous is None:
        run_results.unlink(missing_ok=True)
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=40)
    process = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group, so a timeout kills dbt's children too
        preexec_fn=_die_with_parent,
    )

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            tail.append(line.rstrip("\n"))
            if on_line is not None:
                on_line(line.rstrip("\n"))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    reader.join(timeout=5)
    return DbtResult(
        args=tuple(args),
        returncode=process.returncode,
        seconds=time.monotonic() - started,
        nodes=read_run_results(run_results) if _mtime_ns(run_results) != previous else (),
        output_tail="\n".join(tail),
        timed_out=timed_out,
    )


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def _die_with_parent() -> None:
    """In the dbt child, before exec: ask Linux to kill it when its parent dies, so a killed
    shoplog never leaves an orphan dbt writing to the warehouse after the writer lock is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
