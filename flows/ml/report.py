"""The HTML report of one training run: ROC and PR curves, calibration, feature importance and
the champion against the challenger and the shadow, as inline SVG (no plotting library)."""

from __future__ import annotations

import html
from pathlib import Path

from flows.ml.evaluate import Evaluation

WIDTH, HEIGHT, PAD = 360, 300, 44
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
MAX_POINTS = 400  # curves are thinned so the page stays small


def _thin(xs: list[float], ys: list[float]) -> list[tuple[float, float]]:
    step = max(1, len(xs) // MAX_POINTS)
    points = list(zip(xs[::step], ys[::step], strict=True))
    if points[-1] != (xs[-1], ys[-1]):
        points.append((xs[-1], ys[-1]))
    return points


def _frame(title: str, xlabel: str, ylabel: str, body: str) -> str:
    w, h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    ticks = "".join(
        f'<text x="{PAD + t * w:.0f}" y="{HEIGHT - PAD + 14}" font-size="10" '
        f'text-anchor="middle">{t:.1f}</text>'
        f'<text x="{PAD - 6}" y="{HEIGHT - PAD - t * h + 3:.0f}" font-size="10" '
        f'text-anchor="end">{t:.1f}</text>'
        for t in (0.0, 0.5, 1.0)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{html.escape(title)}">'
        f'<text x="{WIDTH / 2}" y="16" font-size="13" text-anchor="middle">{html.escape(title)}'
        f'</text><rect x="{PAD}" y="{PAD}" width="{w}" height="{h}" fill="none" stroke="#999"/>'
        f'{ticks}<text x="{WIDTH / 2}" y="{HEIGHT - 8}" font-size="11" text-anchor="middle">'
        f'{xlabel}</text><text x="12" y="{HEIGHT / 2}" font-size="11" text-anchor="middle" '
        f'transform="rotate(-90 12 {HEIGHT / 2})">{ylabel}</text>{body}</svg>'
    )


def line_chart(
    title: str,
    xlabel: str,
    ylabel: str,
    series: dict[str, list[tuple[float, float]]],
    diagonal: bool = False,
) -> str:
    w, h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def xy(x: float, y: float) -> str:
        return f"{PAD + x * w:.1f},{PAD + (1 - y) * h:.1f}"

    body = ""
    if diagonal:
        body += f'<polyline points="{xy(0, 0)} {xy(1, 1)}" stroke="#bbb" stroke-dasharray="4"/>'
    for i, (name, points) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        path = " ".join(xy(x, y) for x, y in points)
        body += f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>'
        body += (
            f'<text x="{PAD + 8}" y="{PAD + 14 + 13 * i}" font-size="10" fill="{color}">'
            f"{html.escape(name)}</text>"
        )
    return _frame(title, xlabel, ylabel, body)


def bar_chart(title: str, values: dict[str, float]) -> str:
    row = 16
    width = 520
    top = max(values.values(), default=0.0) or 1.0
    bars = ""
    for i, (name, value) in enumerate(values.items()):
        length = max(0.0, value) / top * (width - 240)
        y = 26 + i * row
        bars += (
            f'<text x="200" y="{y + 11}" font-size="11" text-anchor="end">{html.escape(name)}'
            f'</text><rect x="206" y="{y}" width="{length:.1f}" height="{row - 4}" '
            f'fill="{COLORS[0]}"/><text x="{210 + length:.1f}" y="{y + 11}" font-size="10">'
            f"{value:.4f}</text>"
        )
    height = 36 + row * len(values)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<text x="{width / 2}" y="16" font-size="13" text-anchor="middle">{html.escape(title)}'
        f"</text>{bars}</svg>"
    )


def write_report(
    path: Path,
    title: str,
    evaluations: dict[str, Evaluation],
    importance: dict[str, float],
    facts: dict[str, str],
) -> Path:
    """`evaluations`: label (e.g. "challenger <version>") -> its holdout evaluation."""
    roc = {name: _thin(*e.roc) for name, e in evaluations.items()}
    pr = {name: _thin(*e.pr) for name, e in evaluations.items()}
    calibration = {
        name: [(b["mean_predicted"], b["observed_rate"]) for b in e.calibration]
        for name, e in evaluations.items()
    }
    metric_names = sorted({m for e in evaluations.values() for m in e.metrics})
    header = "".join(f"<th>{html.escape(m)}</th>" for m in metric_names)
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td>"
        + "".join(f"<td>{e.metrics.get(m, float('nan')):.4f}</td>" for m in metric_names)
        + "</tr>"
        for name, e in evaluations.items()
    )
    fact_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in facts.items()
    )
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}svg{{margin:8px}}</style></head>
<body><h1>{html.escape(title)}</h1>
<table>{fact_rows}</table>
<h2>Champion, challenger and shadow on the same holdout</h2>
<table><tr><th>model</th>{header}</tr>{rows}</table>
<h2>Curves</h2>
{line_chart("ROC curve", "false positive rate", "true positive rate", roc, diagonal=True)}
{line_chart("Precision-recall curve", "recall", "precision", pr)}
{line_chart("Calibration", "mean predicted", "observed rate", calibration, diagonal=True)}
<h2>Feature importance (challenger)</h2>
<p>Mean drop in holdout ROC AUC when the feature is shuffled (permutation importance).</p>
{bar_chart("Permutation importance", importance)}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
