"""The one module that knows the warehouse targets: where they are, how to connect, who may write.

Every step reaches the warehouse through here. It imports no step and no flow.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TARGETS = ("duckdb", "postgres", "spark")
# prod: what users and the scheduled deployments read and build. dev: an analyst's sandbox,
# its own DuckDB file or its own prefixed PostgreSQL schemas, reading prod's raw log.
ENVS = ("dev", "prod")
DEV_SCHEMA_PREFIX = "dev_"
SCHEMAS = ("raw", "staging", "quarantine", "intermediate", "marts", "ml", "audit")
DEFAULT_LOCK_TIMEOUT_S = 600.0
DUCKDB_LOCK_RETRY_S = 5.0


class ShoplogError(Exception):
    """A failure the user can act on: the CLI prints its message on one line and exits 1."""


def project_root() -> Path:
    """The dbt project root: SHOPLOG_HOME, else the checkout this package was installed from."""
    env = os.environ.get("SHOPLOG_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("SHOPLOG_DATA_DIR", project_root() / "data")).resolve()


# dbt's PostgreSQL sessions plan for storage where reading a random page costs little more
# than the next one (SSD, or tables in cache). With the default random_page_cost of 4 the
# planner read all 10 M rows of stg_web__events to find the 112,349 event ids of one new batch
# (9.7 s, explain analyze) instead of looking them up in the unique key's index (1.0 s).
#
# JIT off: PostgreSQL compiles a query's expressions to machine code whenever its estimated cost
# exceeds jit_above_cost, and estimates over 10 M-row tables exceed it even when an index or an
# empty side makes the query quick. In an incremental build with nothing new at 10 M events,
# 24 queries paid 10.8 s of compilation in all (explain analyze of each node's SQL), 3.4 s of
# it for one test whose query reads no rows.
PG_PLANNER_OPTIONS = "-c random_page_cost=1.1 -c jit=off"


@dataclass(frozen=True)
class Target:
    """A warehouse: the dbt target name plus how Python reaches the same database."""

    name: str
    duckdb_path: Path | None = None
    pg_dsn: dict[str, str] | None = None
    spark_dir: Path | None = None  # Spark: warehouse files and the Derby metastore live here
    env: str = "prod"
    # dev on DuckDB: the prod file, attached read-only for its raw log and for deferral
    prod_duckdb_path: Path | None = None

    @property
    def dbt_target(self) -> str:
        """The profile output: `duckdb`/`postgres` for prod, `duckdb_dev`/`postgres_dev`."""
        return self.name if self.env == "prod" else f"{self.name}_{self.env}"

    @property
    def key(self) -> str:
        """A stable identity of the warehouse, used to name its writer lock."""
        if self.duckdb_path is not None:
            return str(self.duckdb_path)
        if self.spark_dir is not None:
            return f"spark-{self.spark_dir}"
        assert self.pg_dsn is not None
        suffix = "" if self.env == "prod" else f"-{self.env}"
        return "pg-{host}-{port}-{dbname}".format(**self.pg_dsn) + suffix

    def prod(self) -> Target:
        """The prod warehouse this target reads its raw log from (itself when it is prod)."""
        if self.env == "prod":
            return self
        if self.pg_dsn is not None:
            return Target(self.name, pg_dsn=self.pg_dsn)
        return Target(self.name, duckdb_path=self.prod_duckdb_path)

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess so that it builds exactly this warehouse."""
        env = {"SHOPLOG_TARGET": self.name, "SHOPLOG_ENV": self.env}
        if self.duckdb_path is not None:
            env["SHOPLOG_DUCKDB_PATH"] = str(self.duckdb_path)
        if self.prod_duckdb_path is not None:
            # attached under its own catalog name, so prod's manifest (deferral) and the raw
            # sources resolve to the same fully qualified names in dev as in prod
            env["SHOPLOG_DUCKDB_PROD_PATH"] = str(self.prod_duckdb_path)
            env["SHOPLOG_RAW_DATABASE"] = duckdb_catalog(self.prod_duckdb_path)
        if self.pg_dsn is not None:
            env.update(
                PGHOST=self.pg_dsn["host"],
                PGPORT=self.pg_dsn["port"],
                PGUSER=self.pg_dsn["user"],
                PGDATABASE=self.pg_dsn["dbname"],
                # a PGOPTIONS of the user's own comes last, so its settings win
                PGOPTIONS=f"{PG_PLANNER_OPTIONS} {os.environ.get('PGOPTIONS', '')}".strip(),
            )
        if self.spark_dir is not None:
            from flows.spark_sql import spark_env

            env.update(spark_env(self.spark_dir))
        return env


