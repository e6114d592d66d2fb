"""Run one benchmark step in a child process: its wall time and its peak memory.

The step runs in a forked child so that its peak resident set size (RSS) is its own: the
kernel reports, for a waited-for child, the largest RSS of that child and of every process it
waited for in turn (dbt subprocesses included), and nothing of the steps before it.
"""

from __future__ import annotations

import os
import pickle
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flows.engine import ShoplogError

T = TypeVar("T")


@dataclass(frozen=True)
class Measured(Generic[T]):
    value: T
    seconds: float
    peak_rss_mb: float


def measured(step: Callable[[], T]) -> Measured[T]:
    """Run step() in a forked child; return its value, wall seconds and peak RSS (MB).

    A ShoplogError in the child is raised again here with its message; any other exception
    becomes a ShoplogError carrying the child's traceback's last line.
    """
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run, send the outcome, leave without running parent cleanup
        os.close(read_end)
        try:
            outcome: tuple[str, object] = ("ok", step())
        except ShoplogError as exc:
            outcome = ("error", str(exc))
        except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
            outcome = ("error", f"{type(exc).__name__}: {exc} ({_where(exc)})")
        with os.fdopen(write_end, "wb") as pipe:
            pickle.dump(outcome, pipe)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - started
    if not payload:
        raise ShoplogError(f"benchmark step died (wait status {status}) before it finished")
    kind, value = pickle.loads(payload)
    if kind == "error":
        raise ShoplogError(str(value))
    return Measured(value, seconds, usage.ru_maxrss / 1024)  # type: ignore[arg-type]


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
