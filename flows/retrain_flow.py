"""The `retrain` Prefect flow (monthly deployment, `shoplog retrain`): refuse a dirty tree,
snapshot ml_training_set, train the challenger and the shadow, evaluate them and the champion
on the same holdout, save artifacts and the report, register both and apply the promotion
gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.engine import Target, project_root, resolve_target
from flows.ml.config import RetrainConfig, artifacts_dir, load_config
from flows.ml.dataset import Snapshot, snapshot_training_set
from flows.ml.gate import apply_gate
from flows.ml.gitinfo import CodeState, require_committed
from flows.ml.registry import open_registry, record_from_sidecar
from flows.ml.training import TrainingRun, train_and_save
from flows.quality.history import gate_passed


@dataclass
class RetrainSummary:
    target: str
    dataset_path: str
    dataset_created: bool
    challenger: str
    shadow: str
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # role -> metrics
    champion: str | None = None
    gate_passed: bool = False
    gate_reason: str = ""
    promoted: bool = False
    report_path: str = ""
    git_sha: str = ""
    git_dirty: bool = False


@task(name="check code state")
def code_state_task(allow_dirty: bool) -> CodeState:
    return require_committed(project_root(), allow_dirty)


@task(name="snapshot training set")
def snapshot_task(target: Target, config: RetrainConfig) -> Snapshot:
    return snapshot_training_set(target, artifacts_dir() / "datasets", config.model_name)


@task(name="train and evaluate")
def train_task(
    target: Target, snapshot: Snapshot, config: RetrainConfig, code: CodeState
) -> TrainingRun:
    champion = None
    try:
        with open_registry(target) as registry:
            current = registry.aliased("champion")
            if current is not None:
                champion = (current.version, Path(current.artifact_path))
    except Exception:  # no registry yet: nothing to compare with
        champion = None
    return train_and_save(snapshot, config, code, artifacts_dir(), champion)


@task(name="register and gate")
def register_task(
    target: Target, run: TrainingRun, config: RetrainConfig, quality_ok: bool
) -> tuple[bool, str, bool]:
    c, s = run.challenger, run.shadow
    with open_registry(target, write=True) as registry:
        registry.register(
            record_from_sidecar(s.sidecar, "shadow"), "shadow", "shoplog retrain", "baseline"
        )
        registry.register(
            record_from_sidecar(c.sidecar, "challenger"),
            "challenger",
            "shoplog retrain",
            f"trained on {Path(c.sidecar['dataset_path']).name}",
        )
        if run.champion_eval is not None and run.champion_version != c.version:
            baseline = ("champion", run.champion_eval.metrics["roc_auc"])
        else:
            baseline = ("shadow", run.shadow_eval.metrics["roc_auc"])
        verdict = apply_gate(
            registry,
            c.version,
            run.challenger_eval.metrics["roc_auc"],
            *baseline,
            quality_ok,
            config,
        )
    return verdict.passed, verdict.reason, verdict.promoted


@flow(name="retrain")
def retrain(
    target: str | None = None,
    allow_dirty: bool = False,
    config_path: str | None = None,
    margin: float | None = None,
) -> RetrainSummary:
    """Retrain the purchase-propensity model.

    Args:
        target: duckdb or postgres (default: SHOPLOG_TARGET, else duckdb)
        allow_dirty: train from a tree with uncommitted changes (recorded as dirty)
        config_path: retrain settings (default ml/retrain.yml)
        margin: ROC AUC margin a challenger must beat the champion by (default from settings)
    """
    logger = get_run_logger()
    resolved = resolve_target(target)
    config = load_config(Path(config_path) if config_path else None, margin)
    code = code_state_task(allow_dirty)
    snapshot = snapshot_task(resolved, config)
    logger.info("dataset %s (%s rows)", snapshot.path, snapshot.rows)
    run = train_task(resolved, snapshot, config, code)
    quality_ok = gate_passed(resolved) if config.require_quality_gate else True
    passed, reason, promoted = register_task(resolved, run, config, quality_ok)
    summary = RetrainSummary(
        target=resolved.name,
        dataset_path=str(snapshot.path),
        dataset_created=snapshot.created,
        challenger=run.challenger.version,
        shadow=run.shadow.version,
        metrics={"challenger": run.challenger_eval.metrics, "shadow": run.shadow_eval.metrics},
        champion=run.champion_version,
        gate_passed=passed,
        gate_reason=reason,
        promoted=promoted,
        report_path=str(run.report_path),
        git_sha=code.sha,
        git_dirty=code.dirty,
    )
    if run.champion_eval is not None:
        summary.metrics["champion"] = run.champion_eval.metrics
    create_markdown_artifact(
        key="retrain-summary",
        markdown=f"**{summary.challenger}**: gate {'passed' if passed else 'rejected'} - "
        f"{reason}\n\nreport: `{summary.report_path}`",
    )
    return summary