def resolve_target(name: str | None = None, env: str = "prod") -> Target:
    """The target named, else SHOPLOG_TARGET, else duckdb; paths and libpq settings from env.

    env="prod" is the warehouse users read (data/warehouse.duckdb, or $SHOPLOG_DUCKDB_PATH);
    env="dev" its analyst sandbox (see dev_target).
    """
    name = name or os.environ.get("SHOPLOG_TARGET") or "duckdb"
    if name == "duckdb":
        default = data_dir() / "warehouse.duckdb"
        path = Path(os.environ.get("SHOPLOG_DUCKDB_PATH", default)).resolve()
        prod = Target(name, duckdb_path=path)
    elif name == "postgres":
        prod = Target(name, pg_dsn=pg_settings())
    elif name == "spark":
        default = data_dir() / "spark"
        spark_dir = Path(os.environ.get("SHOPLOG_SPARK_DIR", default)).resolve()
        prod = Target(name, spark_dir=spark_dir)
    else:
        raise ShoplogError(f"unknown target {name!r}: choose one of {', '.join(TARGETS)}")
    if env == "prod":
        return prod
    if env == "dev":
        if prod.spark_dir is not None:
            raise ShoplogError("the spark target has no dev environment: add --env prod")
        return dev_target(prod)
    raise ShoplogError(f"unknown environment {env!r}: choose one of {', '.join(ENVS)}")


def dev_target(prod: Target, duckdb_path: Path | None = None) -> Target:
    """The dev sandbox of a prod warehouse.

    DuckDB: its own file ($SHOPLOG_DUCKDB_DEV_PATH, else dev.duckdb beside the prod file) with
    prod attached read-only. PostgreSQL: the same database, every schema prefixed with
    $SHOPLOG_DEV_SCHEMA_PREFIX (default `dev_`). Either way dev reads prod's raw log and
    never writes it.
    """
    if prod.env != "prod":
        raise ValueError(f"dev_target needs a prod target, not {prod.env}")
    if prod.pg_dsn is not None:
        return Target(prod.name, pg_dsn=prod.pg_dsn, env="dev")
    assert prod.duckdb_path is not None
    default = os.environ.get("SHOPLOG_DUCKDB_DEV_PATH") or prod.duckdb_path.with_name("dev.duckdb")
    path = Path(duckdb_path or default).resolve()
    if duckdb_catalog(path) == duckdb_catalog(prod.duckdb_path):
        raise ShoplogError(
            f"dev warehouse {path} needs a file name other than prod's ({prod.duckdb_path.name}): "
            "DuckDB names each attached file's catalog after it"
        )
    return Target(prod.name, duckdb_path=path, env="dev", prod_duckdb_path=prod.duckdb_path)


def duckdb_catalog(path: Path) -> str:
    """The catalog name DuckDB gives a database file: its stem."""
    return path.stem


def dev_schema_prefix() -> str:
    return os.environ.get("SHOPLOG_DEV_SCHEMA_PREFIX", DEV_SCHEMA_PREFIX)


def pg_settings() -> dict[str, str]:
    """libpq settings from the standard PG* variables, with the local defaults the profile uses.

    The password is deliberately absent: libpq reads PGPASSWORD (or ~/.pgpass) itself, so it is
    never copied into our objects, logs or error messages.
    """
    return {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
        "dbname": os.environ.get("PGDATABASE", "shoplog"),
    }


