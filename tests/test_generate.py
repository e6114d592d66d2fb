"""The demo-data generator: determinism, realism, defects and a ground truth that holds.

Every check reads the written files independently (its own parser, contract checks and
normalization rules, written from the documented definitions) and compares with the ground
truth, instead of comparing with outputs of an earlier run.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.generate import generate

SOURCES = ("web_events", "shopify_orders", "braintree_transactions")
EVENT_TYPES = {
    "page_view",
    "product_view",
    "add_to_cart",
    "checkout_started",
    "purchase",
    "identify",
    "search",
}
CLASSES = {
    "web_events": (
        "malformed_json",
        "truncated_line",
        "missing_field",
        "mistyped_field",
        "unknown_event_type",
        "invalid_utf8",
        "impossible_value",
    ),
    "shopify_orders": (
        "malformed_json",
        "truncated_line",
        "missing_field",
        "mistyped_field",
        "invalid_utf8",
    ),
    "braintree_transactions": (
        "wrong_column_count",
        "missing_field",
        "mistyped_field",
        "invalid_utf8",
        "malformed_json",
    ),
}
BRAINTREE_HEADER = (
    "transaction_id,type,status,created_at,amount,currency_iso_code,payment_instrument_type,"
    "customer_id,customer_email,customer_phone,order_id,line_items_json"
)
COUNTED = {"settled", "submitted_for_settlement", "settling"}
JUNK = {("email", "test@test.com"), ("phone", "0000000000")}
WEB_REQUIRED = ("event_id", "event_type", "anonymous_id", "client_ts", "received_at", "page_url")
ISO_MS_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DECIMAL_2 = re.compile(r"^-?\d+\.\d\d$")
FILE_DATE = re.compile(r"_(\d{4}-\d\d-\d\d)\.")


# --- reading the files, independently of the generator --------------------------------------


@dataclass
class Line:
    source: str
    file: str
    number: int  # 1-based physical line (the CSV header is line 1)
    raw: bytes
    defect: str | None = None  # what our own contract check finds
    record: Any = None  # parsed JSON object or CSV fields when clean

    @property
    def day(self) -> dt.date:
        match = FILE_DATE.search(self.file)
        assert match, self.file
        return dt.date.fromisoformat(match.group(1))


@dataclass
class Dataset:
    out: Path
    summary: Any
    lines: dict[str, list[Line]] = field(default_factory=dict)
    truth_defects: list[dict[str, str]] = field(default_factory=list)
    identities: list[dict[str, str]] = field(default_factory=list)

    def by_position(self) -> dict[tuple[str, int], Line]:
        return {(ln.file, ln.number): ln for source in SOURCES for ln in self.lines[source]}

    def labelled(self, outcome: str) -> set[tuple[str, int]]:
        return {
            (row["file"], int(row["line_number"]))
            for row in self.truth_defects
            if row["expected_outcome"] == outcome
        }


def physical_lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    assert data.endswith(b"\n"), f"{path.name} does not end with a newline"
    return data[:-1].split(b"\n")


def parse_ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_web(raw: bytes) -> tuple[str | None, Any]:
    """The event contract: the defect class a line breaks, or None and the event."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8", None
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        return "unparseable", None
    if not isinstance(event, dict):
        return "unparseable", None
    if any(key not in event for key in WEB_REQUIRED):
        return "missing_field", None
    if event["event_type"] not in EVENT_TYPES:
        return "unknown_event_type", None
    if not isinstance(event["client_ts"], str) or not ISO_MS_Z.match(event["client_ts"]):
        return "mistyped_field", None
    price, quantity = event.get("price", 0), event.get("quantity", 1)
    if isinstance(price, bool) or not isinstance(price, int | float):
        return "mistyped_field", None
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        return "mistyped_field", None
    if price < 0 or not 0 < quantity <= 1000:
        return "impossible_value", None
    return None, event


