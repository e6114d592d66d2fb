"""Defect injection: which records break, and how each defect class breaks one.

A defective record carries exactly one defect and is still written, because the loader must
keep it and the warehouse must quarantine it. Classes are drawn uniformly per record from the
ones that apply to the source, so each class gets defect_rate / len(classes) of the records.
Duplicates and late arrivals are delivery realism, not defects; their labels live here too so
the ground truth has one vocabulary.
"""

from __future__ import annotations

import json
import random
from typing import Any

WEB_CLASSES = (
    "malformed_json",
    "truncated_line",
    "missing_field",
    "mistyped_field",
    "unknown_event_type",
    "invalid_utf8",
    "impossible_value",
)
SHOPIFY_CLASSES = (
    "malformed_json",
    "truncated_line",
    "missing_field",
    "mistyped_field",
    "invalid_utf8",
)
BRAINTREE_CLASSES = (
    "wrong_column_count",
    "missing_field",
    "mistyped_field",
    "invalid_utf8",
    "malformed_json",
)
DUPLICATE = "duplicate"
LATE = "late"


def expected_outcome(label: str) -> str:
    """What a correct pipeline does with a labelled line."""
    if label == DUPLICATE:
        return "duplicate"
    if label == LATE:
        return "staged"
    return "quarantine"


# Lone surrogates written with errors="surrogateescape" become the raw bytes 0xFF 0xFE: bytes
# that can never occur in UTF-8. Lines stay str until the sink encodes a whole chunk at once.
BAD_BYTES = "\udcff\udcfe"

_NOT_NUMBERS = ("abc", "N/A", "two", "12.5.0")
_NOT_TIMESTAMPS = ("yesterday", "N/A", "not-a-date", "soon")
_UNKNOWN_TYPES = ("page_veiw", "scroll", "PageView", "add-to-cart", "video_play", "purchse")
_IMPOSSIBLE_QUANTITIES = (0, -1, -3, 1001, 5000, 99999)


class DefectPicker:
    """Decides per record whether it is defective and with which class."""

    __slots__ = ("_classes", "_random", "_rate", "_rng")

    def __init__(self, rng: random.Random, rate: float, classes: tuple[str, ...]) -> None:
        self._rng = rng
        self._random = rng.random
        self._rate = rate
        self._classes = classes

    @property
    def rng(self) -> random.Random:
        """The stream that also shapes each defect (so the world's streams are untouched)."""
        return self._rng

    @property
    def rate(self) -> float:
        return self._rate

    def pick(self) -> str | None:
        """One draw decides defective or not; a second, only when defective, picks the class."""
        if self._random() >= self._rate:
            return None
        return self.choose()

    def choose(self) -> str:
        return self._classes[self._rng.randrange(len(self._classes))]


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def malformed_json(text: str, rng: random.Random) -> str:
    """Break the syntax of a JSON object or array text in one of the ways buggy writers do."""
    way = rng.randrange(4)
    if way == 0:
        return text[:-1]  # closing brace / bracket missing
    if way == 1:
        return f"{text[:-1]},{text[-1]}"  # trailing comma
    if way == 2 and '","' in text:
        return text.replace('","', '",,"', 1)  # doubled comma
    brace = text.index("{")
    return text[: brace + 1] + text[brace + 2 :]  # first key loses its opening quote


def truncated(text: str, rng: random.Random) -> str:
    """A line cut in the middle (a writer killed mid-flush): never valid JSON."""
    return text[: rng.randint(max(1, len(text) // 4), len(text) - 2)]


def with_bad_bytes(text: str, anchor: str, rng: random.Random) -> str:
    """Invalid UTF-8 inside the string value that follows `anchor`."""
    at = text.index(anchor) + len(anchor) + rng.randint(1, 3)
    return text[:at] + BAD_BYTES + text[at:]


def web_defect(label: str, line: str, rng: random.Random) -> str:
    """The defective form of a clean web event line."""
    if label == "malformed_json":
        return malformed_json(line, rng)
    if label == "truncated_line":
        return truncated(line, rng)
    if label == "invalid_utf8":
        return with_bad_bytes(line, '"user_agent":"', rng)
    event = json.loads(line)
    if label == "missing_field":
        del event[rng.choice(("event_id", "event_type", "client_ts"))]
    elif label == "mistyped_field":
        key = rng.choice(("client_ts", "price", "quantity") if "price" in event else ("client_ts",))
        event[key] = rng.choice(_NOT_TIMESTAMPS if key == "client_ts" else _NOT_NUMBERS)
    elif label == "unknown_event_type":
        event["event_type"] = rng.choice(_UNKNOWN_TYPES)
    elif label == "impossible_value":
        if rng.random() < 0.5:
            event["price"] = -event["price"]
        else:
            event["quantity"] = rng.choice(_IMPOSSIBLE_QUANTITIES)
    else:
        raise ValueError(f"not a web_events defect class: {label}")
    return dumps(event)


def shopify_defect(label: str, order: dict[str, Any], rng: random.Random) -> str:
    """The defective form of one Shopify order version (the dict may be changed)."""
    if label == "malformed_json":
        return malformed_json(dumps(order), rng)
    if label == "truncated_line":
        return truncated(dumps(order), rng)
    if label == "invalid_utf8":
        return with_bad_bytes(dumps(order), '"first_name":"', rng)
    if label == "missing_field":
        del order[rng.choice(("id", "updated_at"))]
    elif label == "mistyped_field":
        price = order["total_price"]
        order["total_price"] = price.replace(".", ",") if rng.random() < 0.5 else "N/A"
    else:
        raise ValueError(f"not a shopify_orders defect class: {label}")
    return dumps(order)


def braintree_defect(label: str, fields: list[str], rng: random.Random) -> list[str]:
    """The defective form of one Braintree row's 12 fields."""
    fields = list(fields)
    if label == "wrong_column_count":
        if rng.random() < 0.5:
            del fields[rng.randrange(len(fields))]
        else:
            fields.insert(rng.randrange(len(fields) + 1), rng.choice(("", "USD", "1")))
    elif label == "missing_field":
        fields[rng.choice((0, 3))] = ""  # transaction_id or created_at
    elif label == "mistyped_field":
        fields[4] = "N/A"
    elif label == "invalid_utf8":
        value = fields[6]  # payment_instrument_type
        fields[6] = value[:3] + BAD_BYTES + value[3:]
    elif label == "malformed_json":
        fields[11] = malformed_json(fields[11], rng)
    else:
        raise ValueError(f"not a braintree_transactions defect class: {label}")
    return fields
