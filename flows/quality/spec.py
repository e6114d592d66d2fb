"""Suites as plain data: what to read and what to expect of it, before any GX object exists.

Keeping them GX-free makes the plans cheap to build and test (GX takes seconds to import) and
lets the runner turn the same spec into a pandas asset on DuckDB or a query asset on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.quality.slas import Severity


@dataclass(frozen=True)
class ExpectationSpec:
    """A GX expectation by class name (e.g. ExpectColumnValuesToNotBeNull) and its arguments."""

    type: str
    kwargs: dict[str, Any]
    severity: Severity = "error"

    @property
    def columns(self) -> tuple[str, ...]:
        """The query columns it reads (to drop it when an optional table lacks them)."""
        names = [self.kwargs.get(key) for key in ("column", "column_A", "column_B")]
        names += list(self.kwargs.get("column_list") or [])
        return tuple(name for name in names if name)


@dataclass(frozen=True)
class SuiteSpec:
    """One expectation suite over the rows of one query of the warehouse.

    `relation` is what the query reads (its existence guards the suite); `requires` its columns
    the query names. `optional` suites are skipped while their relation is not built, and
    drop the expectations on columns it does not have; a required suite fails instead.
    `index_columns` name the unexpected rows of a small derived frame in the results.
    """

    name: str
    relation: tuple[str, str]
    query: str
    expectations: tuple[ExpectationSpec, ...]
    requires: tuple[str, ...] = ()
    optional: bool = False
    index_columns: tuple[str, ...] = ()


def expect(type_name: str, severity: Severity = "error", **kwargs: Any) -> ExpectationSpec:
    return ExpectationSpec(type_name, kwargs, severity)
