"""What a quality run found: one outcome per expectation, and the gate's verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flows.quality.slas import Severity


@dataclass(frozen=True)
class Outcome:
    """One expectation of one suite in one run (a row of audit.dq_results)."""

    suite: str
    expectation: str
    column: str | None
    success: bool
    observed_value: str | None
    severity: Severity
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def blocks_gate(self) -> bool:
        return not self.success and self.severity == "error"


@dataclass(frozen=True)
class QualityReport:
    run_id: str
    run_at: datetime
    target: str
    outcomes: tuple[Outcome, ...]
    docs_index: Path | None = None
    # suites not run because what they validate is not built (yet): name -> why
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.blocks_gate)

    @property
    def warnings(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.success and o.severity == "warn")

    @property
    def passed(self) -> bool:
        """The gate: no error-level expectation failed (warnings never block)."""
        return not self.errors

    @property
    def suites(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.suite for o in self.outcomes))

    def failed_in(self, suite_prefix: str) -> tuple[Outcome, ...]:
        """Failed outcomes of the suites whose name starts with the prefix."""
        return tuple(o for o in self.outcomes if not o.success and o.suite.startswith(suite_prefix))

    def summary(self) -> str:
        """One line: the verdict and the first failures."""
        head = (
            f"quality run {self.run_id} on {self.target}: {len(self.outcomes)} expectations "
            f"in {len(self.suites)} suites, {len(self.errors)} error(s), "
            f"{len(self.warnings)} warning(s)"
        )
        if not self.errors:
            return head + " - gate passed"
        first = "; ".join(describe(o) for o in self.errors[:3])
        more = len(self.errors) - 3
        return head + f" - gate FAILED: {first}" + (f"; +{more} more" if more > 0 else "")

    def table_rows(self) -> list[dict[str, Any]]:
        """The outcomes for a table artifact: failures first (errors, then warnings)."""
        ordered = sorted(self.outcomes, key=lambda o: (o.success, o.severity != "error"))
        return [
            {
                "suite": o.suite,
                "expectation": o.expectation,
                "column": o.column or "",
                "severity": o.severity,
                "success": o.success,
                "observed": o.observed_value or "",
            }
            for o in ordered
        ]


def describe(outcome: Outcome) -> str:
    column = f"({outcome.column})" if outcome.column else ""
    return f"{outcome.suite}: {outcome.expectation}{column} observed {outcome.observed_value}"
