"""`shoplog diff`: how a dev build moves the numbers, model by model, against prod.

Each model's dev and prod relations are joined on the model's primary key: rows only in dev
are added, rows only in prod removed, rows in both with any column distinct changed (counted
per column). Dev and prod are read in one connection: on DuckDB the dev file with the prod
file attached read-only, on PostgreSQL the one database holding both sets of schemas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flows.dbt_runner.listing import list_ids
from flows.engine import (
    ShoplogError,
    Target,
    connect,
    dev_schema_prefix,
    dev_target,
    duckdb_catalog,
    writer_lock,
)
from flows.envs import require_prod_state

STATUSES = ("added", "removed", "changed")


@dataclass(frozen=True)
class Relation:
    database: str | None  # DuckDB catalog; None on PostgreSQL (one database)
    schema: str
    name: str

    def sql(self) -> str:
        parts = [self.database] if self.database else []
        return ".".join(quote(p) for p in [*parts, self.schema, self.name])

    def __str__(self) -> str:
        return ".".join(p for p in (self.database, self.schema, self.name) if p)


@dataclass
class ModelDiff:
    model: str
    key: tuple[str, ...]
    dev: Relation
    prod: Relation
    dev_rows: int
    prod_rows: int | None  # None: prod has no such relation yet (a new model)
    sample_pct: float | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    changed_columns: dict[str, int] = field(default_factory=dict)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        return bool(
            self.prod_rows is None
            or self.added
            or self.removed
            or self.changed
            or self.columns_added
            or self.columns_removed
        )


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def diff_models(
    target: Target,
    models: Sequence[str] | None = None,
    sample_pct: float | None = None,
    examples: int = 3,
) -> list[ModelDiff]:
    """Compare the dev build of `models` (default: those modified since the last prod build)
    with prod. `sample_pct` compares that share of the keys (the same keys on both sides)."""
    dev = target if target.env == "dev" else dev_target(target)
    with writer_lock(dev):  # no build changes either side while they are compared
        nodes = _selected_models(dev, models)
        if not nodes:
            return []
        conn = _open_both(dev)
        try:
            return [_diff_one(conn, dev, node, sample_pct, examples) for node in nodes]
        finally:
            conn.close()


def _selected_models(dev: Target, models: Sequence[str] | None) -> list[dict[str, Any]]:
    """Manifest nodes of the models to compare, with dev's relation names."""
    args = ["--resource-type", "model"]
    if models:
        args += ["--select", *models]
    else:
        args += ["--select", "state:modified", "--state", str(require_prod_state(dev))]
    ids, manifest = list_ids(dev, args)
    if models and not ids:
        raise ShoplogError(f"no model matches {' '.join(models)}")
    return [_with_tests(manifest, manifest["nodes"][uid]) for uid in ids]


def _with_tests(manifest: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    tests = [
        test
        for test in manifest["nodes"].values()
        if test["resource_type"] == "test"
        and test.get("attached_node") == node["unique_id"]
        and test.get("test_metadata")
    ]
    return {**node, "_tests": tests}


def primary_key(node: dict[str, Any]) -> tuple[str, ...]:
    """`meta: {primary_key: ...}` of the model, else the column of its `unique` test, else the
    columns of its `unique_combination` test."""
    meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}
    declared = meta.get("primary_key")
    if declared:
        return (declared,) if isinstance(declared, str) else tuple(declared)
    tested: dict[str, set[str]] = {}
    for test in node["_tests"]:
        if test.get("column_name"):
            tested.setdefault(test["column_name"], set()).add(test["test_metadata"]["name"])
    # a unique column that is also not null, else any unique one; the first in the YAML
    order = list(node.get("columns", {}))
    unique = sorted(
        (c for c, names in tested.items() if "unique" in names),
        key=lambda c: ("not_null" not in tested[c], order.index(c) if c in order else len(order)),
    )
    if unique:
        return (unique[0],)
    for test in node["_tests"]:
        if test["test_metadata"]["name"] == "unique_combination":
            kwargs = test["test_metadata"].get("kwargs", {})
            columns = kwargs.get("columns") or kwargs.get("arguments", {}).get("columns")
            if columns:
                return tuple(columns)
    raise ShoplogError(
        f"{node['name']} has no primary key to diff on: give it a `unique` test or "
        "`meta: {primary_key: ...}` in its YAML"
    )


