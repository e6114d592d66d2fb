"""Dev and prod: where the last prod manifest is kept, and what a dev build needs from prod.

Slim builds (`shoplog build --changed`) compare the project with the manifest of the last
successful full prod build and defer unchanged parents to prod's relations. That manifest is
kept outside target/ (which `dbt clean` and every dev command rewrite), beside the prod data.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flows.engine import ShoplogError, Target, data_dir, list_relations

MANIFEST = "manifest.json"


def prod_state_dir(target: Target) -> Path:
    """Where the prod manifest of a warehouse is kept: data/state/prod/<warehouse>/."""
    prod = target.prod()
    if prod.duckdb_path is not None:
        return prod.duckdb_path.parent / "state" / "prod" / prod.duckdb_path.stem
    assert prod.pg_dsn is not None
    return data_dir() / "state" / "prod" / "postgres-{host}-{port}-{dbname}".format(**prod.pg_dsn)


def save_prod_state(target: Target, target_path: Path) -> Path:
    """Keep the manifest a successful prod build just wrote (replaced atomically)."""
    if target.env != "prod":
        raise ValueError(f"only a prod build's manifest is kept, not {target.env}'s")
    built = target_path / MANIFEST
    if not built.exists():
        raise ShoplogError(f"dbt wrote no manifest at {built}")
    out = prod_state_dir(target)
    out.mkdir(parents=True, exist_ok=True)
    partial = out / f".{MANIFEST}.partial"
    shutil.copyfile(built, partial)
    os.replace(partial, out / MANIFEST)
    return out / MANIFEST


def require_prod_state(target: Target) -> Path:
    """The folder holding the last prod manifest; a one-line error when there is none."""
    state = prod_state_dir(target)
    if not (state / MANIFEST).exists():
        raise ShoplogError(
            f"no prod manifest at {state / MANIFEST}: --changed compares with the last full "
            "prod build; run `shoplog run` (or `shoplog --env prod build`) first"
        )
    return state


def require_prod_log(target: Target) -> None:
    """A dev build reads prod's raw log: fail clearly when prod has none yet."""
    prod = target.prod()
    if prod.duckdb_path is not None and not prod.duckdb_path.exists():
        raise ShoplogError(
            f"dev reads the raw log of the prod warehouse {prod.duckdb_path}, which does not "
            "exist yet: run `shoplog run` first"
        )
    if not any(schema == "raw" for schema, _ in list_relations(prod)):
        raise ShoplogError(
            f"dev reads the raw log of prod ({prod.key}), which has no raw tables yet: "
            "run `shoplog run` first"
        )
