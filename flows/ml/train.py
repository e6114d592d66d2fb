"""The two models: the challenger (gradient boosting on every feature) and the shadow (a
logistic regression on order history: simple, robust, and independent of web tracking)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from flows.ml.config import FEATURES, RetrainConfig
from flows.ml.dataset import LABEL

SEED = 0


def matrix(table: pa.Table, features: tuple[str, ...]) -> np.ndarray:
    """Features as a float64 matrix, nulls as NaN."""
    columns = [
        table.column(name).to_numpy(zero_copy_only=False).astype(np.float64) for name in features
    ]
    return np.column_stack(columns) if columns else np.empty((table.num_rows, 0))


def labels(table: pa.Table) -> np.ndarray:
    return table.column(LABEL).to_numpy().astype(np.int64)


def challenger_params(config: RetrainConfig) -> dict[str, Any]:
    params = dict(config.challenger)
    params["max_iter"] = int(params["max_iter"])
    params["max_depth"] = int(params["max_depth"])
    params["min_samples_leaf"] = int(params["min_samples_leaf"])
    params["learning_rate"] = float(params["learning_rate"])
    return params


def shadow_params(config: RetrainConfig) -> dict[str, Any]:
    return {"C": config.shadow_c, "features": list(config.shadow_features)}


def fit_challenger(table: pa.Table, params: dict[str, Any]) -> HistGradientBoostingClassifier:
    # no early stopping: it holds out a random slice, and the split already holds out time
    model = HistGradientBoostingClassifier(**params, early_stopping=False, random_state=SEED)
    return model.fit(matrix(table, FEATURES), labels(table))


def fit_shadow(table: pa.Table, params: dict[str, Any]) -> Pipeline:
    model = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("scale", StandardScaler()),
            ("logistic", LogisticRegression(C=params["C"], max_iter=1000)),
        ]
    )
    return model.fit(matrix(table, tuple(params["features"])), labels(table))


def predict(model: Any, table: pa.Table, features: tuple[str, ...]) -> np.ndarray:
    """The probability of label 1 for every row."""
    return model.predict_proba(matrix(table, features))[:, 1]


def params_slug(params: dict[str, Any]) -> str:
    """Parameters in a file name, zero-padded so names sort by value: lr0.050_iter0150_..."""
    short = {"learning_rate": "lr", "max_iter": "iter", "max_depth": "depth"}
    short |= {"min_samples_leaf": "leaf", "C": "c"}
    parts = []
    for key in sorted(k for k in params if k in short):
        value = params[key]
        text = f"{value:05.3f}" if isinstance(value, float) else f"{int(value):04d}"
        parts.append(f"{short[key]}{text}")
    return "_".join(parts)
