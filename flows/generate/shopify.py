"""The web store's order system: a web purchase creates an order, which then changes over days.

Every change is a new full version line (Admin API order object), delivered on the UTC day of its
updated_at. An order's whole life is planned when it is created, so nothing but the pending
lines is kept; changes that would fall after the window have not happened yet and are dropped.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog import CURRENCIES, Product
from .clock import DAY_MS, Clock
from .defects import DUPLICATE, DefectPicker, dumps, shopify_defect
from .identity import EMAIL_FORMS, phone_form
from .money import cents_str
from .people import Person
from .sinks import DaySink, export_repeat_delay
from .truth import Totals

_MINUTE_MS = 60_000
_HOUR_MS = 60 * _MINUTE_MS


class ShopifySim:
    def __init__(
        self,
        clock: Clock,
        sink: DaySink,
        totals: Totals,
        world: random.Random,
        delivery: random.Random,
        defects: DefectPicker,
    ) -> None:
        self._clock = clock
        self._sink = sink
        self._totals = totals
        self._rng = world
        self._delivery = delivery
        self._defects = defects
        # Shopify ids are large, increasing and not contiguous; the shop's order names start at
        # #1001 like every new shop's.
        self._next_order_id = 5_830_000_000_000 + world.randrange(10**9)
        self._next_line_id = 14_200_000_000_000 + world.randrange(10**9)
        self._next_customer_id = 7_400_000_000_000 + world.randrange(10**9)
        self._next_number = 1001

    def create_order(self, person: Person, items: list[tuple[Product, int]], t_ms: int) -> str:
        """Create the order behind a web purchase at t_ms; returns its name ("#1001")."""
        rng = self._rng
        assert person.email is not None, "web checkout needs an email"
        if person.shopify_customer_id is None:
            self._next_customer_id += rng.randint(1, 5000)
            person.shopify_customer_id = self._next_customer_id
        self._next_order_id += rng.randint(1, 3000)
        order_id = self._next_order_id
        name = f"#{self._next_number}"
        self._next_number += 1

        currency = person.currency
        line_items = []
        total = 0
        for product, quantity in items:
            self._next_line_id += rng.randint(1, 50)
            price = product.prices[currency]
            total += price * quantity
            line_items.append(
                {
                    "id": self._next_line_id,
                    "sku": product.sku,
                    "title": product.title,
                    "quantity": quantity,
                    "price": cents_str(price),
                }
            )
        # The order is committed a moment after the shopper's click; Shopify keeps seconds.
        created = (t_ms // 1000 + rng.randint(1, 4)) * 1000
        versions = self._lifecycle(created, total, items, currency)
        # The email typed at checkout is usually the shopper's habit; the account keeps its own.
        order_form = person.shop_form if rng.random() < 0.8 else rng.randrange(EMAIL_FORMS)
        customer_email_form = person.shop_form
        phone, phone_bit = None, 0
        if person.phone is not None and person.shop_phone is not None:
            phone, phone_bit = phone_form(person.phone, person.shop_phone), 1 << person.shop_phone
        base = {
            "id": order_id,
            "name": name,
            "email": person.email_as(order_form),
            "created_at": self._clock.shop_ts(created),
            "updated_at": "",
            "currency": CURRENCIES[currency],
            "financial_status": "",
            "total_price": cents_str(total),
            "current_total_price": "",
            "customer": {
                "id": person.shopify_customer_id,
                "email": person.email_as(customer_email_form),
                "phone": phone,
                "first_name": person.first_name,
                "last_name": person.last_name,
            },
            "line_items": line_items,
        }
        latest_clean: tuple[str, int] | None = None
        for index, (updated, status, current) in enumerate(versions):
            version = dict(base)
            version["updated_at"] = self._clock.shop_ts(updated)
            version["financial_status"] = status
            version["current_total_price"] = cents_str(current)
            if self._deliver(version, updated, delayed=index > 0):
                latest_clean = (status, current)
                person.in_shopify = True
                person.email_used |= 1 << order_form | 1 << customer_email_form
                person.phone_used |= phone_bit
        if latest_clean is not None and latest_clean[0] != "voided":
            self._totals.add(
                self._clock.date_str(created // DAY_MS),
                "online_store",
                CURRENCIES[currency],
                orders=1,
                gross=total,
                refunds=total - latest_clean[1],
            )
        return name

    def _lifecycle(
        self, created: int, total: int, items: list[tuple[Product, int]], currency: int
    ) -> list[tuple[int, str, int]]:
        """(updated ms, financial_status, current total cents) of each version in the window."""
        rng = self._rng
        versions: list[tuple[int, str, int]] = []
        if rng.random() < 0.35:
            # Not captured yet (bank transfer, manual capture): settled or cancelled later.
            versions.append((created, "pending", total))
            roll = rng.random()
            if roll < 0.88:
                paid_at = created + rng.randint(1, 180) * _MINUTE_MS
                versions.append((paid_at, "paid", total))
            elif roll < 0.97:
                versions.append((created + rng.randint(1, 48) * _HOUR_MS, "voided", 0))
        else:
            versions.append((created, "paid", total))
        status, paid_at = versions[-1][1], versions[-1][0]
        if status == "paid":
            roll = rng.random()
            refund_at = paid_at + rng.randint(1, 14) * DAY_MS + rng.randrange(DAY_MS // 1000) * 1000
            if roll < 0.07:
                current = total - _partial_refund(rng, total, items, currency)
                versions.append((refund_at, "partially_refunded", current))
                if rng.random() < 0.15:
                    later = refund_at + rng.randint(1, 7) * DAY_MS
                    versions.append((later, "refunded", 0))
            elif roll < 0.11:
                versions.append((refund_at, "refunded", 0))
        # Versions after the window's end have not happened yet (the creation always exists).
        return versions[:1] + [v for v in versions[1:] if v[0] < self._clock.end_ms]

    def _deliver(self, version: dict[str, Any], updated: int, *, delayed: bool) -> bool:
        """Write one version line (maybe defective, maybe repeated); True when it is clean."""
        label = self._defects.pick()
        if label is not None:
            self._sink.deliver(
                updated, shopify_defect(label, version, self._defects.rng), label, delayed=delayed
            )
            return False
        line = dumps(version)
        self._sink.deliver(updated, line, delayed=delayed)
        delay = export_repeat_delay(self._delivery)
        if delay:
            self._sink.deliver(updated + delay, line, DUPLICATE, delayed=True)
        return True


def _partial_refund(
    rng: random.Random, total: int, items: list[tuple[Product, int]], currency: int
) -> int:
    """One returned unit when that leaves something paid, else a goodwill partial credit."""
    product, _ = rng.choice(items)
    unit = product.prices[currency]
    if unit < total:
        return unit
    return max(1, total * rng.randint(10, 50) // 100)