def connect(target: Target, read_only: bool = False) -> Any:
    """A DB-API connection to the warehouse; DuckDB readers open the file read-only.

    Spark: a session in a child process (see flows/spark_sql.py); close it before dbt runs,
    since the embedded metastore admits one process at a time."""
    if target.spark_dir is not None:
        from flows.spark_sql import SparkConnection

        return SparkConnection(target.spark_dir)
    if target.duckdb_path is not None:
        import duckdb

        if read_only and not target.duckdb_path.exists():
            raise ShoplogError(f"no warehouse at {target.duckdb_path}: run `shoplog run` first")
        target.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        # A file lock can outlive its holder by a moment (a killed process still exiting), so
        # a conflicting lock is retried briefly before it counts as another writer.
        deadline = time.monotonic() + DUCKDB_LOCK_RETRY_S
        while True:
            try:
                return duckdb.connect(str(target.duckdb_path), read_only=read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                    raise ShoplogError(
                        f"cannot open {target.duckdb_path}: {first_line(exc)}"
                    ) from exc
                time.sleep(0.2)
    import psycopg2

    assert target.pg_dsn is not None
    try:
        conn = psycopg2.connect(connect_timeout=10, **target.pg_dsn)
    except psycopg2.OperationalError as exc:
        raise ShoplogError(
            "cannot reach PostgreSQL at {host}:{port} database {dbname} as {user}: ".format(
                **target.pg_dsn
            )
            + first_line(exc)
        ) from exc
    if read_only:
        conn.set_session(readonly=True)
    return conn


def execute(target: Target, *statements: str) -> None:
    """Run the statements in one transaction and commit (writers hold writer_lock first)."""
    conn = connect(target)
    try:
        cur = conn.cursor()
        for statement in statements:
            cur.execute(statement)
        conn.commit()
    finally:
        conn.close()


def list_relations(target: Target) -> set[tuple[str, str]]:
    """(schema, name) of every table and view in the shoplog schemas."""
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        if target.spark_dir is not None:
            # Spark has no information_schema: list each schema that exists
            cur.execute("show databases")
            present = {row[0] for row in cur.fetchall()} & set(SCHEMAS)
            found: set[tuple[str, str]] = set()
            for schema in sorted(present):
                cur.execute(f"show tables in {schema}")
                found |= {(schema, row[1]) for row in cur.fetchall() if not row[2]}
            return found
        marker = "%s" if target.pg_dsn else "?"
        cur.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join([marker] * len(SCHEMAS))})",
            list(SCHEMAS),
        )
        return {(schema, name) for schema, name in cur.fetchall()}
    finally:
        conn.close()


@contextlib.contextmanager
def scratch_postgres_database(prefix: str = "shoplog_scratch") -> Iterator[Target]:
    """A new, empty PostgreSQL database `<prefix>_<hex>` on the libpq server, dropped afterwards
    (for tests and benchmarks that must never touch a real warehouse)."""
    import secrets

    import psycopg2
    from psycopg2 import sql

    settings = pg_settings()
    try:
        admin = psycopg2.connect(connect_timeout=5, **{**settings, "dbname": "postgres"})
    except psycopg2.OperationalError as exc:
        where = "{host}:{port} as {user}".format(**settings)
        raise ShoplogError(f"PostgreSQL is unreachable at {where}: {first_line(exc)}") from None
    admin.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        try:
            yield Target("postgres", pg_dsn={**settings, "dbname": name})
        finally:
            with admin.cursor() as cur:
                # FORCE: a connection left open by a failure must not keep the database alive
                cur.execute(
                    sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
                )
    finally:
        admin.close()


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_held_locks: dict[str, int] = {}


@contextlib.contextmanager
def writer_lock(target: Target, timeout_s: float | None = None) -> Iterator[None]:
    """Hold the warehouse's single-writer lock; wait up to timeout_s, then fail clearly.

    DuckDB allows one writer process per file, and on PostgreSQL two concurrent loads or builds
    would interleave batches, so every writing step of every target takes this lock. It is
    re-entrant within a process, so a flow may hold it around steps that take it themselves.

    Dev on DuckDB also holds prod's lock: it attaches the prod file, and a DuckDB file open
    anywhere (even read-only) keeps a prod writer out, so the two take turns rather than fail.
    """
    if target.env != "prod" and target.prod_duckdb_path is not None:
        with _single_writer_lock(target.prod(), timeout_s), _single_writer_lock(target, timeout_s):
            yield
        return
    with _single_writer_lock(target, timeout_s):
        yield


@contextlib.contextmanager
def _single_writer_lock(target: Target, timeout_s: float | None) -> Iterator[None]:
    if timeout_s is None:
        timeout_s = float(os.environ.get("SHOPLOG_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT_S))
    lock_dir = data_dir() / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() else "_" for c in target.key)[-150:]
    lock_path = str(lock_dir / f"{safe}.lock")
    if _held_locks.get(lock_path):
        _held_locks[lock_path] += 1
        try:
            yield
        finally:
            _held_locks[lock_path] -= 1
        return
    deadline = time.monotonic() + timeout_s
    with open(lock_path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ShoplogError(
                        f"another shoplog process is writing to {target.key} "
                        f"(waited {timeout_s:.0f}s for its lock); try again when it finishes"
                    ) from None
                time.sleep(0.2)
        _held_locks[lock_path] = 1
        try:
            yield
        finally:
            _held_locks.pop(lock_path, None)
            fcntl.flock(handle, fcntl.LOCK_UN)
