"""The ground truth a correct pipeline is scored against (written under out_dir/ground_truth/).

* identities.csv - identifier_type,identifier_value,person_id for every identifier value exactly
  as it appears in a clean record (junk values such as test@test.com have no person);
* defects.csv - file,line_number,source,defect_class,expected_outcome for every defective line,
  every duplicate copy and every late web event, sorted by file then line;
* totals.csv - date,channel,currency,orders,gross,refunds,net (see the package docstring for the
  definitions).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .csvline import csv_line
from .defects import expected_outcome
from .identity import EMAIL_FORMS, PHONE_FORMS, phone_form
from .money import cents_str
from .people import Person

GROUND_TRUTH_DIR = "ground_truth"
DEFECTS_HEADER = "file,line_number,source,defect_class,expected_outcome"
IDENTITIES_HEADER = "identifier_type,identifier_value,person_id"
TOTALS_HEADER = "date,channel,currency,orders,gross,refunds,net"


class DefectLog:
    """Labelled lines, streamed to one temporary file per source (a big run has millions).

    Each source writes its files day by day and line by line, so concatenating the sources in
    file-name order yields defects.csv already sorted without holding it in memory.
    """

    def __init__(self, directory: Path, sources: tuple[str, ...]) -> None:
        self._dir = directory
        self._parts: dict[str, IO[str]] = {}
        for source in sorted(sources):
            path = directory / f".defects.{source}.part"
            self._parts[source] = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115

    def add(self, file: str, line_number: int, source: str, label: str) -> None:
        self._parts[source].write(
            f"{file},{line_number},{source},{label},{expected_outcome(label)}\n"
        )

    def finish(self) -> Path:
        target = self._dir / "defects.csv"
        with open(target, "w", encoding="utf-8", newline="") as out:
            out.write(DEFECTS_HEADER + "\n")
            for handle in self._parts.values():
                handle.close()
                with open(handle.name, encoding="utf-8", newline="") as part:
                    shutil.copyfileobj(part, out)
                Path(handle.name).unlink()
        self._parts.clear()
        return target

    def close(self) -> None:
        """Drop the partial files after a failure."""
        for handle in self._parts.values():
            handle.close()
            Path(handle.name).unlink(missing_ok=True)
        self._parts.clear()


class Totals:
    """Clean revenue per (UTC date, channel, currency), in integer cents."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], list[int]] = {}

    def add(
        self,
        date: str,
        channel: str,
        currency: str,
        *,
        orders: int = 0,
        gross: int = 0,
        refunds: int = 0,
    ) -> None:
        row = self._rows.setdefault((date, channel, currency), [0, 0, 0])
        row[0] += orders
        row[1] += gross
        row[2] += refunds

    def write(self, path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(TOTALS_HEADER + "\n")
            for (date, channel, currency), (orders, gross, refunds) in sorted(self._rows.items()):
                money = (cents_str(gross), cents_str(refunds), cents_str(gross - refunds))
                out.write(f"{date},{channel},{currency},{orders},{','.join(money)}\n")


IDENTIFIER_TYPES = (  # in output order
    "anonymous_id",
    "braintree_customer_id",
    "email",
    "phone",
    "shopify_customer_id",
)


def write_identities(path: Path, people: list[Person], junk: dict[str, set[str]]) -> int:
    """Write identities.csv sorted by type then value; returns the number of rows.

    One pass over the people per identifier type, so only one type's rows are in memory at a
    time (a 10 M-event run has millions of identifiers).
    """
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(IDENTITIES_HEADER + "\n")
        for kind in IDENTIFIER_TYPES:
            # value NUL pid sorts exactly like (value, pid): NUL precedes every other character.
            keys = [f"{value}\0{pid}" for value, pid in _identifiers(kind, people)]
            keys += [f"{value}\0" for value in junk.get(kind, ())]
            keys.sort()
            for key in keys:
                value, pid = key.split("\0")
                out.write(csv_line([kind, value, pid]) + "\n")
            rows += len(keys)
    return rows


def _identifiers(kind: str, people: list[Person]) -> Iterator[tuple[str, str]]:
    """(value, person id) of one identifier type, for values seen in clean records."""
    for person in people:
        pid = person.pid
        if kind == "anonymous_id":
            for device in person.devices:
                if device.seen:
                    yield device.anonymous_id, pid
        elif kind == "email" and person.email is not None:
            forms = [person.email_as(k) for k in range(EMAIL_FORMS) if person.email_used >> k & 1]
            for value in dict.fromkeys(forms):  # two forms may spell the same text
                yield value, pid
        elif kind == "phone" and person.phone is not None:
            for k in range(PHONE_FORMS):
                if person.phone_used >> k & 1:
                    yield phone_form(person.phone, k), pid
        elif kind == "shopify_customer_id" and person.in_shopify:
            yield str(person.shopify_customer_id), pid
        elif kind == "braintree_customer_id" and person.in_braintree:
            yield str(person.braintree_customer_id), pid
