"""Abuse: injection-like strings in every text field and in file names are stored verbatim,
and nothing else in the warehouse is touched, on both engines.

One warehouse is built twice: first from a small generated log (the control), then again after
hostile files were loaded beside it. Everything that does not come from the hostile files must
be what it was, and the hostile rows must be in raw byte for byte, staged with their values as
written, or quarantined with a reason where the contract refuses them (a NUL: PostgreSQL text
cannot hold one, so no engine stages it).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from engines import ENGINES
from warehouse_queries import query, scalar

from flows.engine import Target
from flows.generate import generate
from flows.load import load_files
from flows.pipeline import build, incoming_files

# Each value is written into every free-text field of one record of every source.
NASTY: dict[str, str] = {
    "single quote": "it's",
    "double quote": 'say "hi"',
    "sql": "x'; drop table raw.web_events; --",
    "doubled quotes": "''); delete from raw._load_batches; --",
    "comment": "/* open -- comment",
    "dollar": "$$; drop schema raw cascade; $$",
    "dollar tag": "$tag$ select 1 $tag$",
    "backslash": "back\\slash \\N \\. \\x00 \\u0000 \\",
    "escapes": "line\nbreak\r\ttab \x0b\x0c \x1f",
    "unicode": "é € 🛒 \u2028 \u202e right-to-left \ufeff",
    "format": "%s %(x)s {0} {{ var('x') }} ${HOME} `id`",
    "csv": 'a,"b",,c',
    "like": "%_[]^*.?+\\1",
    "long": ("0123456789abcdef" * 6_400)[:100_000],  # 100 kB
}
# In CSV a record is one line, so a value with a line break cannot be carried there.
CSV_NASTY = {k: v for k, v in NASTY.items() if "\n" not in v and "\r" not in v}

# A name the loader accepts (its source prefix and suffix) holding the same kinds of text.
ODD = "'it''s' \"q\"; drop table raw.web_events; -- $$ $t$ \\ é"

SHOPLOG = str(Path(sys.executable).with_name("shoplog"))
BRAINTREE_HEADER = (
    "transaction_id,type,status,created_at,amount,currency_iso_code,payment_instrument_type,"
    "customer_id,customer_email,customer_phone,order_id,line_items_json"
)


def iso(ts: datetime.datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def web_event(key: int, value: str, ts: datetime.datetime) -> dict[str, object]:
    return {
        "event_id": f"{value}#{key}",
        "event_type": "purchase",  # a purchase carries every text field the contract knows
        "anonymous_id": value,
        "user_email": value,
        "sku": value,
        "price": 12.5,
        "quantity": 1,
        "order_ref": value,
        "client_ts": iso(ts),
        "received_at": iso(ts),
        "page_url": value,
        "user_agent": value,
    }


def shopify_order(key: int, value: str, ts: datetime.datetime) -> dict[str, object]:
    return {
        "id": 990_000_000 + key,
        "name": value,
        "email": value,
        "created_at": iso(ts),
        "updated_at": iso(ts),
        "currency": "USD",
        "financial_status": value,
        "total_price": "12.50",
        "current_total_price": "12.50",
        "customer": {
            "id": 880_000_000 + key,
            "email": value,
            "phone": value,
            "first_name": value,
            "last_name": value,
        },
        "line_items": [
            {"id": 770_000_000 + key, "sku": value, "title": value, "quantity": 1, "price": "12.50"}
        ],
    }


def braintree_row(key: int, value: str, ts: datetime.datetime) -> list[str]:
    items = json.dumps([{"sku": value, "title": value, "quantity": 1, "price": "12.50"}])
    return [
        f"{value}#{key}",
        "sale",
        value,
        ts.strftime("%Y-%m-%d %H:%M:%S"),
        "12.50",
        "USD",
        "credit_card",
        value,
        value,
        value,
        value,
        items,
    ]


def csv_line(fields: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue().removesuffix("\n").encode()


def hostile_files(folder: Path) -> dict[str, tuple[Path, list[bytes]]]:
    """The hostile files of each source and the records (lines) each holds, in order.

    Every source gets one record per NASTY value (JSON both as UTF-8 and as \\u escapes),
    then records the contract refuses: a \\u0000 escape, a raw NUL byte, and a hostile
    value where the contract wants one of a few known words."""
    folder.mkdir()
    ts = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    web: list[bytes] = []
    orders: list[bytes] = []
    for key, value in enumerate(NASTY.values()):
        for ascii_only in (False, True):
            n = 2 * key + ascii_only
            web.append(json.dumps(web_event(n, value, ts), ensure_ascii=ascii_only).encode())
            orders.append(json.dumps(shopify_order(n, value, ts), ensure_ascii=ascii_only).encode())
    web += [
        json.dumps(web_event(900, "nul \x00 escaped", ts)).encode(),
        json.dumps(web_event(901, "nul byte", ts)).encode().replace(b"byte", b"\x00byte"),
        json.dumps({**web_event(902, "bad type", ts), "event_type": NASTY["sql"]}).encode(),
    ]
    orders += [
        json.dumps(shopify_order(900, "nul \x00 escaped", ts)).encode(),
        json.dumps(shopify_order(901, "nul byte", ts)).encode().replace(b"byte", b"\x00byte"),
    ]
    bt = [csv_line(braintree_row(key, value, ts)) for key, value in enumerate(CSV_NASTY.values())]
    bad_type = braintree_row(902, "bad type", ts)
    bad_type[1] = NASTY["sql"]
    bt += [
        csv_line(braintree_row(900, "nul \x00 inside", ts)),
        csv_line(bad_type),
    ]
    records = {
        "web_events": (folder / f"web_events_{ODD}.jsonl", web),
        "shopify_orders": (folder / f"shopify_orders_{ODD}.jsonl", orders),
        "braintree_transactions": (folder / f"braintree_transactions_{ODD}.csv", bt),
    }
    for source, (path, lines) in records.items():
        header = [BRAINTREE_HEADER.encode()] if source == "braintree_transactions" else []
        path.write_bytes(b"\n".join(header + lines) + b"\n")
    return records


def staged_nasty() -> dict[str, list[tuple[str, ...]]]:
    """What staging must hold of the hostile files: every text field exactly as written."""
    web, orders, lines, bt = [], [], [], []
    for key, value in enumerate(NASTY.values()):
        for n in (2 * key, 2 * key + 1):
            web.append((f"{value}#{n}",) + (value,) * 6)
            orders.append((str(990_000_000 + n),) + (value,) * 5)
            lines.append((str(990_000_000 + n), value, value))
    for key, value in enumerate(CSV_NASTY.values()):
        items = json.dumps([{"sku": value, "title": value, "quantity": 1, "price": "12.50"}])
        bt.append((f"{value}#{key}",) + (value,) * 5 + (items,))
    in_batches = "_batch_id in ({ids})"
    return {
        "select event_id, anonymous_id, user_email_original, sku, order_ref, page_url, "
        f"user_agent from staging.stg_web__events where {in_batches}": web,
        "select cast(order_id as varchar(20)), order_name, email_original, financial_status, "
        "customer_email_original, customer_phone_original "
        f"from staging.stg_shopify__order_versions where {in_batches}": orders,
        "select cast(order_id as varchar(20)), sku, title from staging.stg_shopify__order_lines "
        "where order_id between 990000000 and 990999999": lines,
        "select transaction_id, status, customer_id, customer_email_original, "
        "customer_phone_original, order_id, line_items_json "
        f"from staging.stg_braintree__transactions where {in_batches}": bt,
    }


# Where the contract refuses a hostile record: (line number, reason codes) per source.
QUARANTINED = {
    "web_events": {
        2 * len(NASTY) + 1: "unparsable_json",  # \u0000: PostgreSQL's jsonb refuses it
        2 * len(NASTY) + 2: "invalid_utf8",  # a NUL byte is not text on any engine
        2 * len(NASTY) + 3: "unknown_event_type",
    },
    "shopify_orders": {
        2 * len(NASTY) + 1: "unparsable_json",
        2 * len(NASTY) + 2: "invalid_utf8",
    },
    "braintree_transactions": {
        len(CSV_NASTY) + 2: "invalid_utf8",  # line 1 is the header
        len(CSV_NASTY) + 3: "unknown_type",
    },
}


def snapshot(target: Target, hostile_batches: str) -> dict[str, object]:
    """What loading and building the hostile files must leave as it was: the set of relations
    (in every schema), the seeds, and every row of the log, staging and quarantine not from a
    hostile batch."""
    relations = sorted(
        query(
            target,
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')",
        )
    )
    state: dict[str, object] = {"relations": relations}
    for schema, name in relations:
        if schema not in ("raw", "staging", "quarantine"):
            continue  # marts and the like aggregate over the hostile rows too
        columns = [
            c
            for (c,) in query(
                target,
                "select column_name from information_schema.columns where table_schema = "
                f"'{schema}' and table_name = '{name}' order by ordinal_position",
            )
        ]
        if "_batch_id" in columns:
            where = f" where _batch_id not in ({hostile_batches})"
        elif "batch_id" in columns:  # raw._load_batches
            where = f" where batch_id not in ({hostile_batches})"
        elif name.startswith("stg_"):
            continue  # a staged child table without a place in the log (its parent has one)
        else:
            where = ""  # a seed
        rows = query(target, f"select {', '.join(columns)} from {schema}.{name}{where}")
        state[f"{schema}.{name}"] = sorted(rows, key=repr)
    return state


def as_text(line: bytes) -> str | None:
    """A record as the log holds it in `record`: text when it is UTF-8 without a NUL."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def raw_bytes(target: Target, source: str, batch_id: int) -> list[bytes]:
    rows = query(
        target,
        f"select record, record_bytes from raw.{source} where _batch_id = {batch_id} "
        "order by _line_number",
    )
    return [record.encode() if record is not None else data for record, data in rows]