def prod_relation(dev: Target, relation: Relation) -> Relation:
    """Where prod keeps what dev keeps at `relation`."""
    if dev.prod_duckdb_path is not None:
        return Relation(duckdb_catalog(dev.prod_duckdb_path), relation.schema, relation.name)
    prefix = dev_schema_prefix()
    schema = relation.schema.removeprefix(prefix)
    return Relation(None, schema, relation.name)


def _open_both(dev: Target) -> Any:
    if dev.prod_duckdb_path is None:
        return connect(dev.prod(), read_only=True)  # one PostgreSQL database holds both
    conn = connect(dev, read_only=True)
    conn.execute(f"attach '{dev.prod_duckdb_path}' (read_only)")
    return conn


def _columns(conn: Any, dev: Target, relation: Relation) -> dict[str, str]:
    """Column name -> data type, in order; empty when the relation does not exist."""
    marker = "%s" if dev.pg_dsn else "?"
    sql = (
        "select column_name, data_type from information_schema.columns "
        f"where table_schema = {marker} and table_name = {marker}"
    )
    params: list[str] = [relation.schema, relation.name]
    if relation.database:
        sql += f" and table_catalog = {marker}"
        params.append(relation.database)
    cur = conn.cursor()
    cur.execute(sql + " order by ordinal_position", params)
    return {name: data_type for name, data_type in cur.fetchall()}


def _rows(conn: Any, sql: str) -> list[tuple]:
    cur = conn.cursor()
    cur.execute(sql)
    return cur.fetchall()


def _key_text(dev: Target, alias: str, key: Sequence[str]) -> str:
    parts = [f"cast({alias}{quote(k)} as varchar)" for k in key]
    return parts[0] if len(parts) == 1 else f"concat_ws('|', {', '.join(parts)})"


def _sample_filter(dev: Target, key: Sequence[str], pct: float | None) -> str:
    """The same keys on both sides: a hash of the key below pct % of the buckets."""
    if pct is None:
        return ""
    text = _key_text(dev, "", key)
    hashed = f"hash({text})" if dev.pg_dsn is None else f"abs(hashtext({text})::bigint)"
    return f" where {hashed} % 10000 < {round(pct * 100)}"


