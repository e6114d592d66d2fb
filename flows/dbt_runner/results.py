"""dbt's run_results.json as plain, typed records."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
WHERE_HEADER = re.compile(r"^\w+ Error in \w+ \S+ \(.*\)$")


@dataclass(frozen=True)
class NodeResult:
    unique_id: str
    name: str
    resource_type: str
    status: str
    seconds: float
    rows_affected: int | None
    message: str

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def first_error_line(self) -> str:
        """The first line that says what went wrong (dbt's 'Runtime Error in model X' header
        only repeats where)."""
        lines = [line.strip() for line in (self.message or "").splitlines() if line.strip()]
        for line in lines:
            if not WHERE_HEADER.match(line):
                return line
        return lines[0] if lines else self.status


@dataclass(frozen=True)
class DbtResult:
    args: tuple[str, ...]
    returncode: int
    seconds: float
    nodes: tuple[NodeResult, ...] = field(default_factory=tuple)
    output_tail: str = ""
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def failures(self) -> tuple[NodeResult, ...]:
        return tuple(node for node in self.nodes if node.failed)

    def failure_summary(self) -> str:
        """One line naming what failed: the failing nodes with their first error line."""
        command = "dbt " + " ".join(self.args[:1])
        if self.timed_out:
            return f"{command} timed out after {self.seconds:.0f}s and was killed"
        if self.failures:
            parts = [f"{n.name} ({n.first_error_line})" for n in self.failures[:5]]
            more = len(self.failures) - 5
            return (
                f"{command} failed: " + "; ".join(parts) + (f"; +{more} more" if more > 0 else "")
            )
        return f"{command} failed: {self.error_from_output() or f'exit code {self.returncode}'}"

    def error_from_output(self) -> str:
        """The first line that says what went wrong when no node failed (a hook, a parse error):
        the line after dbt's 'Encountered an error' or '<Kind> Error in <node>' header."""
        lines = [line.strip() for line in self.output_tail.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            if line.endswith("Encountered an error:") or WHERE_HEADER.match(line):
                for following in lines[index + 1 :]:
                    if not (WHERE_HEADER.match(following) or following.startswith(">")):
                        return following
        return lines[-1] if lines else ""

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.status] = counts.get(node.status, 0) + 1
        return counts


def read_run_results(path: Path) -> tuple[NodeResult, ...]:
    """The nodes of a run_results.json; empty when dbt wrote none (e.g. it failed to parse).

    Tests are named by what they check, e.g. `unique(stg_web__events.event_id)`, from the
    manifest beside it: dbt's own names for long tests are hashes nobody can read.
    """
    if not path.exists():
        return ()
    data = json.loads(path.read_text())
    manifest_path = path.with_name("manifest.json")
    manifest_nodes = (
        json.loads(manifest_path.read_text()).get("nodes", {}) if manifest_path.exists() else {}
    )
    nodes = []
    for result in data.get("results", []):
        unique_id = result.get("unique_id", "")
        response = result.get("adapter_response") or {}
        nodes.append(
            NodeResult(
                unique_id=unique_id,
                name=readable_name(unique_id, manifest_nodes.get(unique_id, {})),
                resource_type=unique_id.split(".")[0] if unique_id else "",
                status=str(result.get("status", "")),
                seconds=float(result.get("execution_time") or 0.0),
                rows_affected=response.get("rows_affected"),
                message=str(result.get("message") or ""),
            )
        )
    return tuple(nodes)


def readable_name(unique_id: str, node: dict) -> str:
    """A node's name; for a generic data test, `test_name(model.column)`."""
    metadata = node.get("test_metadata")
    if not metadata:
        return unique_id.split(".")[-1] if unique_id else ""
    attached = (node.get("attached_node") or "").split(".")[-1]
    column = node.get("column_name")
    subject = f"{attached}.{column}" if column else attached
    return f"{metadata.get('name', 'test')}({subject})"