@pytest.fixture(params=ENGINES)
def target(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Target:
    monkeypatch.setenv("SHOPLOG_DATA_DIR", str(tmp_path))  # writer locks go here
    if request.param == "duckdb":
        return Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    return request.getfixturevalue("pg_target")


@pytest.mark.slow
def test_injection_like_strings_are_stored_verbatim_and_touch_nothing_else(
    target: Target, tmp_path: Path
) -> None:
    control = tmp_path / "control"
    generate(control, seed=3, events=300, days=2, defect_rate=0.05)
    control_batches = load_files(target, incoming_files(control))
    build(target)
    hostile = hostile_files(tmp_path / "hostile")
    # the hostile batch ids are the ones after the control's, in this order
    first = max(b.batch_id or 0 for b in control_batches) + 1
    batch_of = {source: first + i for i, source in enumerate(hostile)}
    ids = ", ".join(map(str, batch_of.values()))
    before = snapshot(target, ids)

    # the odd names go through argv, as a user passes them
    env = {**os.environ, **target.dbt_env()}
    loaded = subprocess.run(
        [SHOPLOG, "load", *(str(path) for path, _ in hostile.values())],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert loaded.stdout.startswith("loaded 3 file(s)"), loaded.stdout
    assert query(
        target,
        f"select batch_id, source from raw._load_batches where batch_id >= {first} order by 1",
    ) == [(batch_of[source], source) for source in hostile]
    build(target)

    # nothing else touched: no relation gone or added, every other row as it was
    assert snapshot(target, ids) == before

    for source, (path, lines) in hostile.items():
        batch = batch_of[source]
        # raw: the file's records, byte for byte, with the odd file name kept exactly
        assert raw_bytes(target, source, batch) == lines
        assert query(
            target, f"select distinct _source_file from raw.{source} where _batch_id = {batch}"
        ) == [(str(path),)]
        assert query(
            target, f"select source_file, rows from raw._load_batches where batch_id = {batch}"
        ) == [(str(path), len(lines))]
        # the refused records are quarantined with their reason and their place in the log
        # (the record as text, or null when it is not text: raw keeps its bytes, checked above)
        quarantined = query(
            target,
            f"select _line_number, reject_reasons, _source_file, record from quarantine.{source} "
            f"where _batch_id = {batch} order by _line_number",
        )
        first_line = 2 if source == "braintree_transactions" else 1
        assert quarantined == [
            (line, reason, str(path), as_text(lines[line - first_line]))
            for line, reason in QUARANTINED[source].items()
        ]

    # staging: every hostile text value exactly as written, in every field
    for sql, expected in staged_nasty().items():
        got = query(target, sql.format(ids=ids))
        assert sorted(got) == sorted(expected), sql.split(" from ")[-1]

    # and every raw row is still accounted for
    for source, raw, staged, quarantined_rows, duplicates in query(
        target,
        "select source_name, raw_rows, staged_rows, quarantined_rows, duplicate_rows "
        "from audit.audit_row_accounting",
    ):
        assert raw == scalar(target, f"select count(*) from raw.{source}")
        assert raw == staged + quarantined_rows + duplicates, source
