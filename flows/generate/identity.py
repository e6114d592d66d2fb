"""How one person's email and phone get written differently across systems.

These variations are not defects: they are what entity resolution must undo. The warehouse
normalizes with exactly these documented rules, and only variants they undo are generated:

* email: trim spaces and lower-case; for gmail.com / googlemail.com also remove the dots and
  everything from the first '+' in the local part, and write the domain as gmail.com;
* phone: keep the digits only; a 10-digit number gets a leading 1 (US country code).
"""

from __future__ import annotations

GMAIL_DOMAINS = ("gmail.com", "googlemail.com")
EMAIL_FORMS = 4  # form 0 is the clean canonical address, 1-3 are that person's variants
PHONE_FORMS = 4
JUNK_EMAIL = "test@test.com"
JUNK_PHONE = "0000000000"

_TAGS = ("shop", "orders", "promo", "news", "deals", "2026")
_PADS = (" {}", "{} ", "  {}", "{}  ", " {} ")
_OTHER_OPS = ("case", "space")
_GMAIL_OPS = ("case", "space", "dots", "plus", "domain")


def normalize_email(value: str) -> str:
    """The documented email rule (the generator uses it to keep people's emails distinct)."""
    email = value.strip(" ").lower()
    local, _, domain = email.rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def normalize_phone(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return "1" + digits if len(digits) == 10 else digits


class _Mix:
    """splitmix64: a tiny deterministic generator for deriving email forms.

    Forms are derived on every identify and purchase; seeding a random.Random each time costs
    about 4 us, this costs a fraction of that and needs no state kept per person.
    """

    __slots__ = ("_state",)
    _MASK = (1 << 64) - 1

    def __init__(self, seed: int) -> None:
        self._state = seed & self._MASK

    def below(self, n: int) -> int:
        mask = self._MASK
        self._state = z = (self._state + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        return (z ^ (z >> 31)) % n

    def pick(self, options: tuple[str, ...]) -> str:
        return options[self.below(len(options))]


def email_form(email: str, seed: int, form: int) -> str:
    """Form `form` of a person's canonical email; the same (seed, form) always gives the same text.

    Forms are derived from a per-person seed when first used (Person.email_as keeps them), so
    people who never write their email cost no memory for it.
    """
    if form == 0:
        return email
    mix = _Mix(seed * 16 + form)
    local, domain = email.split("@")
    ops = _GMAIL_OPS if domain in GMAIL_DOMAINS else _OTHER_OPS
    for _ in range(8):
        first = ops[mix.below(len(ops))]
        second = ops[mix.below(len(ops))] if mix.below(2) else first
        chosen = (first, second)
        loc, dom = local, domain
        if "dots" in chosen:
            loc = _move_dots(loc, mix)
        if "plus" in chosen:
            loc = f"{loc}+{mix.pick(_TAGS)}"
        if "domain" in chosen:
            dom = "googlemail.com" if dom == "gmail.com" else "gmail.com"
        out = f"{loc}@{dom}"
        if "case" in chosen:
            out = _recase(out, mix)
        if "space" in chosen:
            out = mix.pick(_PADS).format(out)
        if out != email:
            return out
    return f" {email}"


def _move_dots(local: str, mix: _Mix) -> str:
    """Gmail ignores dots: drop them all, or put one somewhere else (never first or last)."""
    bare = local.replace(".", "")
    if ("." in local and mix.below(2)) or len(bare) < 2:
        return bare
    cut = 1 + mix.below(len(bare) - 1)
    return f"{bare[:cut]}.{bare[cut:]}"


def _recase(text: str, mix: _Mix) -> str:
    style = mix.below(3)
    if style == 0:
        return text.upper()
    if style == 1:
        # "John.Smith@Gmail.com": capitalized like a person types it on a phone keyboard
        out, up = [], True
        for ch in text:
            out.append(ch.upper() if up else ch)
            up = ch in ".@_"
        return "".join(out)
    return "".join(ch.upper() if mix.below(10) < 3 else ch for ch in text)


def phone_form(digits: str, form: int) -> str:
    """The same US number in the four ways people and systems write it."""
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    if form == 0:
        return f"+1 ({area}) {exchange}-{line}"
    if form == 1:
        return f"{area}.{exchange}.{line}"
    if form == 2:
        return digits
    return f"1-{area}-{exchange}-{line}"
