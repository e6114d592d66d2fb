"""The retrain settings (ml/retrain.yml) read into a typed record, checked once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flows.engine import ShoplogError, data_dir, project_root

FEATURES = (
    "orders_total",
    "orders_7d",
    "orders_30d",
    "orders_90d",
    "marketplace_order_share",
    "net_revenue_usd",
    "net_revenue_usd_90d",
    "avg_order_value_usd",
    "days_since_last_order",
    "sessions_total",
    "sessions_7d",
    "sessions_30d",
    "sessions_90d",
    "events_30d",
    "product_view_sessions_30d",
    "add_to_cart_sessions_30d",
    "checkout_sessions_total",
    "days_since_last_session",
    "tenure_days",
)
CHALLENGER_PARAMS = ("learning_rate", "max_iter", "max_depth", "min_samples_leaf")


@dataclass(frozen=True)
class RetrainConfig:
    model_name: str = "purchase_propensity"
    holdout_cutoffs: int = 2
    min_auc_margin: float = 0.005
    auto_promote: bool = False
    require_quality_gate: bool = True
    challenger: dict[str, float] = field(
        default_factory=lambda: {
            "learning_rate": 0.03,
            "max_iter": 100,
            "max_depth": 2,
            "min_samples_leaf": 50,
        }
    )
    shadow_c: float = 1.0
    shadow_features: tuple[str, ...] = (
        "orders_total",
        "orders_90d",
        "days_since_last_order",
        "net_revenue_usd",
    )


def default_config_path() -> Path:
    return project_root() / "ml" / "retrain.yml"


def artifacts_dir() -> Path:
    """Where datasets, models and reports go: SHOPLOG_ARTIFACTS_DIR, else artifacts/ at the
    project root (next to the default data/)."""
    env = os.environ.get("SHOPLOG_ARTIFACTS_DIR")
    if env:
        return Path(env).resolve()
    if os.environ.get("SHOPLOG_DATA_DIR"):
        return data_dir() / "artifacts"  # an isolated data dir keeps its artifacts with it
    return project_root() / "artifacts"


def load_config(path: Path | None = None, margin: float | None = None) -> RetrainConfig:
    """The settings of `path` (default ml/retrain.yml); `margin` overrides min_auc_margin."""
    path = path or default_config_path()
    try:
        doc: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ShoplogError(f"cannot read the retrain settings {path}: {exc}") from None
    promotion = doc.get("promotion") or {}
    challenger = {**RetrainConfig().challenger, **(doc.get("challenger") or {})}
    unknown = set(challenger) - set(CHALLENGER_PARAMS)
    if unknown:
        raise ShoplogError(f"{path}: unknown challenger parameter(s) {', '.join(sorted(unknown))}")
    shadow = doc.get("shadow") or {}
    config = RetrainConfig(
        model_name=str(doc.get("model_name", "purchase_propensity")),
        holdout_cutoffs=int(doc.get("holdout_cutoffs", 2)),
        min_auc_margin=float(promotion.get("min_auc_margin", 0.005)),
        auto_promote=bool(promotion.get("auto_promote", False)),
        require_quality_gate=bool(promotion.get("require_quality_gate", True)),
        challenger=challenger,
        shadow_c=float(shadow.get("C", 1.0)),
        shadow_features=tuple(shadow.get("features", RetrainConfig().shadow_features)),
    )
    if margin is not None:
        config = RetrainConfig(**{**config.__dict__, "min_auc_margin": margin})
    bad = set(config.shadow_features) - set(FEATURES)
    if bad:
        raise ShoplogError(f"{path}: the shadow uses unknown feature(s) {', '.join(sorted(bad))}")
    if config.holdout_cutoffs < 1:
        raise ShoplogError(f"{path}: holdout_cutoffs must be at least 1")
    return config
