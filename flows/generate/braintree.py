"""The marketplace channel: card/wallet transactions exported by Braintree, one row each.

A sale's row is final when exported (its status is a snapshot); a refund is a separate credit
row with the same order_id, days later. A declined sale is often retried as a new transaction.
"""

from __future__ import annotations

import random
from bisect import bisect_right

from .catalog import CURRENCIES, Catalog, Product
from .clock import DAY_MS, Clock
from .csvline import csv_line
from .defects import DUPLICATE, DefectPicker, braintree_defect, dumps
from .identity import EMAIL_FORMS, JUNK_EMAIL, JUNK_PHONE, phone_form
from .interest import buy_weight, cumulative_weights
from .money import cents_str
from .people import INSTRUMENT_WEIGHTS, INSTRUMENTS, Person
from .seasonality import time_of_day
from .sinks import DaySink, export_repeat_delay
from .truth import Totals

HEADER = (
    "transaction_id,type,status,created_at,amount,currency_iso_code,payment_instrument_type,"
    "customer_id,customer_email,customer_phone,order_id,line_items_json"
)
COUNTED_STATUSES = ("settled", "submitted_for_settlement", "settling")
SALES_PER_EVENT = 0.009  # marketplace sales per web event: a channel about 60 % the web's size
JUNK_RATE = 0.01
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class BraintreeSim:
    def __init__(
        self,
        clock: Clock,
        catalog: Catalog,
        people: list[Person],
        sink: DaySink,
        totals: Totals,
        junk: dict[str, set[str]],
        world: random.Random,
        delivery: random.Random,
        defects: DefectPicker,
    ) -> None:
        self._clock = clock
        self._catalog = catalog
        self._sink = sink
        self._totals = totals
        self._junk = junk
        self._rng = world
        self._delivery = delivery
        self._defects = defects
        self._buyers = [p for p in people if p.marketplace]
        self._cum = cumulative_weights(self._buyers, buy_weight)
        self._transaction_ids: set[str] = set()
        self._customer_ids: set[str] = set()
        self._next_order = 240_000 + world.randrange(10_000)

    def run_day(self, day: int, sales: int, market_changed: bool = False) -> None:
        if not self._buyers:
            return
        if market_changed:
            self._cum = cumulative_weights(self._buyers, buy_weight)
        rng = self._rng
        moments = sorted(time_of_day(rng) // 1000 * 1000 for _ in range(sales))  # whole seconds
        for moment in moments:
            person = self._buyers[bisect_right(self._cum, rng.random() * self._cum[-1])]
            items = []
            for product in dict.fromkeys(
                self._catalog.pick(rng) for _ in range(rng.choices((1, 2, 3), (60, 28, 12))[0])
            ):
                items.append((product, 1 if rng.random() < 0.85 else 2))
            self._next_order += 1
            order_id = f"MP-{self._next_order}"
            self._sale(person, items, day * DAY_MS + moment, order_id, attempt=0)

    def _sale(
        self,
        person: Person,
        items: list[tuple[Product, int]],
        t_ms: int,
        order_id: str,
        attempt: int,
    ) -> None:
        rng = self._rng
        roll = rng.random()
        if roll < 0.05:
            status = "processor_declined"
        elif roll < 0.08:
            status = "voided"
        else:
            status = rng.choices(COUNTED_STATUSES, (85, 8, 7))[0]
        if rng.random() < 0.8:
            instrument = person.instrument
        else:
            instrument = rng.choices(range(len(INSTRUMENTS)), INSTRUMENT_WEIGHTS)[0]
        amount = sum(product.prices[person.currency] * qty for product, qty in items)
        clean = self._row(
            person, "sale", status, t_ms, amount, instrument, order_id, items, delayed=attempt > 0
        )
        if status == "processor_declined":
            if attempt < 2 and rng.random() < 0.6:
                # The buyer tries again a few minutes later: a new transaction, same order.
                retry_at = t_ms + rng.randint(60, 900) * 1000
                self._sale(person, items, retry_at, order_id, attempt + 1)
            return
        if status not in COUNTED_STATUSES:
            return
        currency = CURRENCIES[person.currency]
        sale_date = self._clock.date_str(t_ms // DAY_MS)
        if clean:
            self._totals.add(sale_date, "marketplace", currency, orders=1, gross=amount)
        if rng.random() >= 0.07:
            return
        refund_at = t_ms + rng.randint(1, 20) * DAY_MS + rng.randrange(86_400) * 1000
        if refund_at >= self._clock.end_ms:
            return  # not refunded yet when the window closes
        if len(items) > 1 and rng.random() < 0.6:
            refunded = rng.sample(items, rng.randint(1, len(items) - 1))
        else:
            refunded = items
        credit = sum(product.prices[person.currency] * qty for product, qty in refunded)
        credit_status = rng.choices((*COUNTED_STATUSES, "voided"), (88, 5, 4, 3))[0]
        credit_clean = self._row(
            person, "credit", credit_status, refund_at, credit, instrument, order_id, refunded,
            delayed=True,
        )  # fmt: skip
        if credit_clean and clean and credit_status in COUNTED_STATUSES:
            # Refunds count on the date of the sale they refund, like the warehouse reports.
            self._totals.add(sale_date, "marketplace", currency, refunds=credit)

    def _row(
        self,
        person: Person,
        kind: str,
        status: str,
        t_ms: int,
        amount: int,
        instrument: int,
        order_id: str,
        items: list[tuple[Product, int]],
        *,
        delayed: bool,
    ) -> bool:
        """Write one transaction row (maybe defective, maybe repeated); True when clean."""
        rng = self._rng
        currency = person.currency
        form = person.braintree_form if rng.random() < 0.85 else rng.randrange(EMAIL_FORMS)
        email = "" if person.email is None else person.email_as(form)
        phone, phone_bit = "", 0
        if person.phone is not None and person.braintree_phone is not None:
            phone = phone_form(person.phone, person.braintree_phone)
            phone_bit = 1 << person.braintree_phone
        junk_email = junk_phone = False
        if rng.random() < JUNK_RATE:
            # Placeholder contact details typed into a checkout form by people who would rather
            # not give theirs: they must never glue unrelated buyers together.
            roll = rng.random()
            junk_email, junk_phone = roll < 0.7, roll >= 0.5
        line_items = [
            {"sku": p.sku, "title": p.title, "quantity": q, "price": cents_str(p.prices[currency])}
            for p, q in items
        ]
        fields = [
            self._transaction_id(),
            kind,
            status,
            self._clock.braintree_ts(t_ms),
            cents_str(amount),
            CURRENCIES[person.currency],
            INSTRUMENTS[instrument],
            self._customer_id(person),
            JUNK_EMAIL if junk_email else email,
            JUNK_PHONE if junk_phone else phone,
            order_id,
            dumps(line_items),
        ]
        label = self._defects.pick()
        if label is not None:
            broken = braintree_defect(label, fields, self._defects.rng)
            self._sink.deliver(t_ms, csv_line(broken), label, delayed=delayed)
            return False
        line = csv_line(fields)
        self._sink.deliver(t_ms, line, delayed=delayed)
        delay = export_repeat_delay(self._delivery)
        if delay:
            self._sink.deliver(t_ms + delay, line, DUPLICATE, delayed=True)
        person.in_braintree = True
        if junk_email:
            self._junk.setdefault("email", set()).add(JUNK_EMAIL)
        elif email:
            person.email_used |= 1 << form
        if junk_phone:
            self._junk.setdefault("phone", set()).add(JUNK_PHONE)
        else:
            person.phone_used |= phone_bit
        return True

    def _transaction_id(self) -> str:
        rng = self._rng
        while True:
            candidate = "".join(rng.choices(_ID_ALPHABET, k=8))
            if candidate not in self._transaction_ids:
                self._transaction_ids.add(candidate)
                return candidate

    def _customer_id(self, person: Person) -> str:
        if person.braintree_customer_id is None:
            rng = self._rng
            while True:
                candidate = str(rng.randrange(10**7, 10**9))
                if candidate not in self._customer_ids:
                    self._customer_ids.add(candidate)
                    break
            person.braintree_customer_id = candidate
        return person.braintree_customer_id
