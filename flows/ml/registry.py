"""The model registry in the warehouse: ml.model_registry (one row per model version, its
alias - champion, challenger, shadow - and its promotion-gate verdict) and ml.model_events,
an append-only history of who registered, promoted, rejected and rolled back what, and why.

Like audit.dq_results these are history, not derived from the log: dbt does not own them and
a replay leaves them alone. Every change holds the warehouse's writer lock.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flows.engine import ShoplogError, Target, connect, execute, list_relations, writer_lock

ALIASES = ("champion", "challenger", "shadow")
DDL = (
    "create schema if not exists ml",
    """create table if not exists ml.model_registry (
        version varchar(200) primary key,
        model_name varchar(200) not null,
        role varchar(20) not null,
        alias varchar(20),
        artifact_path varchar not null,
        dataset_path varchar not null,
        dataset_sha256 varchar(64) not null,
        git_sha varchar(40) not null,
        git_dirty boolean not null,
        params varchar not null,
        metrics varchar not null,
        holdout_roc_auc double precision not null,
        gate_status varchar(20) not null,
        gate_reason varchar not null,
        created_at timestamp not null
    )""",
    """create table if not exists ml.model_events (
        event_id bigint not null,
        version varchar(200) not null,
        event varchar(20) not null,
        alias varchar(20),
        previous_version varchar(200),
        actor varchar(200) not null,
        reason varchar not null,
        occurred_at timestamp not null
    )""",
)
REGISTRY_COLUMNS = (
    "version",
    "model_name",
    "role",
    "alias",
    "artifact_path",
    "dataset_path",
    "dataset_sha256",
    "git_sha",
    "git_dirty",
    "params",
    "metrics",
    "holdout_roc_auc",
    "gate_status",
    "gate_reason",
    "created_at",
)
EVENT_COLUMNS = (
    "event_id",
    "version",
    "event",
    "alias",
    "previous_version",
    "actor",
    "reason",
    "occurred_at",
)


@dataclass(frozen=True)
class ModelVersion:
    version: str
    model_name: str
    role: str  # challenger (gradient boosting) or shadow (baseline)
    alias: str | None
    artifact_path: str
    dataset_path: str
    dataset_sha256: str
    git_sha: str
    git_dirty: bool
    params: str
    metrics: str
    holdout_roc_auc: float
    gate_status: str  # passed, rejected, baseline (shadows are not gated)
    gate_reason: str
    created_at: datetime.datetime


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)


class Registry:
    """One open connection to the registry; use `open_registry`."""

    def __init__(self, target: Target, conn: Any) -> None:
        self.target = target
        self.conn = conn
        # DuckDB: the connection itself, so statements share its transaction
        self.cur = conn.cursor() if target.pg_dsn else conn
        self.mark = "%s" if target.pg_dsn else "?"

    def _exec(self, sql: str, params: tuple | list = ()) -> None:
        self.cur.execute(sql.replace("?", self.mark), list(params))

    def _rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        self._exec(sql, params)
        return self.cur.fetchall()

    # --- reading ---------------------------------------------------------------------

    def versions(self) -> list[ModelVersion]:
        rows = self._rows(
            f"select {', '.join(REGISTRY_COLUMNS)} from ml.model_registry "
            "order by created_at, version"
        )
        return [ModelVersion(*row) for row in rows]

    def get(self, version: str) -> ModelVersion:
        rows = self._rows(
            f"select {', '.join(REGISTRY_COLUMNS)} from ml.model_registry where version = ?",
            [version],
        )
        if not rows:
            raise ShoplogError(f"no model version {version!r}: see `shoplog models list`")
        return ModelVersion(*rows[0])

    def aliased(self, alias: str) -> ModelVersion | None:
        rows = self._rows(
            f"select {', '.join(REGISTRY_COLUMNS)} from ml.model_registry where alias = ?",
            [alias],
        )
        return ModelVersion(*rows[0]) if rows else None

    def events(self, version: str | None = None) -> list[dict[str, Any]]:
        where = "where version = ? " if version else ""
        rows = self._rows(
            f"select {', '.join(EVENT_COLUMNS)} from ml.model_events {where}order by event_id",
            [version] if version else [],
        )
        return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows]

    # --- writing (callers hold the writer lock, see `open_registry`) ------------------

    def _event(
        self,
        version: str,
        event: str,
        actor: str,
        reason: str,
        alias: str | None = None,
        previous: str | None = None,
    ) -> None:
        (last,) = self._rows("select coalesce(max(event_id), 0) from ml.model_events")[0]
        self._exec(
            f"insert into ml.model_events ({', '.join(EVENT_COLUMNS)}) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            [int(last) + 1, version, event, alias, previous, actor, reason, now()],
        )

    def _set_alias(self, version: str, alias: str | None) -> None:
        if alias is not None:
            self._exec("update ml.model_registry set alias = null where alias = ?", [alias])
        self._exec("update ml.model_registry set alias = ? where version = ?", [alias, version])

    def register(self, record: dict[str, Any], alias: str, actor: str, reason: str) -> bool:
        """Add a version (False when it is already registered) and point `alias` at it."""
        known = self._rows(
            "select count(*) from ml.model_registry where version = ?", [record["version"]]
        )[0][0]
        if not known:
            values = [record[c] for c in REGISTRY_COLUMNS if c != "alias"]
            columns = [c for c in REGISTRY_COLUMNS if c != "alias"]
            self._exec(
                f"insert into ml.model_registry ({', '.join(columns)}) "
                f"values ({', '.join('?' * len(columns))})",
                values,
            )
            self._event(record["version"], "registered", actor, reason, alias)
        current = self.get(record["version"]).alias
        if current != alias and current != "champion":
            self._set_alias(record["version"], alias)
        return not known

    def set_gate(self, version: str, status: str, reason: str, actor: str) -> None:
        self._exec(
            "update ml.model_registry set gate_status = ?, gate_reason = ? where version = ?",
            [status, reason, version],
        )
        self._event(version, "gate_passed" if status == "passed" else "rejected", actor, reason)

    def promote(self, version: str, actor: str, reason: str) -> ModelVersion | None:
        """Make a gated challenger the champion; returns the champion it replaced."""
        model = self.get(version)
        if model.role != "challenger":
            raise ShoplogError(f"{version} is a {model.role} model; only challengers are promoted")
        if model.alias == "champion":
            raise ShoplogError(f"{version} is already the champion")
        if model.gate_status != "passed":
            raise ShoplogError(f"{version} did not pass the promotion gate: {model.gate_reason}")
        previous = self.aliased("champion")
        self._set_alias(version, "champion")
        self._event(
            version, "promoted", actor, reason, "champion", previous.version if previous else None
        )
        return previous

    def reject(self, version: str, actor: str, reason: str) -> None:
        model = self.get(version)
        if model.alias == "champion":
            raise ShoplogError(f"{version} is the champion: `shoplog models rollback` replaces it")
        if model.role != "challenger":
            raise ShoplogError(f"{version} is a {model.role} model; only challengers are gated")
        self.set_gate(version, "rejected", reason, actor)
        if model.alias == "challenger":
            self._set_alias(version, None)

    def rollback(self, actor: str, reason: str) -> tuple[ModelVersion, ModelVersion]:
        """Point champion back at the one the current champion replaced: (from, to)."""
        current = self.aliased("champion")
        if current is None:
            raise ShoplogError("there is no champion to roll back")
        promotions = [
            e for e in self.events(current.version) if e["event"] in ("promoted", "rolled_back")
        ]
        previous = next(
            (e["previous_version"] for e in reversed(promotions) if e["event"] == "promoted"),
            None,
        )
        if previous is None:
            raise ShoplogError(
                f"{current.version} replaced no earlier champion: nothing to roll back to"
            )
        self._set_alias(current.version, None)
        self._set_alias(previous, "champion")
        self._event(previous, "rolled_back", actor, reason, "champion", current.version)
        return current, self.get(previous)


def ensure_tables(target: Target) -> None:
    with writer_lock(target):
        execute(target, *DDL)


@contextmanager
def open_registry(target: Target, write: bool = False) -> Iterator[Registry]:
    """The registry; with write=True under the writer lock, in one transaction."""
    if not write:
        if ("ml", "model_registry") not in list_relations(target):
            raise ShoplogError("no model registry yet: run `shoplog retrain` first")
        conn = connect(target, read_only=True)
        try:
            yield Registry(target, conn)
        finally:
            conn.close()
        return
    ensure_tables(target)
    with writer_lock(target):
        conn = connect(target)
        try:
            if not target.pg_dsn:
                conn.execute("begin transaction")
            registry = Registry(target, conn)
            yield registry
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()


def record_from_sidecar(sidecar: dict[str, Any], role: str) -> dict[str, Any]:
    """A registry row from a model's sidecar."""
    return {
        "version": sidecar["version"],
        "model_name": sidecar["model_name"],
        "role": role,
        "artifact_path": sidecar["artifact_path"],
        "dataset_path": sidecar["dataset_path"],
        "dataset_sha256": sidecar["dataset_sha256"],
        "git_sha": sidecar["git_sha"],
        "git_dirty": bool(sidecar["git_dirty"]),
        "params": json.dumps(sidecar["params"], sort_keys=True),
        "metrics": json.dumps(sidecar["metrics"], sort_keys=True),
        "holdout_roc_auc": float(sidecar["metrics"]["roc_auc"]),
        "gate_status": "pending" if role == "challenger" else "baseline",
        "gate_reason": "",
        "created_at": datetime.datetime.fromisoformat(sidecar["created_at"]).replace(tzinfo=None),
    }