def _diff_one(
    conn: Any, dev: Target, node: dict[str, Any], pct: float | None, examples: int
) -> ModelDiff:
    dev_rel = Relation(
        node["database"] if dev.pg_dsn is None else None,
        node["schema"],
        node.get("alias") or node["name"],
    )
    prod_rel = prod_relation(dev, dev_rel)
    key = primary_key(node)
    dev_cols = _columns(conn, dev, dev_rel)
    if not dev_cols:
        raise ShoplogError(
            f"dev has no {node['name']} ({dev_rel}): build it first (`shoplog build --changed`)"
        )
    prod_cols = _columns(conn, dev, prod_rel)
    missing = [k for k in key if k not in dev_cols or (prod_cols and k not in prod_cols)]
    if missing:
        raise ShoplogError(f"{node['name']}: key column {missing[0]} is not in both relations")
    where = _sample_filter(dev, key, pct)
    dev_rows = _rows(conn, f"select count(*) from {dev_rel.sql()}{where}")[0][0]
    report = ModelDiff(node["name"], key, dev_rel, prod_rel, dev_rows, None, pct)
    if not prod_cols:  # a new model: every row is added
        report.added = dev_rows
        keys = _rows(
            conn,
            f"select {_key_text(dev, '', key)} from {dev_rel.sql()}{where} "
            f"order by 1 limit {examples}",
        )
        report.examples["added"] = [str(k[0]) for k in keys]
        return report
    report.prod_rows = _rows(conn, f"select count(*) from {prod_rel.sql()}{where}")[0][0]
    report.columns_added = [c for c in dev_cols if c not in prod_cols]
    report.columns_removed = [c for c in prod_cols if c not in dev_cols]
    compared = [c for c in dev_cols if c in prod_cols and c not in key]
    distinct = [_distinct(c, dev_cols[c] == prod_cols[c]) for c in compared]
    on = " and ".join(f"d.{quote(k)} = p.{quote(k)}" for k in key)
    first = quote(key[0])
    joined = (
        f"with d as (select * from {dev_rel.sql()}{where}), "
        f"p as (select * from {prod_rel.sql()}{where}), "
        "j as (select "
        f"coalesce({_key_text(dev, 'd.', key)}, {_key_text(dev, 'p.', key)}) as diff_key, "
        f"case when p.{first} is null then 'added' when d.{first} is null then 'removed' "
        f"when {' or '.join(distinct) or 'false'} then 'changed' else 'same' end as diff_status"
        + "".join(
            f", case when {expr} then 1 else 0 end as c{i}" for i, expr in enumerate(distinct)
        )
        + f" from d full outer join p on {on})"
    )
    sums = "".join(f", sum(c{i})" for i in range(len(compared)))
    for status, rows, *per_column in _rows(
        conn, f"{joined} select diff_status, count(*){sums} from j group by diff_status"
    ):
        if status == "same":
            continue
        setattr(report, status, rows)
        if status == "changed":
            report.changed_columns = {
                c: int(n) for c, n in zip(compared, per_column, strict=True) if n
            }
    for status in STATUSES:
        if getattr(report, status):
            keys = _rows(
                conn,
                f"{joined} select diff_key from j where diff_status = '{status}' "
                f"order by diff_key limit {examples}",
            )
            report.examples[status] = [str(k[0]) for k in keys]
    return report


def _distinct(column: str, same_type: bool) -> str:
    """dev's value differs from prod's (nulls equal); a changed type compares as text."""
    if same_type:
        return f"d.{quote(column)} is distinct from p.{quote(column)}"
    return f"cast(d.{quote(column)} as varchar) is distinct from cast(p.{quote(column)} as varchar)"


def format_report(reports: Sequence[ModelDiff]) -> str:
    """Per model: its verdict, then the changed columns and example keys."""
    if not reports:
        return "no models to compare: nothing changed since the last prod build"
    lines = []
    for r in reports:
        sample = f" ({r.sample_pct:g}% sample of keys)" if r.sample_pct is not None else ""
        key = ", ".join(r.key)
        if r.prod_rows is None:
            lines.append(f"{r.model}: new in dev, {r.dev_rows:,} rows added{sample} [key {key}]")
        elif not r.differs:
            lines.append(f"{r.model}: identical, {r.dev_rows:,} rows{sample} [key {key}]")
        else:
            lines.append(
                f"{r.model}: {r.added:,} added, {r.removed:,} removed, {r.changed:,} changed "
                f"(prod {r.prod_rows:,} rows, dev {r.dev_rows:,}){sample} [key {key}]"
            )
        if r.changed_columns:
            shown = ", ".join(f"{c} ({n:,})" for c, n in r.changed_columns.items())
            lines.append(f"  changed columns: {shown}")
        if r.columns_added:
            lines.append(f"  columns only in dev: {', '.join(r.columns_added)}")
        if r.columns_removed:
            lines.append(f"  columns only in prod: {', '.join(r.columns_removed)}")
        for status in STATUSES:
            if r.examples.get(status):
                lines.append(f"  {status} e.g.: {', '.join(r.examples[status])}")
    differing = sum(1 for r in reports if r.differs)
    lines.append(f"{differing} of {len(reports)} model(s) differ from prod")
    return "\n".join(lines)
