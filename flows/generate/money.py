"""Money as integer cents: sums stay exact; the decimal string is made only when written."""

from __future__ import annotations


def cents_str(cents: int) -> str:
    """12345 -> "123.45", -5 -> "-0.05" (the 2-place decimal string every source uses)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
