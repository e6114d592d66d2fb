"""Raise alerts. A failing webhook never fails the caller: the alert is logged and stored first."""

from __future__ import annotations

import json
import logging
import os
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from flows.engine import Target, connect, first_line, list_relations, writer_lock

logger = logging.getLogger("shoplog.alerts")
WEBHOOK_TIMEOUT_S = 5.0
# A failing caller waits this long at most for the writer lock to store its alert.
STORE_LOCK_TIMEOUT_S = 2.0

ALERTS_DDL = """
create table if not exists audit.alerts (
    alert_id varchar(36) primary key,
    raised_at timestamp not null,
    kind varchar(40) not null,
    source_name varchar(40),
    batch_id bigint,
    message varchar not null,
    details varchar
)
"""


@dataclass(frozen=True)
class Alert:
    kind: str
    message: str
    source_name: str | None = None
    batch_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    alert_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    raised_at: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    )


def notify(target: Target, alert: Alert) -> None:
    """Log the alert, append it to audit.alerts, and POST it to $SHOPLOG_ALERT_WEBHOOK if set."""
    logger.warning("ALERT %s: %s", alert.kind, alert.message)
    store(target, alert)
    post_if_configured(alert)


def notify_best_effort(
    target: Target | None, alert: Alert, lock_timeout_s: float = STORE_LOCK_TIMEOUT_S
) -> bool:
    """notify() for a caller that is already failing; True when the alert was stored.

    The warehouse may be why it fails (busy with another writer, unreachable, broken), so the
    alert is stored only if the writer lock comes within a few seconds and the write works;
    either way it is logged and posted, and nothing is raised.
    """
    logger.warning("ALERT %s: %s", alert.kind, alert.message)
    stored = False
    if target is not None:
        try:
            with writer_lock(target, timeout_s=lock_timeout_s):
                store(target, alert)
            stored = True
        except Exception as exc:  # the alert must still go out whatever broke the warehouse
            logger.warning("alert not stored in audit.alerts: %s", first_line(exc))
    post_if_configured(alert)
    return stored


def post_if_configured(alert: Alert) -> None:
    url = os.environ.get("SHOPLOG_ALERT_WEBHOOK")
    if url:
        post_webhook(url, alert)


def store(target: Target, alert: Alert) -> None:
    marker = "%s" if target.pg_dsn else "?"
    conn = connect(target)
    try:
        cur = conn.cursor()
        cur.execute("create schema if not exists audit")
        cur.execute(ALERTS_DDL)
        cur.execute(
            f"insert into audit.alerts values ({', '.join([marker] * 7)})",
            [
                alert.alert_id,
                alert.raised_at,
                alert.kind,
                alert.source_name,
                alert.batch_id,
                alert.message,
                json.dumps(alert.details, sort_keys=True, default=str),
            ],
        )
        conn.commit()
    finally:
        conn.close()


def post_webhook(url: str, alert: Alert) -> bool:
    """POST the alert as JSON; True when the receiver answered 2xx. Never raises."""
    body = json.dumps(asdict(alert), default=str).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            return 200 <= response.status < 300
    except Exception as exc:  # the webhook is best effort: the alert is already stored
        logger.warning("alert webhook failed (%s); the alert is in audit.alerts", first_line(exc))
        return False


def quarantine_alerts(target: Target, batch_ids: list[int]) -> list[Alert]:
    """Alert on each of the given batches whose quarantine rate crossed the threshold."""
    if not batch_ids:
        return []
    marker = "%s" if target.pg_dsn else "?"
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute(
            "select batch_id, source_name, source_file, raw_rows, quarantined_rows, "
            "quarantine_rate from audit.audit_batch_quarantine "
            f"where exceeds_threshold and batch_id in ({', '.join([marker] * len(batch_ids))}) "
            "order by batch_id",
            list(batch_ids),
        )
        flagged = cur.fetchall()
    finally:
        conn.close()
    alerts = []
    for batch_id, source, source_file, raw_rows, quarantined, rate in flagged:
        alert = Alert(
            kind="quarantine_spike",
            message=(
                f"{quarantined:,} of {raw_rows:,} rows ({float(rate):.1%}) of {source} batch "
                f"{batch_id} were quarantined"
            ),
            source_name=source,
            batch_id=int(batch_id),
            details={"source_file": source_file, "rate": float(rate)},
        )
        notify(target, alert)
        alerts.append(alert)
    return alerts


def read_alerts(target: Target) -> list[dict[str, Any]]:
    """All stored alerts, oldest first (empty when none was ever raised)."""
    if ("audit", "alerts") not in list_relations(target):
        return []
    conn = connect(target, read_only=True)
    try:
        cur = conn.cursor()
        cur.execute("select * from audit.alerts order by raised_at, alert_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()
