"""Deterministic demo data for shoplog: a simulated shop's three sources plus the ground truth.

``generate(out_dir)`` simulates a population of people browsing the web store (browser-SDK
events), buying there (Shopify orders) and on a marketplace (Braintree transactions), and writes
one file per source per day, named by the UTC day the records were received. The same arguments
always give byte-identical files.

Delivery realism (kept by a correct pipeline, not quarantined): about 3 % of web events arrive
1-3 days late, about 2 % of clean web events are delivered twice (same payload, later
``received_at``), about 1 % of Shopify lines and Braintree rows are repeated byte for byte; the
first-received copy is the one to keep. Records received after the last day are written to the
last day's file. Defects (``defect_rate`` of each source's records, duplicates excluded, one
defect per record, classes equally likely; see ``defects.py``) are written too and listed in
ground_truth/defects.csv.

Identity: emails and phones are written in several forms per person; they normalize with
    email: trim spaces, lower-case; for gmail.com / googlemail.com also remove dots and
           everything from '+' in the local part, and googlemail.com becomes gmail.com;
    phone: digits only; a 10-digit number gets a leading 1.
test@test.com and 0000000000 are junk placeholders that belong to nobody.
ground_truth/identities.csv lists the identifiers of clean records only (what a pipeline can see).

Revenue truth (ground_truth/totals.csv: date,channel,currency,orders,gross,refunds,net; money
as 2-place decimal strings), the definitions the warehouse implements too:
    online_store (Shopify): per order, take its latest clean version (highest updated_at among
        non-defective lines; duplicates are identical). Voided orders count nothing. Otherwise
        orders = 1, gross = total_price, refunds = total_price - current_total_price,
        net = current_total_price, on the UTC date of created_at.
    marketplace (Braintree): only non-defective, non-duplicate rows. A sale with status settled,
        submitted_for_settlement or settling counts as one order and adds amount to gross on
        the UTC date of its created_at. A credit with one of those statuses adds its amount to
        refunds on the date of the counted clean sale of the same order_id (a credit without
        such a sale counts nothing). Voided and processor_declined rows count nothing.
        net = gross - refunds.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

from .options import Options
from .simulate import run
from .summary import GenerateSummary

__all__ = ["DEFAULT_START", "GenerateSummary", "generate", "last_day"]

DEFAULT_START = datetime.date(2026, 9, 1)


def last_day(start: datetime.date, days: int) -> datetime.date:
    """The day of a history's last daily files."""
    return start + datetime.timedelta(days=days - 1)


def generate(
    out_dir: Path,
    *,
    seed: int = 42,
    events: int = 50_000,
    days: int = 30,
    defect_rate: float = 0.02,
    start: datetime.date = DEFAULT_START,
    gzip: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateSummary:
    """Write `days` daily files per source under out_dir, plus out_dir/ground_truth/.

    `events` is the number of distinct web events (duplicate copies come on top); the Shopify
    and Braintree volumes follow from the simulation. `progress(done, total)` is called about
    every 10 000 events and once at the end. Raises ValueError for bad arguments.
    """
    options = Options(
        seed=seed, events=events, days=days, defect_rate=defect_rate, start=start, gzip=gzip
    )
    return run(options, Path(out_dir), progress)
