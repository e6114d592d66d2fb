"""How volume is spread over time: weekly seasonality, a mild trend, a daily rhythm."""

from __future__ import annotations

import datetime
import random
from bisect import bisect_right
from itertools import accumulate

WEEKEND_FACTOR = 1.3
DAILY_TREND = 0.004  # +0.4 % a day: about +12 % over a 30-day window
# Shoppers are mostly in North America, busiest in their evening; weights per UTC hour.
_HOUR_WEIGHTS = (9, 9, 8, 6, 4, 3, 2, 2, 2, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 9)
_HOUR_CUM = tuple(accumulate(_HOUR_WEIGHTS))


def day_weights(start: datetime.date, days: int) -> list[float]:
    """The relative traffic of each day of the window."""
    weights = []
    for d in range(days):
        weekend = (start + datetime.timedelta(days=d)).weekday() >= 5
        weights.append((WEEKEND_FACTOR if weekend else 1.0) * (1.0 + DAILY_TREND * d))
    return weights


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split total into integers proportional to weights that sum exactly to total.

    Largest-remainder rounding with ties broken by day index, so it is deterministic.
    """
    scale = sum(weights)
    shares = [total * w / scale for w in weights]
    counts = [int(s) for s in shares]
    short = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[:short]:
        counts[i] += 1
    return counts


def time_of_day(rng: random.Random) -> int:
    """A moment of a day (ms after midnight UTC) following the daily rhythm."""
    hour = bisect_right(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])
    return hour * 3_600_000 + int(rng.random() * 3_600_000)
