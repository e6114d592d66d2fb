"""Simulation time and its three written forms.

Internally a moment is an int of milliseconds since the window start (midnight UTC of the start
day): cheap to add, compare and bucket into days. Formatting uses precomputed tables because the
web stream formats two timestamps per event and datetime.isoformat is several times slower.
"""

from __future__ import annotations

import calendar
import datetime
import functools

DAY_MS = 86_400_000
_HOUR_S = 3600


@functools.cache
def _hms_table() -> tuple[str, ...]:
    """The "HH:MM:SS" of every second of a day (about 5 MB, built once per process)."""
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))


@functools.cache
def _msz_table() -> tuple[str, ...]:
    return tuple(f".{ms:03d}Z" for ms in range(1000))


def _eastern_dst(year: int) -> tuple[int, int]:
    """US DST for the shop's America/New_York zone, as UTC epoch seconds [start, end).

    Second Sunday of March 02:00 EST (07:00 UTC) to first Sunday of November 02:00 EDT
    (06:00 UTC); computed here so no tz database has to be installed.
    """
    march_first = datetime.date(year, 3, 1).weekday()
    second_sunday = 1 + (6 - march_first) % 7 + 7
    nov_first = datetime.date(year, 11, 1).weekday()
    first_sunday = 1 + (6 - nov_first) % 7
    start = calendar.timegm((year, 3, second_sunday, 7, 0, 0))
    end = calendar.timegm((year, 11, first_sunday, 6, 0, 0))
    return start, end


class Clock:
    """Formats window-relative milliseconds for the three sources."""

    def __init__(self, start: datetime.date, days: int) -> None:
        self.start = start
        self.days = days
        self.last_day = days - 1
        self.end_ms = days * DAY_MS
        self.epoch_s = calendar.timegm(start.timetuple())
        self._hms = _hms_table()
        self._msz = _msz_table()
        # Records can be received a few days past the window (sessions past midnight, then up
        # to 3 days late or 2 days for a repeat): days + 8 covers every index ever formatted.
        self._dates = [(start + datetime.timedelta(days=d)).isoformat() for d in range(days + 8)]
        self._iso_prefix = [f"{d}T" for d in self._dates]
        # Summer-time spans as window-relative ms, for every year a record can fall in.
        last_year = (start + datetime.timedelta(days=days + 60)).year
        self._summer_ms = [
            ((begin - self.epoch_s) * 1000, (end - self.epoch_s) * 1000)
            for begin, end in map(_eastern_dst, range(start.year - 1, last_year + 1))
        ]

    def iso_tables(self) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
        """Pieces of the browser-SDK form 2026-09-03T10:15:02.123Z, to be inlined in the hot
        loop: "YYYY-MM-DDT" per day index (0 to days + 7), "HH:MM:SS" per second of the day,
        ".mmmZ" per millisecond."""
        return self._iso_prefix, self._hms, self._msz

    def date_str(self, day: int) -> str:
        """The "YYYY-MM-DD" of a window-relative day index (any int)."""
        if 0 <= day < len(self._dates):
            return self._dates[day]
        return (self.start + datetime.timedelta(days=day)).isoformat()

    def braintree_ts(self, t_ms: int) -> str:
        """Braintree export form, UTC without zone: 2026-09-03 10:15:02."""
        day, rest = divmod(t_ms, DAY_MS)
        return f"{self.date_str(day)} {self._hms[rest // 1000]}"

    def shop_offset_s(self, t_ms: int) -> int:
        """The shop's UTC offset (New York) at a moment: -4 h in summer time, else -5 h."""
        for begin, end in self._summer_ms:
            if begin <= t_ms < end:
                return -4 * _HOUR_S
        return -5 * _HOUR_S

    def shop_ts(self, t_ms: int) -> str:
        """Shopify Admin API form, shop-local with offset: 2026-09-03T06:15:02-04:00."""
        offset = self.shop_offset_s(t_ms)
        day, rest = divmod(t_ms + offset * 1000, DAY_MS)
        sign = "-" if offset < 0 else "+"
        hours, minutes = divmod(abs(offset) // 60, 60)
        return f"{self.date_str(day)}T{self._hms[rest // 1000]}{sign}{hours:02d}:{minutes:02d}"
