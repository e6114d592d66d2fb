"""The simulated population: who exists, how they can be identified, where they shop."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from .identity import EMAIL_FORMS, PHONE_FORMS, email_form, normalize_email
from .streams import uuid_like

MIN_PEOPLE = 50
EVENTS_PER_PERSON = 40
# How unequal people's lifelong activity is (lognormal sigma): the lasting part of the signal
# the purchase-propensity model learns (interest.py adds the passing part).
ACTIVITY_SIGMA = 1.2

_FIRST = (  # noqa: SIM905 - a word list reads better than 79 quoted items
    "james mary john patricia robert jennifer michael linda william elizabeth david barbara "
    "richard susan joseph jessica thomas sarah charles karen daniel lisa matthew nancy "
    "anthony betty mark sandra donald ashley steven emily paul donna andrew michelle joshua "
    "carol kevin amanda brian melissa george deborah timothy stephanie ronald rebecca jason "
    "laura ryan sharon jacob cynthia gary kathleen nicholas amy eric angela jonathan helen "
    "larry anna justin brenda scott pamela brandon emma noah olivia liam ava lucas mia sofia "
    "mateo chloe"
).split()
_LAST = (  # noqa: SIM905 - a word list reads better than 77 quoted items
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez "
    "lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson "
    "white harris sanchez clark ramirez lewis robinson walker young allen king wright scott "
    "torres nguyen hill flores green adams nelson baker hall rivera campbell mitchell carter "
    "roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart "
    "morris murphy cook rogers morgan peterson cooper reed bailey bell kelly howard ward cox "
    "richardson wood"
).split()
# Capitalized once: every person shares these strings (a 10 M-event run has 250 000 people).
_FIRST_NAMES = tuple(name.capitalize() for name in _FIRST)
_LAST_NAMES = tuple(name.capitalize() for name in _LAST)
_DOMAINS = (
    ("gmail.com", 40),
    ("googlemail.com", 2),
    ("yahoo.com", 11),
    ("outlook.com", 9),
    ("hotmail.com", 8),
    ("icloud.com", 8),
    ("aol.com", 3),
    ("proton.me", 4),
    ("comcast.net", 3),
    ("fastmail.com", 2),
    ("northwind-traders.com", 5),
    ("contoso.org", 5),
)
_AREA_CODES = (  # noqa: SIM905 - a word list reads better than 37 quoted items
    "201 206 210 212 213 214 215 267 281 303 305 310 312 347 404 415 469 503 512 602 617 646 "
    "702 713 718 720 773 786 801 818 832 858 917 919 925 949 972"
).split()
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:130.0) Gecko/20100101 Firefox/130.0",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0",
)
_UA_WEIGHTS = (26, 14, 24, 12, 6, 10, 4, 4)
_CURRENCY_WEIGHTS = (70, 12, 8, 10)  # in catalog.CURRENCIES order: USD, EUR, GBP, CAD
INSTRUMENTS = (
    "credit_card",
    "paypal_account",
    "apple_pay_card",
    "venmo_account",
    "android_pay_card",
)
INSTRUMENT_WEIGHTS = (55, 20, 12, 7, 6)
_DEVICE_CUM = tuple(accumulate((55, 30, 15)))  # 1, 2 or 3 browsers
_UA_CUM = tuple(accumulate(_UA_WEIGHTS))
_CURRENCY_CUM = tuple(accumulate(_CURRENCY_WEIGHTS))
_INSTRUMENT_CUM = tuple(accumulate(INSTRUMENT_WEIGHTS))
_DOMAIN_CUM = tuple(accumulate(w for _, w in _DOMAINS))


@dataclass(slots=True, eq=False)
class Device:
    """One browser: the SDK's anonymous id lives in its local storage."""

    anonymous_id: str
    user_agent: int  # index into USER_AGENTS
    identified: bool = False  # the SDK has sent identify from this browser
    seen: bool = False  # the anonymous id appears in at least one clean record


