"""`dbt build`, then `dbt retry` of only what failed or was skipped, a bounded number of times.

A transient failure (a table locked by someone's query, a dropped connection) should cost the
failed nodes and their descendants, not a rebuild of everything that already succeeded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.dbt_runner.results import DbtResult, NodeResult
from flows.dbt_runner.runner import DEFAULT_TIMEOUT_S, run_dbt
from flows.dbt_runner.watermark import NEW_BATCHES_AFTER_ENV, built_watermark
from flows.engine import Target

# Called after every dbt command with its result and its attempt number (1 = the build itself).
ResultSink = Callable[[DbtResult, int], None]


@dataclass(frozen=True)
class BuildOutcome:
    """Every dbt command of one build: the build itself, then its retries."""

    attempts: tuple[DbtResult, ...]

    @property
    def final(self) -> DbtResult:
        return self.attempts[-1]

    @property
    def ok(self) -> bool:
        return self.final.ok

    @property
    def retries(self) -> int:
        """The `dbt retry` commands run; not the other commands of the build, such as the
        rebuild of the views a partial build dropped."""
        return sum(1 for attempt in self.attempts if attempt.args[:1] == ("retry",))

    @property
    def seconds(self) -> float:
        """Time spent in dbt subprocesses, all attempts together."""
        return sum(attempt.seconds for attempt in self.attempts)

    @property
    def nodes(self) -> tuple[NodeResult, ...]:
        """Each node's latest result: a retried node's outcome replaces its earlier one."""
        latest: dict[str, NodeResult] = {}
        for attempt in self.attempts:
            for node in attempt.nodes:
                latest[node.unique_id] = node
        return tuple(latest.values())

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.status] = counts.get(node.status, 0) + 1
        return counts

    def failure_summary(self) -> str:
        """One line naming what still fails, with its first error line."""
        if not self.retries:
            return self.final.failure_summary()
        attempts = self.retries + 1
        return f"dbt build failed after {attempts} attempts; {self.final.failure_summary()}"


def retryable(result: DbtResult) -> bool:
    """Whether `dbt retry` would rerun something: a node failed, and dbt recorded it.

    A timeout leaves no run_results to retry from, and a failed on-run-start/end hook is an
    `operation` node that dbt retry never reruns: retrying either would "succeed" without
    building anything.
    """
    return not result.timed_out and any(
        not node.unique_id.startswith("operation.") for node in result.failures
    )


def build_with_retries(
    target: Target,
    select: str | None = None,
    full_refresh: bool = False,
    *,
    retries: int = 0,
    retry_delay_s: float = 0.0,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    target_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    on_result: ResultSink | None = None,
    unit_tests: bool = False,
    extra_args: Sequence[str] = (),
) -> BuildOutcome:
    """`dbt build`; while it fails, up to `retries` times `dbt retry` (the failed and skipped
    nodes only, with the build's own selection and flags) in the same target path.
    extra_args go to `dbt build` as they are (e.g. `--defer --state DIR`)."""
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, not {retries}")
    new_after = None if full_refresh else built_watermark(target)
    env = scoped_tests_env(new_after)
    args = [*build_args(select, full_refresh, unit_tests), *extra_args]
    attempts = [_run(args, target, timeout_s, target_path, on_line, env)]
    if on_result is not None:
        on_result(attempts[-1], 1)
    while len(attempts) <= retries and retryable(attempts[-1]):
        time.sleep(retry_delay_s)
        attempts.append(_run(["retry"], target, timeout_s, target_path, on_line, env))
        if on_result is not None:
            on_result(attempts[-1], len(attempts))
    return BuildOutcome(tuple(attempts))


def scoped_tests_env(new_after: int | None) -> dict[str, str]:
    """The environment that scopes the tests of the big incremental models to the batches
    this build adds (new_after: the built watermark). An environment variable, not a dbt var:
    dbt re-parses the whole project when its vars change, and this one changes on every build
    (macros test_unique_combination and default__get_where_subquery read it only when a test
    runs)."""
    return {} if new_after is None else {NEW_BATCHES_AFTER_ENV: str(new_after)}


def build_args(select: str | None, full_refresh: bool, unit_tests: bool = False) -> list[str]:
    """The `dbt build` arguments. Unit tests, and the
    singular tests of our macros (tag macro_test), are left to `shoplog quality` and CI unless
    asked for: they check code, not data, so rerunning them on every scheduled build only
    costs time (dbt's own advice for unit tests in production builds)."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test", "--exclude", "tag:macro_test"]
    return args


def _run(
    args: Sequence[str],
    target: Target,
    timeout_s: float,
    target_path: Path | None,
    on_line: Callable[[str], None] | None,
    env: dict[str, str],
) -> DbtResult:
    return run_dbt(
        args, target, timeout_s=timeout_s, target_path=target_path, on_line=on_line, env=env
    )
