"""One notification path: a log line, a row in audit.alerts, and a webhook POST when configured."""

from flows.alerts.notify import (
    Alert,
    notify,
    notify_best_effort,
    quarantine_alerts,
    read_alerts,
)

__all__ = ["Alert", "notify", "notify_best_effort", "quarantine_alerts", "read_alerts"]
