"""The generator's arguments, checked once, before anything is written."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

MAX_DEFECT_RATE = 0.5


@dataclass(frozen=True)
class Options:
    seed: int
    events: int
    days: int
    defect_rate: float
    start: datetime.date
    gzip: bool

    def __post_init__(self) -> None:
        # bool is an int subclass; True events or days is a caller's mistake, not 1.
        for name in ("seed", "events", "days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer, got {value!r}")
        if self.events < 1:
            raise ValueError(f"events must be at least 1, got {self.events}")
        if self.days < 1:
            raise ValueError(f"days must be at least 1, got {self.days}")
        rate = self.defect_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or math.isnan(rate):
            raise ValueError(f"defect_rate must be a number, got {rate!r}")
        if not 0.0 <= rate <= MAX_DEFECT_RATE:
            raise ValueError(f"defect_rate must be between 0 and {MAX_DEFECT_RATE}, got {rate}")
        # datetime is a date subclass; a time of day would be silently ignored.
        if not isinstance(self.start, datetime.date) or isinstance(self.start, datetime.datetime):
            raise ValueError(f"start must be a datetime.date, got {self.start!r}")

    def as_dict(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "events": self.events,
            "days": self.days,
            "defect_rate": self.defect_rate,
            "start": self.start.isoformat(),
            "gzip": self.gzip,
        }
