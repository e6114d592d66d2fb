"""Which code a model comes from: the checkout's commit and whether it has local changes."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from flows.engine import ShoplogError


@dataclass(frozen=True)
class CodeState:
    sha: str
    dirty: bool
    changes: tuple[str, ...]  # `git status --porcelain` lines


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ShoplogError(f"{repo} is not a git checkout: {result.stderr.strip()[:200]}")
    return result.stdout


def code_state(repo: Path) -> CodeState:
    sha = _git(repo, "rev-parse", "HEAD").strip()
    changes = tuple(line for line in _git(repo, "status", "--porcelain").splitlines() if line)
    return CodeState(sha, bool(changes), changes)


def require_committed(repo: Path, allow_dirty: bool) -> CodeState:
    """The code state; a dirty tree is refused unless allow_dirty (then recorded as dirty)."""
    try:
        state = code_state(repo)
    except ShoplogError:
        if not allow_dirty:
            raise
        return CodeState("unknown", True, ())
    if state.dirty and not allow_dirty:
        shown = ", ".join(line[3:] for line in state.changes[:3])
        more = f" and {len(state.changes) - 3} more" if len(state.changes) > 3 else ""
        raise ShoplogError(
            f"refusing to train from a dirty git tree ({shown}{more}): commit first, "
            "or pass --allow-dirty (the model is then recorded as dirty)"
        )
    return state
