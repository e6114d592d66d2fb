"""The SLA file (quality/slas.yml) read into typed, validated records.

Thresholds live only in the YAML; this module knows their shape and rejects a file it cannot
honour (an unknown key, a missing threshold, a bad severity) with one clear line, so a typo
never silently turns a check off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, cast

import yaml

from flows.engine import ShoplogError, project_root

Severity = Literal["error", "warn"]
SEVERITIES: tuple[Severity, ...] = ("error", "warn")
SOURCES = ("web_events", "shopify_orders", "braintree_transactions")
# schema.table or a plain identifier: names are put into SQL, so nothing else is accepted
RELATION = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class FreshnessSla:
    source: str
    max_age_hours: float
    severity: Severity


@dataclass(frozen=True)
class VolumeSla:
    source: str
    relation: str
    day_column: str
    k: float
    min_history_days: int
    window_days: int
    check_days: int
    ignore_newest_days: int
    severity: Severity


@dataclass(frozen=True)
class QuarantineRateSla:
    source: str
    max_rate: float
    batches: int
    min_rows: int  # fewer raw rows than this in those batches: too few to judge a rate
    severity: Severity


@dataclass(frozen=True)
class NullRateSla:
    relation: str
    column: str
    max_rate: float
    severity: Severity


@dataclass(frozen=True)
class Slas:
    freshness: tuple[FreshnessSla, ...]
    volume: tuple[VolumeSla, ...]
    quarantine_rate: tuple[QuarantineRateSla, ...]
    null_rate: tuple[NullRateSla, ...]


KINDS: dict[str, type] = {
    "freshness": FreshnessSla,
    "volume": VolumeSla,
    "quarantine_rate": QuarantineRateSla,
    "null_rate": NullRateSla,
}


def default_sla_path() -> Path:
    return project_root() / "quality" / "slas.yml"


def load_slas(path: Path | None = None) -> Slas:
    """The SLAs of the file (default quality/slas.yml); ShoplogError when it is invalid."""
    path = path or default_sla_path()
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ShoplogError(f"cannot read the SLA file {path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("version") != 1:
        raise ShoplogError(f"{path}: expected a mapping with `version: 1`")
    unknown = set(document) - {"version", *KINDS}
    if unknown:
        raise ShoplogError(f"{path}: unknown SLA kind(s) {', '.join(sorted(unknown))}")
    parsed = {kind: parse_kind(path, kind, document.get(kind)) for kind in KINDS}
    return Slas(**parsed)


def parse_kind(path: Path, kind: str, section: Any) -> tuple[Any, ...]:
    if section is None:
        return ()
    if not isinstance(section, dict) or not isinstance(section.get("checks", []), list):
        raise ShoplogError(f"{path}: `{kind}` must be a mapping with `defaults` and `checks`")
    defaults = section.get("defaults") or {}
    return tuple(
        build(path, kind, index, {**defaults, **entry})
        for index, entry in enumerate(section.get("checks") or [])
    )


def build(path: Path, kind: str, index: int, entry: dict[str, Any]) -> Any:
    record_type = KINDS[kind]
    where = f"{path}: {kind} check {index + 1}"
    names = {f.name: f for f in fields(record_type)}
    unknown = set(entry) - set(names)
    missing = set(names) - set(entry)
    if unknown or missing:
        problems = [f"unknown {', '.join(sorted(unknown))}"] if unknown else []
        problems += [f"missing {', '.join(sorted(missing))}"] if missing else []
        raise ShoplogError(f"{where}: {'; '.join(problems)}")
    values: dict[str, Any] = {}
    for name, field in names.items():
        values[name] = coerce(where, name, field.type, entry[name])
    record = record_type(**values)
    check_values(where, record)
    return record


def coerce(where: str, name: str, type_name: Any, value: Any) -> Any:
    """A YAML value as the field's type (fields are annotated as strings: __future__)."""
    try:
        if type_name == "float":
            return float(value)
        if type_name == "int":
            if isinstance(value, bool) or int(value) != value:
                raise ValueError(value)
            return int(value)
        if type_name == "Severity":
            if value not in SEVERITIES:
                raise ValueError(value)
            return cast(Severity, value)
        return str(value)
    except (TypeError, ValueError):
        raise ShoplogError(f"{where}: bad {name} {value!r}") from None


def check_values(where: str, record: Any) -> None:
    source = getattr(record, "source", None)
    if source is not None and source not in SOURCES:
        raise ShoplogError(f"{where}: unknown source {source!r} (one of {', '.join(SOURCES)})")
    relation = getattr(record, "relation", None)
    if relation is not None and not RELATION.match(relation):
        raise ShoplogError(f"{where}: relation must be schema.table, got {relation!r}")
    for name in ("column", "day_column"):
        column = getattr(record, name, None)
        if column is not None and not IDENTIFIER.match(column):
            raise ShoplogError(f"{where}: bad {name} {column!r}")
    rate = getattr(record, "max_rate", None)
    if rate is not None and not 0 <= rate <= 1:
        raise ShoplogError(f"{where}: max_rate must be between 0 and 1")
    if isinstance(record, VolumeSla) and (
        record.k <= 0 or record.min_history_days < 2 or record.window_days < record.min_history_days
    ):
        raise ShoplogError(f"{where}: need k > 0 and 2 <= min_history_days <= window_days")
    for name in ("check_days", "batches"):
        value = getattr(record, name, None)
        if value is not None and value < 1:
            raise ShoplogError(f"{where}: {name} must be at least 1")