def check_shopify(raw: bytes) -> tuple[str | None, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8", None
    try:
        order = json.loads(text)
    except json.JSONDecodeError:
        return "unparseable", None
    if "id" not in order or "updated_at" not in order:
        return "missing_field", None
    if not isinstance(order["total_price"], str) or not DECIMAL_2.match(order["total_price"]):
        return "mistyped_field", None
    return None, order


def check_braintree(raw: bytes) -> tuple[str | None, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8", None
    fields = next(csv.reader([text]))
    if len(fields) != 12:
        return "wrong_column_count", None
    if not fields[0] or not fields[3]:
        return "missing_field", None
    if not DECIMAL_2.match(fields[4]):
        return "mistyped_field", None
    try:
        json.loads(fields[11])
    except json.JSONDecodeError:
        return "malformed_json", None
    return None, fields


CHECKS = {"web_events": check_web, "shopify_orders": check_shopify}
CHECKS["braintree_transactions"] = check_braintree


def read_dataset(out: Path, summary: Any) -> Dataset:
    data = Dataset(out=out, summary=summary)
    for source in SOURCES:
        lines: list[Line] = []
        for path in sorted(out.glob(f"{source}_*")):
            raw_lines = physical_lines(path)
            start = 1
            if source == "braintree_transactions":
                assert raw_lines[0].decode() == BRAINTREE_HEADER
                raw_lines, start = raw_lines[1:], 2
            for number, raw in enumerate(raw_lines, start=start):
                defect, record = CHECKS[source](raw)
                lines.append(Line(source, path.name, number, raw, defect, record))
        data.lines[source] = lines
    with open(out / "ground_truth" / "defects.csv", newline="", encoding="utf-8") as handle:
        data.truth_defects = list(csv.DictReader(handle))
    with open(out / "ground_truth" / "identities.csv", newline="", encoding="utf-8") as handle:
        data.identities = list(csv.DictReader(handle))
    return data


def norm_email(value: str) -> str:
    email = value.strip(" ").lower()
    local, domain = email.rsplit("@", 1)
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.split("+")[0].replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def norm_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return "1" + digits if len(digits) == 10 else digits


def sha256_tree(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def first_copies(lines: list[Line]) -> list[Line]:
    """Clean lines without the copies a correct pipeline drops as duplicates: a web event is
    known by its event_id (a copy differs in received_at), anything else by its bytes."""
    seen: set[object] = set()
    kept = []
    for line in lines:
        if line.defect is None:
            key = line.record["event_id"] if line.source == "web_events" else line.raw
            if key not in seen:
                seen.add(key)
                kept.append(line)
    return kept


# --- data sets, generated once per module ------------------------------------------------------


@pytest.fixture(scope="module")
def main(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Three weeks at a raised defect rate: long enough for refunds and late arrivals."""
    out = tmp_path_factory.mktemp("main")
    summary = generate(out, seed=11, events=30_000, days=21, defect_rate=0.05)
    return read_dataset(out, summary)


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """Many defects, so per-class rates can be told apart statistically."""
    out = tmp_path_factory.mktemp("noisy")
    summary = generate(out, seed=5, events=100_000, days=14, defect_rate=0.3)
    return read_dataset(out, summary)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    out = tmp_path_factory.mktemp("clean")
    summary = generate(out, seed=3, events=8_000, days=5, defect_rate=0.0)
    return read_dataset(out, summary)


# --- arguments, determinism, formats -----------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"events": 0},
        {"events": -5},
        {"days": 0},
        {"defect_rate": -0.01},
        {"defect_rate": 0.51},
        {"defect_rate": math.nan},
        {"events": 1.5},
        {"start": dt.datetime(2026, 9, 1, 12)},
    ],
)
def test_bad_arguments_raise_value_error(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists(), "nothing is written before the arguments are checked"


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    args = {"events": 5_000, "days": 4, "defect_rate": 0.05}
    generate(tmp_path / "a", seed=9, **args)
    generate(tmp_path / "b", seed=9, **args)
    generate(tmp_path / "c", seed=10, **args)
    first, second, other = (sha256_tree(tmp_path / name) for name in "abc")
    assert len(first) == 3 * 4 + 4  # a file per source per day, plus the ground truth
    assert first == second
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)


def test_the_defect_rate_breaks_records_but_keeps_the_world(tmp_path: Path) -> None:
    """Defects come from their own random stream: the people, sessions and orders stay."""
    worlds = []
    for rate in (0.0, 0.2):
        generate(tmp_path / str(rate), seed=8, events=6_000, days=3, defect_rate=rate)
        data = read_dataset(tmp_path / str(rate), None)
        events = {}
        for line in first_copies(data.lines["web_events"]):
            event = dict(line.record)
            del event["received_at"]  # repeats of broken records are not drawn: delays shift
            events[event["event_id"]] = event
        orders = {
            line.record["name"]: (line.record["id"], line.record["line_items"])
            for line in first_copies(data.lines["shopify_orders"])
        }
        worlds.append((events, orders))
    (events, orders), (noisy_events, noisy_orders) = worlds
    assert len(events) == 6_000
    assert 0.75 * 6_000 < len(noisy_events) < 0.85 * 6_000
    assert all(events[key] == value for key, value in noisy_events.items())
    assert noisy_orders and all(orders[key] == value for key, value in noisy_orders.items())


def test_gzip_output_decompresses_to_the_plain_bytes(tmp_path: Path) -> None:
    args = {"seed": 4, "events": 3_000, "days": 3}
    plain = generate(tmp_path / "plain", **args)
    packed = generate(tmp_path / "gz", gzip=True, **args)
    generate(tmp_path / "gz2", gzip=True, **args)
    data_files = [p for p in plain.files if p.parent == tmp_path / "plain"]
    assert len(data_files) == 9
    for path in data_files:
        gz = tmp_path / "gz" / f"{path.name}.gz"
        assert gz in packed.files
        assert gzip.decompress(gz.read_bytes()) == path.read_bytes()
        # fixed mtime: compressed bytes are reproducible too
        assert gz.read_bytes() == (tmp_path / "gz2" / gz.name).read_bytes()
    for name in ("defects.csv", "identities.csv", "totals.csv"):
        plain_text = (tmp_path / "plain" / "ground_truth" / name).read_text()
        gz_text = (tmp_path / "gz" / "ground_truth" / name).read_text()
        assert gz_text == plain_text.replace(".jsonl,", ".jsonl.gz,").replace(".csv,", ".csv.gz,")


def test_progress_is_reported_and_nothing_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[int, int]] = []
    generate(
        tmp_path, events=25_000, days=3, progress=lambda done, total: calls.append((done, total))
    )
    assert capsys.readouterr() == ("", "")
    assert len(calls) >= 3
    assert calls[-1] == (25_000, 25_000)
    assert all(total == 25_000 for _, total in calls)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})


def test_clean_run_has_only_valid_records(clean: Dataset) -> None:
    for source in SOURCES:
        assert clean.lines[source], source
        assert all(line.defect is None for line in clean.lines[source]), source
    for line in clean.lines["web_events"]:
        event = line.record
        assert parse_ts(event["received_at"]) >= parse_ts(event["client_ts"])
        assert ("user_email" in event) == (event["event_type"] in {"identify", "purchase"})
        has_product = event["event_type"] in {"product_view", "add_to_cart", "purchase"}
        assert ("sku" in event) == ("price" in event) == ("quantity" in event) == has_product
        assert ("order_ref" in event) == (event["event_type"] == "purchase")
        assert None not in event.values()
    assert {row["defect_class"] for row in clean.truth_defects} <= {"duplicate", "late"}


def test_every_line_is_accounted_for(main: Dataset) -> None:
    summary = main.summary
    truth = json.loads((main.out / "ground_truth" / "summary.json").read_text())
    for source in SOURCES:
        lines = main.lines[source]
        assert summary.records[source] == len(lines) == truth["records"][source]
        labels = Counter(
            row["defect_class"] for row in main.truth_defects if row["source"] == source
        )
        assert summary.defects[source] == {c: labels[c] for c in CLASSES[source]}
        assert summary.duplicates[source] == labels["duplicate"]
    # events counts distinct web events: everything else on top is a duplicate copy
    assert len(main.lines["web_events"]) - summary.duplicates["web_events"] == 30_000
    positions = main.by_position()
    rows = [(row["file"], int(row["line_number"])) for row in main.truth_defects]
    assert rows == sorted(rows), "defects.csv is sorted by file, then line"
    assert len(set(rows)) == len(rows), "one label per line"
    assert all(position in positions for position in rows), "labels point at real lines"


# --- defects ---------------------------------------------------------------------------------


def test_labelled_defects_are_really_defective_and_nothing_else_is(main: Dataset) -> None:
    positions = main.by_position()
    quarantined = main.labelled("quarantine")
    for row in main.truth_defects:
        line = positions[(row["file"], int(row["line_number"]))]
        assert row["source"] == line.source
        if row["expected_outcome"] != "quarantine":
            assert line.defect is None, row
            continue
        expected = row["defect_class"]
        if line.source != "braintree_transactions" and expected in {
            "malformed_json",
            "truncated_line",
        }:
            expected = "unparseable"  # no reader can tell a cut line from a broken one
        assert line.defect == expected, (row, line.raw)
        if row["defect_class"] == "invalid_utf8":
            assert b"\xff\xfe" in line.raw
    for source in SOURCES:
        for line in main.lines[source]:
            if line.defect is not None:
                assert (line.file, line.number) in quarantined, (line.file, line.number)


def test_defect_classes_share_the_rate_evenly(noisy: Dataset) -> None:
    rate = 0.3
    for source in SOURCES:
        records = len(noisy.lines[source]) - noisy.summary.duplicates[source]
        per_class = noisy.summary.defects[source]
        total = sum(per_class.values())
        assert records > 800, source
        sd = math.sqrt(records * rate * (1 - rate))
        assert abs(total - records * rate) < 4.5 * sd, (source, total, records)
        p = rate / len(CLASSES[source])
        expected = records * p
        for name, count in per_class.items():
            assert abs(count - expected) < 4.5 * math.sqrt(expected * (1 - p)) + 2, (
                source,
                name,
                count,
                expected,
            )


def test_default_rate_is_about_the_fraction_of_records(main: Dataset) -> None:
    for source in SOURCES:
        records = len(main.lines[source]) - main.summary.duplicates[source]
        defects = sum(main.summary.defects[source].values())
        sd = math.sqrt(records * 0.05 * 0.95)
        assert abs(defects - 0.05 * records) < 4.5 * sd + 2, (source, defects, records)


# --- delivery realism -------------------------------------------------------------------------


def test_web_duplicates_repeat_the_payload_later(main: Dataset) -> None:
    copies: dict[str, list[Line]] = defaultdict(list)
    for line in main.lines["web_events"]:
        if line.defect is None:
            copies[line.record["event_id"]].append(line)
    duplicates: set[tuple[str, int]] = set()
    for group in copies.values():
        if len(group) == 1:
            continue
        assert len(group) == 2
        first, second = sorted(group, key=lambda ln: ln.record["received_at"])
        assert (first.file, first.number) < (second.file, second.number)
        assert parse_ts(second.record["received_at"]) > parse_ts(first.record["received_at"])
        strip = re.compile(rb'"received_at":"[^"]*"')
        assert strip.sub(b"", first.raw) == strip.sub(b"", second.raw)
        duplicates.add((second.file, second.number))
    assert duplicates == main.labelled("duplicate") & {
        (ln.file, ln.number) for ln in main.lines["web_events"]
    }
    share = len(duplicates) / (len(main.lines["web_events"]) - len(duplicates))
    assert 0.01 < share < 0.03


def test_order_and_transaction_duplicates_are_byte_identical(main: Dataset, noisy: Dataset) -> None:
    found: Counter[str] = Counter()
    for data in (main, noisy):
        for source in ("shopify_orders", "braintree_transactions"):
            seen: set[bytes] = set()
            repeats = set()
            for line in data.lines[source]:  # file (day) order, then line order
                if line.defect is None:
                    if line.raw in seen:
                        repeats.add((line.file, line.number))
                    seen.add(line.raw)
            files = {ln.file for ln in data.lines[source]}
            labelled = {pos for pos in data.labelled("duplicate") if pos[0] in files}
            assert repeats == labelled, source
            found[source] += len(repeats)
    assert found["shopify_orders"] and found["braintree_transactions"], found


def test_late_events_land_in_a_later_file(main: Dataset) -> None:
    late = set()
    for line in first_copies(main.lines["web_events"]):
        delay = parse_ts(line.record["received_at"]) - parse_ts(line.record["client_ts"])
        if delay >= dt.timedelta(days=1):
            assert delay <= dt.timedelta(days=3)
            assert line.day > parse_ts(line.record["client_ts"]).date()
            late.add((line.file, line.number))
        elif line.day != main.lines["web_events"][-1].day:
            # everything else is in the file of the day it was received
            assert parse_ts(line.record["received_at"]).date() == line.day
    assert late == main.labelled("staged")
    assert 0.02 < len(late) / 30_000 < 0.04


# --- identities -------------------------------------------------------------------------------


def seen_identifiers(data: Dataset) -> set[tuple[str, str]]:
    """Every identifier value in the clean records, as written."""
    found: set[tuple[str, str]] = set()
    for line in first_copies(data.lines["web_events"]):
        found.add(("anonymous_id", line.record["anonymous_id"]))
        if "user_email" in line.record:
            found.add(("email", line.record["user_email"]))
    for line in first_copies(data.lines["shopify_orders"]):
        order = line.record
        customer = order["customer"]
        found |= {("email", order["email"]), ("email", customer["email"])}
        found.add(("shopify_customer_id", str(customer["id"])))
        if customer["phone"] is not None:
            found.add(("phone", customer["phone"]))
    for line in first_copies(data.lines["braintree_transactions"]):
        fields = line.record
        found.add(("braintree_customer_id", fields[7]))
        if fields[8]:
            found.add(("email", fields[8]))
        if fields[9]:
            found.add(("phone", fields[9]))
    return found


def test_identities_list_exactly_the_identifiers_in_clean_records(main: Dataset) -> None:
    listed = [(row["identifier_type"], row["identifier_value"]) for row in main.identities]
    assert listed == sorted(listed)
    assert len(set(listed)) == len(listed)
    assert set(listed) == seen_identifiers(main)
    for row in main.identities:
        junk = (row["identifier_type"], row["identifier_value"]) in JUNK
        assert (row["person_id"] == "") == junk, row


def test_identity_variants_normalize_to_one_email_and_phone_per_person(noisy: Dataset) -> None:
    emails: dict[str, set[str]] = defaultdict(set)
    phones: dict[str, set[str]] = defaultdict(set)
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    raw_emails = []
    for row in noisy.identities:
        kind, value, person = row["identifier_type"], row["identifier_value"], row["person_id"]
        if not person:
            continue
        if kind == "email":
            emails[person].add(norm_email(value))
            raw_emails.append(value)
        elif kind == "phone":
            phones[person].add(norm_phone(value))
            assert re.fullmatch(r"1\d{10}", norm_phone(value)), value
        else:
            ids[(kind, person)].add(value)
    assert all(len(values) == 1 for values in emails.values())
    assert all(len(values) == 1 for values in phones.values())
    assert all(len(values) == 1 for (kind, _), values in ids.items() if kind != "anonymous_id")
    # different people never share a normalized email or phone
    assert len({next(iter(v)) for v in emails.values()}) == len(emails)
    assert len({next(iter(v)) for v in phones.values()}) == len(phones)
    # and the variants are really there, only of the kinds the rules undo
    assert any(e != e.strip() for e in raw_emails)
    assert any(e.strip() != e.strip().lower() for e in raw_emails)
    gmail_tricks = [e for e in raw_emails if "+" in e or "googlemail" in e.lower()]
    assert gmail_tricks
    for email in raw_emails:
        domain = email.strip().lower().rsplit("@", 1)[1]
        if domain not in ("gmail.com", "googlemail.com"):
            assert "+" not in email
    formats = {re.sub(r"\d", "9", row["identifier_value"]) for row in noisy.identities}
    assert {"+9 (999) 999-9999", "999.999.9999", "9999999999", "9-999-999-9999"} <= formats
    # junk placeholders show up, belonging to nobody
    listed = {(r["identifier_type"], r["identifier_value"]) for r in noisy.identities}
    assert all(placeholder in listed for placeholder in JUNK)
    # some people have no email at all
    people = {row["person_id"] for row in noisy.identities if row["person_id"]}
    assert people - set(emails)


def test_purchases_match_orders_and_people_browse_before_identifying(main: Dataset) -> None:
    orders = {}
    for line in first_copies(main.lines["shopify_orders"]):
        orders[line.record["name"]] = line.record
    events = [line.record for line in first_copies(main.lines["web_events"])]
    purchases = [e for e in events if e["event_type"] == "purchase"]
    assert purchases
    matched = [e for e in purchases if e["order_ref"] in orders]
    assert len(matched) > 0.9 * len(purchases)  # the rest: order line defective
    for event in matched:
        order = orders[event["order_ref"]]
        assert norm_email(event["user_email"]) == norm_email(order["customer"]["email"])
        assert event["sku"] in {item["sku"] for item in order["line_items"]}
    counts = Counter(e["event_type"] for e in events)
    assert (
        counts["page_view"]
        > counts["product_view"]
        > counts["add_to_cart"]
        > counts["checkout_started"]
    )
    assert 0 < len(orders) < counts["checkout_started"]
    by_device: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        by_device[event["anonymous_id"]].append(event)
    identified_later = never = 0
    for device_events in by_device.values():
        device_events.sort(key=lambda e: e["client_ts"])
        named = [i for i, e in enumerate(device_events) if "user_email" in e]
        if not named:
            never += 1
        elif named[0] > 0:
            identified_later += 1
    assert never > 0 and identified_later > 0


def test_weekends_are_busier_than_weekdays(main: Dataset) -> None:
    per_day = Counter(
        parse_ts(line.record["client_ts"]).date()
        for line in first_copies(main.lines["web_events"])
        if "event_id" in line.record
    )
    weekend = [n for day, n in per_day.items() if day.weekday() >= 5]
    weekday = [n for day, n in per_day.items() if day.weekday() < 5 and n > 100]
    assert sum(weekend) / len(weekend) > 1.15 * sum(weekday) / len(weekday)


# --- money -------------------------------------------------------------------------------------


def test_amounts_are_sums_of_line_items(main: Dataset) -> None:
    for line in first_copies(main.lines["shopify_orders"]):
        order = line.record
        items = sum(Decimal(i["price"]) * i["quantity"] for i in order["line_items"])
        assert Decimal(order["total_price"]) == items
        assert Decimal(order["current_total_price"]) <= items
        assert re.fullmatch(r".*T\d\d:\d\d:\d\d-0[45]:00", order["updated_at"])
    for line in first_copies(main.lines["braintree_transactions"]):
        fields = line.record
        items = json.loads(fields[11])
        assert Decimal(fields[4]) == sum(Decimal(i["price"]) * i["quantity"] for i in items)
        assert set(items[0]) == {"sku", "title", "quantity", "price"}


def test_shop_timestamps_follow_new_york_summer_time(tmp_path: Path) -> None:
    """US summer time ends 2026-11-01 at 06:00 UTC: the shop's offset moves to -05:00."""
    generate(tmp_path, events=6_000, days=4, start=dt.date(2026, 10, 30), defect_rate=0.0)
    switch = dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC)
    offsets = Counter()
    for path in sorted(tmp_path.glob("shopify_orders_*.jsonl")):
        for raw in physical_lines(path):
            order = json.loads(raw)
            for key in ("created_at", "updated_at"):
                moment = dt.datetime.fromisoformat(order[key])
                expected = -4 if moment < switch else -5
                assert moment.utcoffset() == dt.timedelta(hours=expected), order[key]
                offsets[expected] += 1
    assert offsets[-4] and offsets[-5]


def expected_totals(data: Dataset) -> dict[tuple[str, str, str], list[Decimal]]:
    """The clean revenue, computed from the files by the documented definitions."""
    totals: dict[tuple[str, str, str], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0), Decimal(0)]
    )
    latest: dict[int, dict[str, Any]] = {}
    for line in first_copies(data.lines["shopify_orders"]):
        order = line.record
        current = latest.get(order["id"])
        if current is None or parse_ts(order["updated_at"]) > parse_ts(current["updated_at"]):
            latest[order["id"]] = order
    for order in latest.values():
        if order["financial_status"] == "voided":
            continue
        day = parse_ts(order["created_at"]).astimezone(dt.UTC).date().isoformat()
        row = totals[(day, "online_store", order["currency"])]
        gross, net = Decimal(order["total_price"]), Decimal(order["current_total_price"])
        row[0] += 1
        row[1] += gross
        row[2] += gross - net
    sale_day: dict[str, str] = {}
    rows = [line.record for line in first_copies(data.lines["braintree_transactions"])]
    for fields in rows:
        if fields[1] == "sale" and fields[2] in COUNTED:
            assert fields[10] not in sale_day, "one counted sale per order"
            sale_day[fields[10]] = fields[3][:10]
            row = totals[(fields[3][:10], "marketplace", fields[5])]
            row[0] += 1
            row[1] += Decimal(fields[4])
    for fields in rows:
        if fields[1] == "credit" and fields[2] in COUNTED and fields[10] in sale_day:
            totals[(sale_day[fields[10]], "marketplace", fields[5])][2] += Decimal(fields[4])
    return totals


def test_totals_are_reproducible_from_the_files(main: Dataset) -> None:
    with open(main.out / "ground_truth" / "totals.csv", newline="") as handle:
        written = list(csv.DictReader(handle))
    expected = expected_totals(main)
    got = {}
    for row in written:
        money = [row["gross"], row["refunds"], row["net"]]
        assert all(DECIMAL_2.match(m) for m in money)
        gross, refunds, net = map(Decimal, money)
        assert net == gross - refunds
        got[(row["date"], row["channel"], row["currency"])] = [int(row["orders"]), gross, refunds]
    assert got == {key: [int(v[0]), v[1], v[2]] for key, v in expected.items()}
    keys = [(r["date"], r["channel"], r["currency"]) for r in written]
    assert keys == sorted(keys)
    for channel in ("online_store", "marketplace"):
        assert sum(v[2] for k, v in got.items() if k[1] == channel) > 0, f"no {channel} refunds"
    assert {k[2] for k in got} == {"USD", "EUR", "GBP", "CAD"}
