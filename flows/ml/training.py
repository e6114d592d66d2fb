"""One training run on a snapshot: split by time, fit the challenger and the shadow, evaluate
them (and the current champion) on the same holdout, save both with sidecars and the report."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.inspection import permutation_importance

from flows.ml.config import FEATURES, RetrainConfig
from flows.ml.dataset import Snapshot, time_split
from flows.ml.evaluate import DIGITS, Evaluation, evaluate
from flows.ml.gitinfo import CodeState
from flows.ml.report import write_report
from flows.ml.store import SavedModel, load_model, save_model
from flows.ml.train import (
    challenger_params,
    fit_challenger,
    fit_shadow,
    labels,
    matrix,
    params_slug,
    predict,
    shadow_params,
)

IMPORTANCE_REPEATS = 5


@dataclass(frozen=True)
class TrainingRun:
    challenger: SavedModel
    shadow: SavedModel
    challenger_eval: Evaluation
    shadow_eval: Evaluation
    champion_version: str | None
    champion_eval: Evaluation | None
    report_path: Path


def train_and_save(
    snapshot: Snapshot,
    config: RetrainConfig,
    code: CodeState,
    out_dir: Path,
    champion: tuple[str, Path] | None = None,
    today: datetime.date | None = None,
) -> TrainingRun:
    """Train both models on `snapshot`; `champion` (version, artifact) is scored on the same
    holdout for the gate and the report."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    split = time_split(snapshot.table, config.holdout_cutoffs)
    y = labels(split.holdout)
    c_params, s_params = challenger_params(config), shadow_params(config)
    challenger = fit_challenger(split.train, c_params)
    shadow = fit_shadow(split.train, s_params)
    c_eval = evaluate(y, predict(challenger, split.holdout, FEATURES))
    s_eval = evaluate(y, predict(shadow, split.holdout, tuple(s_params["features"])))
    champion_eval = None
    if champion is not None:
        model, features = load_model(champion[1])
        champion_eval = evaluate(y, predict(model, split.holdout, tuple(features)))

    found = permutation_importance(
        challenger,
        matrix(split.holdout, FEATURES),
        y,
        scoring="roc_auc",
        n_repeats=IMPORTANCE_REPEATS,
        random_state=0,
    )
    order = np.argsort(-found.importances_mean, kind="stable")
    importance = {FEATURES[i]: round(float(found.importances_mean[i]), DIGITS) for i in order}

    c_name, s_name = f"{config.model_name}_gbm", f"{config.model_name}_shadow"
    c_stem = f"{c_name}_{today.isoformat()}_{params_slug(c_params)}"
    s_stem = f"{s_name}_{today.isoformat()}_{params_slug(s_params)}"
    report_path = out_dir / "reports" / f"{c_stem}.html"
    common = {
        "git_sha": code.sha,
        "git_dirty": code.dirty,
        "dataset_path": str(snapshot.path),
        "dataset_sha256": snapshot.sha256,
        "rows": {
            "dataset": snapshot.rows,
            "train": split.train.num_rows,
            "holdout": split.holdout.num_rows,
        },
        "holdout_from": split.holdout_from.isoformat(),
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    saved_c = save_model(
        out_dir / "models",
        c_stem,
        challenger,
        list(FEATURES),
        {
            **common,
            "model_name": c_name,
            "role": "challenger",
            "params": c_params,
            "features": list(FEATURES),
            "metrics": c_eval.metrics,
            "calibration": c_eval.calibration,
            "feature_importance": importance,
            "report_path": str(report_path),
        },
    )
    saved_s = save_model(
        out_dir / "models",
        s_stem,
        shadow,
        list(s_params["features"]),
        {
            **common,
            "model_name": s_name,
            "role": "shadow",
            "params": {"C": s_params["C"]},
            "features": list(s_params["features"]),
            "metrics": s_eval.metrics,
            "calibration": s_eval.calibration,
            "report_path": str(report_path),
        },
    )
    report_path = Path(saved_c.sidecar["report_path"])
    evaluations: dict[str, Evaluation] = {f"challenger {saved_c.version}": c_eval}
    if champion_eval is not None and champion is not None:
        evaluations[f"champion {champion[0]}"] = champion_eval
    evaluations[f"shadow {saved_s.version}"] = s_eval
    facts: dict[str, Any] = {
        "dataset": f"{snapshot.path.name} ({snapshot.rows:,} rows, sha256 {snapshot.sha256})",
        "split": f"train {split.train.num_rows:,} rows on cutoffs whose label window ends by "
        f"{split.holdout_from}; holdout {split.holdout.num_rows:,} rows from that cutoff on",
        "code": f"{code.sha}{' (dirty tree)' if code.dirty else ''}",
        "challenger parameters": str(c_params),
        "shadow": f"logistic regression on {', '.join(s_params['features'])}",
    }
    write_report(report_path, f"Retrain report {saved_c.version}", evaluations, importance, facts)
    return TrainingRun(
        saved_c,
        saved_s,
        c_eval,
        s_eval,
        champion[0] if champion else None,
        champion_eval,
        report_path,
    )
