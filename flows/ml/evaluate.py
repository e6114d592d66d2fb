"""Holdout metrics: ROC AUC, PR AUC (average precision), Brier score, calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

CALIBRATION_BINS = 10
DIGITS = 6  # metrics are recorded rounded, so reruns compare equal as text


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    calibration: list[dict[str, float]]  # per bin: mean predicted, observed rate, rows
    roc: tuple[list[float], list[float]]  # false positive rate, true positive rate
    pr: tuple[list[float], list[float]]  # recall, precision


def evaluate(y: np.ndarray, p: np.ndarray) -> Evaluation:
    if len(set(y.tolist())) < 2:
        raise ValueError("the holdout needs both labels to be evaluated")
    bins = calibration_bins(y, p)
    ece = sum(b["rows"] * abs(b["mean_predicted"] - b["observed_rate"]) for b in bins) / len(y)
    metrics = {
        "roc_auc": roc_auc_score(y, p),
        "pr_auc": average_precision_score(y, p),
        "brier": brier_score_loss(y, p),
        "calibration_error": ece,
        "positive_rate": float(np.mean(y)),
        "rows": float(len(y)),
    }
    fpr, tpr, _ = roc_curve(y, p)
    precision, recall, _ = precision_recall_curve(y, p)
    return Evaluation(
        {k: round(float(v), DIGITS) for k, v in metrics.items()},
        bins,
        (fpr.tolist(), tpr.tolist()),
        (recall.tolist(), precision.tolist()),
    )


def calibration_bins(y: np.ndarray, p: np.ndarray) -> list[dict[str, float]]:
    """Equal-width probability bins with rows: mean predicted against observed rate."""
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    index = np.clip(np.digitize(p, edges[1:-1]), 0, CALIBRATION_BINS - 1)
    bins = []
    for b in range(CALIBRATION_BINS):
        mask = index == b
        if mask.any():
            bins.append(
                {
                    "mean_predicted": round(float(p[mask].mean()), DIGITS),
                    "observed_rate": round(float(y[mask].mean()), DIGITS),
                    "rows": int(mask.sum()),
                }
            )
    return bins
