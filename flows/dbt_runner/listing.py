"""`dbt ls`: the unique ids of the nodes a selection picks, and the manifest they are in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flows.dbt_runner.runner import default_target_path, run_dbt
from flows.engine import ShoplogError, Target


def list_ids(target: Target, args: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """The unique ids `dbt ls <args>` prints (sorted, once each), and the manifest it wrote.

    Raises ShoplogError with dbt's own error line when dbt cannot list (a bad selector)."""
    printed: list[str] = []
    command = ["ls", *args, "--output", "json", "--output-keys", "unique_id"]
    result = run_dbt(command, target, on_line=printed.append)
    if result.returncode != 0:
        raise ShoplogError(f"dbt ls failed: {_last_error(result.output_tail)}")
    ids = {
        json.loads(line)["unique_id"]
        for line in (text.strip() for text in printed)
        if line.startswith("{") and '"unique_id"' in line
    }
    manifest = json.loads((default_target_path(target) / "manifest.json").read_text())
    return sorted(ids), manifest


def _last_error(tail: str) -> str:
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1]
