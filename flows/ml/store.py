"""Model artifacts: artifacts/models/<model_name>_<YYYY-MM-DD>_<params>.joblib and a JSON
sidecar beside it saying where the model came from and how it scored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from flows.engine import ShoplogError

# what makes two trainings the same model: same code, same data, same settings
IDENTITY_KEYS = ("git_sha", "git_dirty", "dataset_sha256", "params", "features")


@dataclass(frozen=True)
class SavedModel:
    version: str
    path: Path
    sidecar_path: Path
    sidecar: dict[str, Any]
    reused: bool  # the same training was already saved; nothing was written


def sidecar_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def read_sidecar(model_path: Path) -> dict[str, Any]:
    try:
        return json.loads(sidecar_path(model_path).read_text())
    except (OSError, ValueError) as exc:
        raise ShoplogError(f"cannot read the sidecar of {model_path}: {exc}") from None


def save_model(
    models_dir: Path, stem: str, model: Any, features: list[str], sidecar: dict[str, Any]
) -> SavedModel:
    """Save under `stem` (with -2, -3 ... when that name holds another training); an identical
    training already saved is reused, never overwritten."""
    models_dir.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        version = stem if n == 1 else f"{stem}-{n}"
        path = models_dir / f"{version}.joblib"
        if not path.exists():
            break
        existing = read_sidecar(path)
        if all(existing.get(k) == sidecar.get(k) for k in IDENTITY_KEYS):
            return SavedModel(version, path, sidecar_path(path), existing, reused=True)
        n += 1
    record = {"version": version, "artifact_path": str(path), **sidecar}
    joblib.dump({"model": model, "features": features, "version": version}, path)
    sidecar_path(path).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    return SavedModel(version, path, sidecar_path(path), record, reused=False)


def load_model(path: Path) -> tuple[Any, list[str]]:
    """The estimator and its feature list."""
    try:
        bundle = joblib.load(path)
    except (OSError, EOFError, ValueError) as exc:
        raise ShoplogError(f"cannot load the model {path}: {exc}") from None
    return bundle["model"], list(bundle["features"])
