"""The promotion gate: a challenger may become champion only when it beats the champion (the
shadow while there is none) by the configured margin on the same holdout and the latest
data-quality run passed; then a person approves it, unless auto-promotion is configured."""

from __future__ import annotations

from dataclasses import dataclass

from flows.ml.config import RetrainConfig
from flows.ml.registry import Registry

GATE_ACTOR = "retrain gate"
AUTO_ACTOR = "auto-promotion"


@dataclass(frozen=True)
class GateVerdict:
    passed: bool
    reason: str
    promoted: bool


def judge(
    challenger_auc: float,
    baseline_name: str,
    baseline_auc: float,
    quality_passed: bool,
    config: RetrainConfig,
) -> tuple[bool, str]:
    reasons = []
    if challenger_auc < baseline_auc + config.min_auc_margin:
        reasons.append(
            f"ROC AUC {challenger_auc:.4f} does not beat the {baseline_name}'s "
            f"{baseline_auc:.4f} by the margin {config.min_auc_margin}"
        )
    if config.require_quality_gate and not quality_passed:
        reasons.append("the latest data-quality run did not pass (run `shoplog quality`)")
    if reasons:
        return False, "; ".join(reasons)
    return True, (
        f"ROC AUC {challenger_auc:.4f} beats the {baseline_name}'s {baseline_auc:.4f} "
        f"by at least {config.min_auc_margin}"
        + ("; data-quality gate passed" if config.require_quality_gate else "")
    )


def apply_gate(
    registry: Registry,
    version: str,
    challenger_auc: float,
    baseline_name: str,
    baseline_auc: float,
    quality_passed: bool,
    config: RetrainConfig,
) -> GateVerdict:
    passed, reason = judge(challenger_auc, baseline_name, baseline_auc, quality_passed, config)
    if registry.get(version).alias == "champion":
        return GateVerdict(passed, reason, promoted=False)  # retrained into the same version
    registry.set_gate(version, "passed" if passed else "rejected", reason, GATE_ACTOR)
    promoted = False
    if passed and config.auto_promote:
        registry.promote(version, AUTO_ACTOR, f"auto-promotion configured: {reason}")
        promoted = True
    return GateVerdict(passed, reason, promoted)
