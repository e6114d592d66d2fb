"""A GX expectation result as one line of text for audit.dq_results and the artifact.

Aggregate expectations report an observed value; row-level ones report how many rows broke
them and which (named by the suite's index columns on small frames, else sample values).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

MAX_SHOWN = 5
MAX_CHARS = 500


def column_of(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column"):
        return str(kwargs["column"])
    if kwargs.get("column_A"):
        return f"{kwargs['column_A']},{kwargs.get('column_B', '')}"
    if kwargs.get("column_list"):
        return ",".join(str(c) for c in kwargs["column_list"])
    return None


def describe_result(result: dict[str, Any], exception_info: dict[str, Any]) -> str | None:
    message = exception_message(exception_info)
    if message:
        return clip(f"error: {message}")
    if "observed_value" in result:
        return clip(plain(result["observed_value"]))
    if "unexpected_count" not in result:
        return None
    count = result.get("unexpected_count") or 0
    total = result.get("element_count") or 0
    text = f"{count} of {total} rows unexpected"
    if total:
        text += f" ({count / total:.2%})"
    rows = result.get("unexpected_index_list") or []
    if count and rows and isinstance(rows[0], dict):
        first = list(result.get("unexpected_index_column_names") or [])
        text += ": " + "; ".join(
            ", ".join(f"{k}={plain(row[k])}" for k in sorted(row, key=by_position(first)))
            for row in rows[:MAX_SHOWN]
        )
    elif count and result.get("partial_unexpected_list"):
        sample = [plain(v) for v in result["partial_unexpected_list"][:MAX_SHOWN]]
        if set(sample) != {"null"}:  # a not-null expectation's sample says nothing more
            text += f", e.g. {', '.join(sample)}"
    return clip(text)


def by_position(first: list[str]) -> Any:
    """Sort key: the index columns in their order, then the checked column."""
    return lambda key: (first.index(key) if key in first else len(first), key)


def exception_message(info: dict[str, Any]) -> str | None:
    """GX nests exception info per metric in some versions: find any raised message."""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception").strip().splitlines()[0]
    for value in info.values():
        if isinstance(value, dict):
            found = exception_message(value)
            if found:
                return found
    return None


def plain(value: Any) -> str:
    """Readable text of a value: whole-day timestamps as dates, floats rounded."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, list | dict):
        value = value.item()  # numpy scalars
    if isinstance(value, float):
        return "null" if math.isnan(value) else f"{value:.6g}"
    text = str(value)
    # pandas' missing markers (pd.NA, NaT) print as <NA>/NaT: all are SQL's null
    return "null" if value is None or text in ("<NA>", "NaT") else text


def clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3] + "..."
