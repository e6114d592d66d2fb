"""Web sessions of the population, day by day, written as browser-SDK events as they happen.

A session is a funnel (landing and browsing pages, maybe a login, a search, product views, cart,
checkout, purchase) with realistic drop-off. Browsers start anonymous and are tied to a person
only when the SDK sends identify (at a login or at checkout); people without an email never
identify. This is the hot path of the generator: events are built by string concatenation from
precomputed fragments and streamed out, never kept.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable

from .catalog import SHOP_URL, Catalog, Product
from .clock import DAY_MS, Clock
from .defects import DUPLICATE, LATE, DefectPicker, web_defect
from .identity import EMAIL_FORMS
from .interest import cumulative_weights, intent, visit_weight
from .people import USER_AGENTS, Person
from .seasonality import time_of_day
from .shopify import ShopifySim
from .sinks import DaySink
from .streams import VARIANT_NIBBLE as _VARIANT
from .streams import hex128

# purchase and identify last: `kind >= PURCHASE` tests "names the person" in one comparison.
EVENT_TYPES = (
    "page_view",
    "search",
    "product_view",
    "add_to_cart",
    "checkout_started",
    "purchase",
    "identify",
)
PAGE_VIEW, SEARCH, PRODUCT_VIEW, ADD_TO_CART, CHECKOUT_STARTED, PURCHASE, IDENTIFY = range(7)
LATE_RATE = 0.03
DUPLICATE_RATE = 0.02
PROGRESS_EVERY = 10_000

_TYPE_FRAGMENTS = tuple(f'","event_type":"{t}","anonymous_id":"' for t in EVENT_TYPES)
_QUANTITY_FRAGMENTS = tuple(f'"quantity":{q},' for q in range(10))
_LANDINGS = (
    f"{SHOP_URL}/",
    f"{SHOP_URL}/",
    f"{SHOP_URL}/collections/new",
    f"{SHOP_URL}/collections/sale",
    f"{SHOP_URL}/collections/all",
)
_BROWSING = (
    f"{SHOP_URL}/collections/tees",
    f"{SHOP_URL}/collections/hoodies",
    f"{SHOP_URL}/collections/sneakers",
    f"{SHOP_URL}/collections/bags",
    f"{SHOP_URL}/pages/shipping",
    f"{SHOP_URL}/pages/about",
    f"{SHOP_URL}/cart",
)
_LOGIN = f"{SHOP_URL}/account/login"
_SEARCH = f"{SHOP_URL}/search?q="

Step = tuple[int, str, Product | None, int]  # event type, page_url, product, quantity


class WebSim:
    def __init__(
        self,
        clock: Clock,
        catalog: Catalog,
        people: list[Person],
        shopify: ShopifySim,
        sink: DaySink,
        world: random.Random,
        delivery: random.Random,
        defects: DefectPicker,
        total_events: int,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        self._clock = clock
        self._catalog = catalog
        self._shopify = shopify
        self._sink = sink
        self._rng = world
        self._delivery = delivery
        self._defects = defects
        # (everyone, in the freak case that nobody in a tiny population uses the web store)
        self._visitors = [p for p in people if p.web] or list(people)
        self._cum = cumulative_weights(self._visitors, visit_weight)
        self._ua_tails = tuple(f'","user_agent":"{ua}"}}' for ua in USER_AGENTS)
        self._total = total_events
        self._progress = progress
        self._done = 0
        self._next_report = PROGRESS_EVERY
        self._reported = -1
        # impossible_value needs a price/quantity: drawn for a page view, it moves to the next
        # product event so the class keeps its share.
        self._owed_impossible = 0

    def run_day(self, day: int, budget: int, market_changed: bool = False) -> None:
        """Simulate sessions starting on `day` until exactly `budget` events are made."""
        if market_changed:
            self._cum = cumulative_weights(self._visitors, visit_weight)
        rng = self._rng
        remaining = budget
        while remaining > 0:
            # Start times are drawn up front and sorted, so a day's file reads in time order.
            # Over-provisioned: unused starts are simply dropped.
            starts = sorted(time_of_day(rng) for _ in range(remaining // 3 + 8))
            for start in starts:
                remaining -= self._session(day * DAY_MS + start, remaining)
                if remaining <= 0:
                    break

    def _plan(self, person: Person, identified: bool) -> list[Step]:
        """The funnel one session walks through (seq[int(rand() * len)] is used over
        rng.choice: the same uniform pick at a third of the cost)."""
        rng = self._rng
        rand = rng.random
        catalog = self._catalog
        steps: list[Step] = [(PAGE_VIEW, _LANDINGS[int(rand() * len(_LANDINGS))], None, 0)]
        while len(steps) < 4 and rand() < 0.35:
            steps.append((PAGE_VIEW, _BROWSING[int(rand() * len(_BROWSING))], None, 0))
        can_buy = person.email is not None
        if can_buy and rand() < (0.03 if identified else 0.10):
            steps.append((IDENTIFY, _LOGIN, None, 0))
            identified = True
        if rand() < 0.3:
            terms = catalog.search_terms
            steps.append((SEARCH, _SEARCH + terms[int(rand() * len(terms))], None, 0))
        if rand() >= 0.72:
            return steps
        viewed = [catalog.pick(rng)]
        while len(viewed) < 6 and rand() < 0.45:
            viewed.append(catalog.pick(rng))
        for product in viewed:
            steps.append((PRODUCT_VIEW, product.url, product, 1))
        boost = intent(person)
        if rand() >= 0.33 * boost:
            return steps
        distinct = list(dict.fromkeys(viewed))
        roll = rand()
        size = min(len(distinct), 1 if roll < 0.65 else 2 if roll < 0.9 else 3)
        basket = []
        for product in rng.sample(distinct, size):
            roll = rand()
            quantity = 1 if roll < 0.8 else 2 if roll < 0.95 else 3
            basket.append((product, quantity))
            steps.append((ADD_TO_CART, product.url, product, quantity))
        if rand() >= 0.55 * boost:
            return steps
        checkout = f"{SHOP_URL}/checkouts/{hex128(rng.getrandbits(128))}"
        steps.append((CHECKOUT_STARTED, checkout, None, 0))
        # No email, no web order: those shoppers abandon at the contact step.
        if not can_buy or rand() >= 0.65:
            return steps
        if not identified:
            steps.append((IDENTIFY, checkout, None, 0))
        thank_you = f"{checkout}/thank_you"
        for product, quantity in basket:
            steps.append((PURCHASE, thank_you, product, quantity))
        return steps

    def _session(self, start: int, remaining: int) -> int:
        """Emit one session's events from `start`; returns how many (1..remaining)."""
        rng = self._rng
        rand = rng.random
        person = self._visitors[bisect_right(self._cum, rand() * self._cum[-1])]
        devices = person.devices
        if len(devices) == 1 or rand() < 0.6:
            device = devices[0]  # the phone or laptop a person mostly uses
        else:
            device = devices[1 + int(rand() * (len(devices) - 1))]
        steps = self._plan(person, device.identified)
        if len(steps) > remaining:
            del steps[remaining:]  # the day's event budget is spent mid-session

        # Locals and inlined formatting: this loop runs once per event.
        prefix, hms, msz = self._clock.iso_tables()
        late_before = self._clock.last_day * DAY_MS  # nothing is late into the last file
        sink = self._sink
        emit = sink.emit
        deliver = sink.deliver
        defects = self._defects
        defect_roll = defects.rng.random
        rate = defects.rate
        owed = self._owed_impossible
        delivery = self._delivery.random
        getrandbits = rng.getrandbits
        aid = device.anonymous_id
        ua_tail = self._ua_tails[device.user_agent]
        currency = person.currency
        form = -1
        email_fragment = order_fragment = ""
        seen = named = False
        t = start
        for kind, url, product, quantity in steps:
            extra = ""
            if kind >= PURCHASE:  # purchase or identify: the only events naming the person
                if form < 0:
                    form = person.web_form if rand() < 0.85 else int(rand() * EMAIL_FORMS)
                    email_fragment = f'"user_email":"{person.email_as(form)}",'
                extra = email_fragment
                if kind == IDENTIFY:
                    device.identified = True
            if product is not None:
                extra += product.web_fragments[currency] + _QUANTITY_FRAGMENTS[quantity]
                if kind == PURCHASE:
                    if not order_fragment:
                        items = [(p, q) for k, _, p, q in steps if k == PURCHASE and p is not None]
                        name = self._shopify.create_order(person, items, t)
                        order_fragment = f'"order_ref":"{name}",'
                    extra += order_fragment

            label = None
            if defect_roll() < rate:
                label = defects.choose()
                if label == "impossible_value" and product is None:
                    # It needs a price or quantity: the next product event carries it instead,
                    # so the class keeps its share.
                    owed += 1
                    label = None
            elif owed and product is not None:
                owed -= 1
                label = "impossible_value"
            # One delivery draw decides on time / late / duplicate, a second one the delay.
            roll = delivery()
            late = label is None and roll < LATE_RATE and t < late_before
            if late:
                # Queued offline in the browser and sent 1 to 3 days later.
                received = t + DAY_MS + int(delivery() * 2 * DAY_MS)
            else:
                received = t + 40 + int(delivery() ** 2 * 4000)  # network latency, mostly < 1 s
            h = getrandbits(128).to_bytes(16, "big").hex()  # = hex128, inlined
            day, ms = divmod(t, DAY_MS)
            rday, rms = divmod(received, DAY_MS)
            line = (
                f'{{"event_id":"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}'
                f'{_TYPE_FRAGMENTS[kind]}{aid}",{extra}'
                f'"client_ts":"{prefix[day]}{hms[ms // 1000]}{msz[ms % 1000]}",'
                f'"received_at":"{prefix[rday]}{hms[rms // 1000]}{msz[rms % 1000]}",'
                f'"page_url":"{url}{ua_tail}'
            )
            if label is not None:
                deliver(received, web_defect(label, line, defects.rng), label)
            elif roll >= LATE_RATE + DUPLICATE_RATE:
                emit(received, line)
                seen = True
            elif late:
                deliver(received, line, LATE, delayed=True)
                seen = True
            else:
                emit(received, line)
                if roll >= LATE_RATE:
                    # At-least-once delivery: a retry after a lost ack, same payload.
                    if delivery() < 0.7:
                        again = received + 1000 + int(delivery() * 600_000)
                    else:
                        again = received + 3_600_000 + int(delivery() * 2 * DAY_MS)
                    aday, ams = divmod(again, DAY_MS)
                    copy = line.replace(
                        f'"received_at":"{prefix[rday]}{hms[rms // 1000]}{msz[rms % 1000]}"',
                        f'"received_at":"{prefix[aday]}{hms[ams // 1000]}{msz[ams % 1000]}"',
                    )
                    deliver(again, copy, DUPLICATE, delayed=True)
                seen = True
            if label is None and kind >= PURCHASE:
                named = True
            # Dwell time before the next event: mostly seconds, sometimes minutes.
            t += 2000 + int(rand() * rand() * 150_000)
        self._owed_impossible = owed
        if seen:
            device.seen = True
        if named:
            person.email_used |= 1 << form
        self._done += len(steps)
        if self._done >= self._next_report:
            self._report()
            self._next_report = (self._done // PROGRESS_EVERY + 1) * PROGRESS_EVERY
        return len(steps)

    def finish(self) -> None:
        """The final progress call (done == total), unless the last report already said so."""
        if self._reported != self._done:
            self._report()

    def _report(self) -> None:
        self._reported = self._done
        if self._progress is not None:
            self._progress(self._done, self._total)
