"""The project's dbt tests as quality outcomes, so the gate and its history cover them too.

A build already runs them; the scheduled quality run runs them again on their own (`dbt
test`) because data can go stale or be edited between builds. Each test keeps the severity
it is configured with in YAML (see models/_tests.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from flows.dbt_runner import DbtResult, NodeResult, default_target_path, run_dbt
from flows.engine import Target
from flows.quality.report import Outcome
from flows.quality.slas import Severity

SUITE = "dbt_tests"
TEST_TYPES = ("test", "unit_test")


def quality_target_path(target: Target) -> Path:
    """dbt artifacts of quality runs, apart from the build's (whose run_results a `dbt retry`
    of the build reads)."""
    base = default_target_path(target)
    return base.with_name(f"{base.name}-quality")


def dbt_test_outcomes(
    target: Target,
    extra_args: Sequence[str] = (),
    on_line: Callable[[str], None] | None = None,
) -> list[Outcome]:
    """Run `dbt test` (plus extra_args, e.g. a selection) and return one outcome per test.

    on_line gets one line before and one after, not dbt's output (hundreds of lines).
    """
    path = quality_target_path(target)
    if on_line is not None:
        on_line("quality: running dbt test")
    result = run_dbt(["test", *extra_args], target, target_path=path)
    outcomes = outcomes_of(result, configured_severities(path / "manifest.json"))
    if on_line is not None:
        failed = sum(1 for o in outcomes if not o.success)
        on_line(f"quality: dbt test: {len(outcomes)} tests, {failed} failed")
    return outcomes


def outcomes_of(result: DbtResult, severities: dict[str, Severity]) -> list[Outcome]:
    outcomes = [
        to_outcome(node, severities.get(node.unique_id, "error"))
        for node in result.nodes
        if node.resource_type in TEST_TYPES
    ]
    if not result.ok and not any(not o.success for o in outcomes):
        # dbt failed before or around its tests (a parse error, a hook): the gate must see it
        outcomes.append(
            Outcome(SUITE, "dbt_test_runs", None, False, result.failure_summary(), "error")
        )
    return outcomes


def to_outcome(node: NodeResult, configured: Severity) -> Outcome:
    # dbt reports a failing warn-severity test as status "warn", a failing error one as "fail"
    # (or "error" when its SQL broke); the configured severity is the one a pass would carry.
    success = node.status in ("pass", "success")
    severity: Severity = "warn" if node.status == "warn" else configured
    if not success and node.status != "warn":
        severity = "error"
    return Outcome(
        suite=SUITE,
        expectation=node.name,
        column=None,
        success=success,
        observed_value=node.status if success else f"{node.status}: {node.first_error_line}",
        severity=severity,
    )


def configured_severities(manifest_path: Path) -> dict[str, Severity]:
    if not manifest_path.exists():
        return {}
    nodes = json.loads(manifest_path.read_text()).get("nodes", {})
    return {
        unique_id: "warn"
        if str(node.get("config", {}).get("severity", "")).lower() == "warn"
        else "error"
        for unique_id, node in nodes.items()
        if node.get("resource_type") in TEST_TYPES
    }
