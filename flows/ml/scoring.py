"""Batch scoring: every current customer (ml_customer_features at the scoring cutoff) scored by
the champion and the shadow, appended to ml.predictions; `serve` says whose scores are served."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from flows.engine import ShoplogError, Target, connect, writer_lock
from flows.ml.dataset import read_relation
from flows.ml.registry import open_registry
from flows.ml.store import load_model
from flows.ml.train import predict

PREDICTIONS_DDL = """
create table if not exists ml.predictions (
    scored_at timestamp not null,
    model_version varchar(200) not null,
    alias varchar(20) not null,
    customer_key varchar(32) not null,
    cutoff_date date not null,
    score double precision not null,
    is_served boolean not null
)
"""
SERVABLE = ("champion", "shadow")


@dataclass(frozen=True)
class ScoringResult:
    scored_at: str
    customers: int
    served: str
    versions: dict[str, str]  # alias -> version


def score(target: Target, serve: str = "champion") -> ScoringResult:
    if serve not in SERVABLE:
        raise ShoplogError(f"cannot serve {serve!r}: choose one of {', '.join(SERVABLE)}")
    with open_registry(target) as registry:
        models = {alias: registry.aliased(alias) for alias in SERVABLE}
    if models[serve] is None:
        raise ShoplogError(
            f"there is no {serve} yet: promote one with `shoplog models promote VERSION --by NAME`"
            if serve == "champion"
            else "there is no shadow yet: run `shoplog retrain`"
        )
    customers = read_relation(target, "ml.ml_customer_features", "where not is_training")
    if customers.num_rows == 0:
        raise ShoplogError("ml.ml_customer_features has no customers to score")
    scored_at = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)  # one value per run
    keys = customers.column("customer_key").to_pylist()
    cutoffs = customers.column("cutoff_date").to_pylist()
    rows = []
    for alias, model in models.items():
        if model is None:
            continue
        estimator, features = load_model(Path(model.artifact_path))
        scores = predict(estimator, customers, tuple(features))
        rows += [
            (scored_at, model.version, alias, k, c, float(s), alias == serve)
            for k, c, s in zip(keys, cutoffs, scores, strict=True)
        ]
    write_predictions(target, rows)
    return ScoringResult(
        scored_at.isoformat(),
        customers.num_rows,
        serve,
        {alias: m.version for alias, m in models.items() if m is not None},
    )


def write_predictions(target: Target, rows: list[tuple]) -> None:
    with writer_lock(target):
        conn = connect(target)
        try:
            # DuckDB: the connection itself (a registered frame is visible to it alone)
            cur = conn.cursor() if target.pg_dsn else conn
            cur.execute("create schema if not exists ml")
            cur.execute(PREDICTIONS_DDL)
            if target.pg_dsn:
                from psycopg2.extras import execute_values

                execute_values(cur, "insert into ml.predictions values %s", rows, page_size=5000)
            else:
                import pyarrow as pa

                names = ["scored_at", "model_version", "alias", "customer_key"]
                names += ["cutoff_date", "score", "is_served"]
                frame = pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])
                conn.register("new_predictions", frame)
                columns = ", ".join(names)
                conn.execute(f"insert into ml.predictions select {columns} from new_predictions")
            conn.commit()
        finally:
            conn.close()
