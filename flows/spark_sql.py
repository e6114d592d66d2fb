"""Spark from Python: the session settings dbt's profile uses too, and SQL through a child process.

dbt-spark's session mode runs Spark inside the dbt process, with a Hive metastore in an embedded
Derby database that only one process may open at a time. Python code of our own (the loader,
queries) therefore never starts Spark in its own process: it talks to a child process that holds
the session, and closing the connection ends that child, its JVM and so its hold on the metastore.

    conn = SparkConnection(target.spark_dir)
    cur = conn.cursor()
    cur.execute("select count(*) from marts.fct_orders")
    cur.fetchall()
    conn.close()
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any, BinaryIO

from flows.engine import ShoplogError

START_TIMEOUT_HINT = "is Java 17+ installed, and the spark extra (`pip install -e .[spark]`)?"


def spark_env(spark_dir: Path) -> dict[str, str]:
    """Environment for any process running Spark on this warehouse (dbt or our worker)."""
    return {
        "SHOPLOG_SPARK_DIR": str(spark_dir),
        "SPARK_LOCAL_IP": "127.0.0.1",  # loopback only
        "TZ": "UTC",  # PySpark turns timestamps into Python datetimes in the local zone
        "PYSPARK_PYTHON": sys.executable,
    }


def spark_conf(spark_dir: Path) -> dict[str, str]:
    """The Spark settings of the warehouse at spark_dir.

    profiles/profiles.yml gives dbt the same settings (server_side_parameters); a test keeps
    the two equal.
    """
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": "2g",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.warehouse.dir": f"{spark_dir}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true"
        ),
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={spark_dir} -Dderby.stream.error.file={spark_dir}/derby.log"
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        # a JSON object with a repeated key is valid JSON: parse it (last wins), never fail
        "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
        "spark.ui.enabled": "false",
        "spark.log.level": "ERROR",
    }


def _send(stream: BinaryIO, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack(">Q", len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    (size,) = struct.unpack(">Q", header)
    return pickle.loads(stream.read(size))


class SparkCursor:
    """The DB-API subset the project uses: execute (no parameters), fetchall, fetchone."""

    def __init__(self, connection: SparkConnection) -> None:
        self._connection = connection
        self._rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[Any, ...]] | None = None

    def execute(self, sql: str, params: Any = None) -> SparkCursor:
        if params:
            raise ShoplogError("the Spark connection takes no query parameters")
        columns, rows = self._connection.run(sql)
        self.description = [(name, None, None, None, None, None, None) for name in columns]
        self._rows = rows
        return self

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._rows = self._rows, []
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows.pop(0) if self._rows else None

    def close(self) -> None:
        self._rows = []

    def __enter__(self) -> SparkCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SparkConnection:
    """A Spark session in a child process. Every statement commits on its own (Spark tables
    have no transactions), so commit and rollback do nothing."""

    def __init__(self, spark_dir: Path) -> None:
        spark_dir.mkdir(parents=True, exist_ok=True)
        # Spark's own chatter goes to a log file, kept out of the CLI's output
        with open(spark_dir / "worker.log", "ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "flows.spark_sql", str(spark_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env={**os.environ, **spark_env(spark_dir)},
                cwd=spark_dir,  # anything Spark writes to its working directory stays here
            )
        self._spark_dir = spark_dir
        status = self._reply()
        if status != ("ready",):
            self.close()
            raise ShoplogError(
                f"Spark did not start in {spark_dir}: {status[1]} ({START_TIMEOUT_HINT})"
            )

    def _reply(self) -> Any:
        assert self._process.stdout is not None
        try:
            return _receive(self._process.stdout)
        except EOFError:
            self._process.wait()
            raise ShoplogError(
                f"the Spark session for {self._spark_dir} ended unexpectedly "
                f"(see {self._spark_dir / 'worker.log'}; {START_TIMEOUT_HINT})"
            ) from None

    def run(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        assert self._process.stdin is not None
        _send(self._process.stdin, sql)
        reply = self._reply()
        if reply[0] == "error":
            raise ShoplogError(f"Spark: {reply[1]}")
        return reply[1], reply[2]

    def cursor(self) -> SparkCursor:
        return SparkCursor(self)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        """End the child: its JVM exits and the metastore is free for the next process."""
        if self._process.poll() is None:
            with contextlib.suppress(OSError):
                assert self._process.stdin is not None
                self._process.stdin.close()  # the worker stops its session on end of input
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> SparkConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, bytearray) else value


def _serve(spark_dir: Path) -> None:
    """The child: one Spark session, statements in, rows out, until its input ends."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the JVM and libraries print to stdout; only replies may go there
    requests = sys.stdin.buffer
    try:
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("shoplog").enableHiveSupport()
        for key, value in spark_conf(spark_dir).items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
    except Exception as exc:
        _send(replies, ("error", _first_line(exc)))
        return
    _send(replies, ("ready",))
    try:
        while True:
            try:
                sql = _receive(requests)
            except EOFError:
                break
            try:
                frame = session.sql(sql)
                rows = [tuple(_plain(v) for v in row) for row in frame.collect()]
                _send(replies, ("ok", frame.columns, rows))
            except Exception as exc:
                _send(replies, ("error", _first_line(exc)))
    finally:
        session.stop()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))
