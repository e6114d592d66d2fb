"""What one generate() run wrote."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GenerateSummary:
    """Counts per source use the source names web_events, shopify_orders and
    braintree_transactions; `records` counts written lines (CSV header excluded), duplicate
    copies included."""

    out_dir: Path
    files: tuple[Path, ...]  # data files, then the ground_truth files
    records: dict[str, int]
    defects: dict[str, dict[str, int]]  # source -> defect class -> defective lines
    duplicates: dict[str, int]  # source -> duplicate copies
    late_events: int
    people: int

    @property
    def total_defects(self) -> int:
        return sum(sum(per_class.values()) for per_class in self.defects.values())