@dataclass(slots=True, eq=False)
class Person:
    pid: str
    first_name: str
    last_name: str
    email: str | None  # canonical: trimmed, lower-case (its form 0)
    phone: str | None  # 10 digits
    currency: int  # index into catalog.CURRENCIES
    devices: list[Device]
    web: bool  # shops on the web store (Shopify)
    marketplace: bool  # buys through the marketplace (Braintree)
    activity: float  # relative frequency of sessions / purchases
    variant_seed: int
    # Habits: the email form / phone format a person usually writes in each system (None: the
    # person never gives that system a phone number).
    web_form: int
    shop_form: int
    braintree_form: int
    shop_phone: int | None
    braintree_phone: int | None
    instrument: int
    shopify_customer_id: int | None = None  # assigned at the first order, then stable
    braintree_customer_id: str | None = None
    # What the ground truth lists: bit k set when form k appeared in a clean record.
    email_used: int = 0
    phone_used: int = 0
    in_shopify: bool = False
    in_braintree: bool = False
    email_variants: list[str] | None = None  # forms derived so far (only people who use them)
    in_market: int = 0  # today's in-market state: out, researching or buying (interest.py)

    def email_as(self, form: int) -> str:
        """This person's email written in form `form`: derived once, then kept."""
        assert self.email is not None, f"{self.pid} has no email"
        if form == 0:
            return self.email
        if self.email_variants is None:
            self.email_variants = [""] * EMAIL_FORMS
        if not self.email_variants[form]:
            self.email_variants[form] = email_form(self.email, self.variant_seed, form)
        return self.email_variants[form]


def population_size(events: int) -> int:
    return max(MIN_PEOPLE, events // EVENTS_PER_PERSON)


def build_population(rng: random.Random, size: int) -> list[Person]:
    taken_emails: set[str] = set()
    taken_phones: set[str] = set()
    people = []
    for index in range(size):
        first_index, last_index = rng.randrange(len(_FIRST)), rng.randrange(len(_LAST))
        first, last = _FIRST[first_index], _LAST[last_index]
        email = _email(rng, first, last, taken_emails)
        phone = _phone(rng, taken_phones) if rng.random() < 0.6 else None
        channel = rng.random()
        # Half shop only on the web store, a quarter only on the marketplace, a quarter both.
        web = channel < 0.5 or channel >= 0.75
        marketplace = channel >= 0.5
        n_devices = 1 + _weighted(rng, _DEVICE_CUM)
        devices = [Device(uuid_like(rng), _weighted(rng, _UA_CUM)) for _ in range(n_devices)]
        people.append(
            Person(
                pid=f"P{index + 1:07d}",
                first_name=_FIRST_NAMES[first_index],
                last_name=_LAST_NAMES[last_index],
                email=email,
                phone=phone,
                currency=_weighted(rng, _CURRENCY_CUM),
                devices=devices,
                web=web,
                marketplace=marketplace,
                activity=rng.lognormvariate(0.0, ACTIVITY_SIGMA),
                variant_seed=rng.getrandbits(48),
                web_form=_habit(rng),
                shop_form=_habit(rng),
                braintree_form=_habit(rng),
                shop_phone=rng.randrange(PHONE_FORMS) if rng.random() < 0.75 else None,
                braintree_phone=rng.randrange(PHONE_FORMS) if rng.random() < 0.85 else None,
                instrument=_weighted(rng, _INSTRUMENT_CUM),
            )
        )
    return people


def _weighted(rng: random.Random, cum: tuple[float, ...]) -> int:
    """Index drawn with cumulative weights (rng.choices re-accumulates on every call)."""
    return bisect_right(cum, rng.random() * cum[-1])


def _habit(rng: random.Random) -> int:
    # Most people type their address cleanly; the rest have a personal way of writing it.
    return 0 if rng.random() < 0.55 else rng.randrange(1, EMAIL_FORMS)


def _email(
    rng: random.Random,
    first: str,
    last: str,
    taken: set[str],
) -> str | None:
    if rng.random() >= 0.9:
        return None
    domain = _DOMAINS[_weighted(rng, _DOMAIN_CUM)][0]
    patterns = (
        f"{first}.{last}",
        f"{first}{last}",
        f"{first[0]}{last}",
        f"{first}_{last}",
        f"{last}.{first}",
        f"{first}.{last[0]}",
    )
    local = rng.choice(patterns)
    email = f"{local}@{domain}"
    # Distinct after normalization, so the ground truth never maps one address to two people.
    while normalize_email(email) in taken:
        email = f"{local}{rng.randint(1, 9999)}@{domain}"
    taken.add(normalize_email(email))
    return email


def _phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        number = f"{rng.choice(_AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        if number not in taken:
            taken.add(number)
            return number
