"""What the `shoplog` command lets Prefect print on the console."""

from __future__ import annotations

import logging


def console_without_tracebacks() -> None:
    """Prefect prints a failed flow's traceback on the console; the CLI's contract is a one-line
    reason on stderr, and the full traceback stays in the flow run's logs on the server."""
    from prefect.logging.handlers import PrefectConsoleHandler

    names = list(logging.root.manager.loggerDict)
    for logger in [logging.getLogger(), *map(logging.getLogger, names)]:
        for handler in logger.handlers:
            formatter = handler.formatter
            if (
                isinstance(handler, PrefectConsoleHandler)
                and formatter is not None
                and not isinstance(formatter, WithoutTraceback)
            ):
                handler.setFormatter(WithoutTraceback(formatter))


class WithoutTraceback(logging.Formatter):
    """Formats a record with another formatter, leaving out its traceback."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
