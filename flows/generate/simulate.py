"""One generator run: build the world, simulate day by day, write files and ground truth."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from .braintree import HEADER as BRAINTREE_HEADER
from .braintree import SALES_PER_EVENT, BraintreeSim
from .catalog import Catalog
from .clock import Clock
from .defects import BRAINTREE_CLASSES, DUPLICATE, LATE, SHOPIFY_CLASSES, WEB_CLASSES, DefectPicker
from .interest import plan_spells
from .options import Options
from .people import build_population, population_size
from .seasonality import allocate, day_weights
from .shopify import ShopifySim
from .sinks import DaySink
from .streams import stream
from .summary import GenerateSummary
from .truth import GROUND_TRUTH_DIR, DefectLog, Totals, write_identities
from .web import WebSim

WEB, SHOPIFY, BRAINTREE = "web_events", "shopify_orders", "braintree_transactions"
_CLASSES = {WEB: WEB_CLASSES, SHOPIFY: SHOPIFY_CLASSES, BRAINTREE: BRAINTREE_CLASSES}


def run(
    options: Options, out_dir: Path, progress: Callable[[int, int], None] | None
) -> GenerateSummary:
    seed = options.seed
    truth_dir = out_dir / GROUND_TRUTH_DIR
    truth_dir.mkdir(parents=True, exist_ok=True)
    clock = Clock(options.start, options.days)
    catalog = Catalog(stream(seed, "catalog"))
    people = build_population(stream(seed, "people"), population_size(options.events))
    spells = plan_spells(stream(seed, "interest"), people, options.days)

    log = DefectLog(truth_dir, (WEB, SHOPIFY, BRAINTREE))
    gz = options.gzip
    web_sink = DaySink(out_dir, WEB, ".jsonl", clock, log, gzip=gz)
    shopify_sink = DaySink(out_dir, SHOPIFY, ".jsonl", clock, log, gzip=gz)
    braintree_sink = DaySink(
        out_dir, BRAINTREE, ".csv", clock, log, gzip=gz, header=BRAINTREE_HEADER
    )
    sinks = (web_sink, shopify_sink, braintree_sink)
    totals = Totals()
    junk: dict[str, set[str]] = {}

    def picker(source: str) -> DefectPicker:
        return DefectPicker(
            stream(seed, f"{source}:defects"), options.defect_rate, _CLASSES[source]
        )

    shopify = ShopifySim(
        clock,
        shopify_sink,
        totals,
        stream(seed, "shopify"),
        stream(seed, "shopify:delivery"),
        picker(SHOPIFY),
    )
    braintree = BraintreeSim(
        clock,
        catalog,
        people,
        braintree_sink,
        totals,
        junk,
        stream(seed, "braintree"),
        stream(seed, "braintree:delivery"),
        picker(BRAINTREE),
    )
    web = WebSim(
        clock,
        catalog,
        people,
        shopify,
        web_sink,
        stream(seed, "web"),
        stream(seed, "web:delivery"),
        picker(WEB),
        options.events,
        progress,
    )

    weights = day_weights(options.start, options.days)
    event_budgets = allocate(options.events, weights)
    sales = allocate(round(options.events * SALES_PER_EVENT), weights)
    try:
        for day in range(options.days):
            for sink in sinks:
                sink.begin_day(day)
            for person, state in spells.get(day, ()):
                person.in_market = state
            changed = day in spells
            web.run_day(day, event_budgets[day], changed)
            braintree.run_day(day, sales[day], changed)
            for sink in sinks:
                sink.end_day()
    except BaseException:
        for sink in sinks:
            sink.close()
        log.close()
        raise
    web.finish()

    defects_path = log.finish()
    identities_path = truth_dir / "identities.csv"
    write_identities(identities_path, people, junk)
    totals_path = truth_dir / "totals.csv"
    totals.write(totals_path)

    records = {sink.source: sink.records for sink in sinks}
    defects = {
        sink.source: {label: sink.labels.get(label, 0) for label in _CLASSES[sink.source]}
        for sink in sinks
    }
    duplicates = {sink.source: sink.labels.get(DUPLICATE, 0) for sink in sinks}
    late = web_sink.labels.get(LATE, 0)
    summary_path = truth_dir / "summary.json"
    data_files = [path for sink in sinks for path in sink.files]
    summary = {
        "arguments": options.as_dict(),
        "records": records,
        "defects": defects,
        "duplicates": duplicates,
        "late_events": late,
        "people": len(people),
        "files": sorted(path.name for path in data_files),
    }
    summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    truth_files = [identities_path, defects_path, totals_path, summary_path]
    return GenerateSummary(
        out_dir=out_dir,
        files=tuple(sorted(data_files) + truth_files),
        records=records,
        defects=defects,
        duplicates=duplicates,
        late_events=late,
        people=len(people),
    )
