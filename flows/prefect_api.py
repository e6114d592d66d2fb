"""Which Prefect server the flows report to, and a clear error when scheduling needs one."""

from __future__ import annotations

import urllib.request

from prefect.settings import get_current_settings

from flows.engine import ShoplogError, first_line

START_HINT = (
    "start one with `prefect server start` and set "
    "PREFECT_API_URL=http://127.0.0.1:4200/api (never Prefect Cloud)"
)


def api_url() -> str | None:
    """PREFECT_API_URL as Prefect sees it; None means ephemeral mode (no schedules)."""
    url = get_current_settings().api.url
    return str(url).rstrip("/") if url else None


def require_server() -> str:
    """The API URL of a running Prefect server, or a ShoplogError saying how to get one."""
    url = api_url()
    if not url:
        raise ShoplogError(f"this needs a running Prefect server: {START_HINT}")
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
            if response.status == 200:
                return url
            reason = f"HTTP {response.status}"
    except OSError as exc:
        reason = first_line(exc)
    raise ShoplogError(f"no Prefect server answers at {url} ({reason}): {START_HINT}")
