"""A private, temporary Prefect server: `prefect server start` on a free loopback port.

Scheduling, deployments and `serve` need a real server (ephemeral mode cannot schedule). The
test suite starts one for the session; `shoplog bench` starts one when none is configured.
Starting one costs ~12 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from flows.engine import ShoplogError
from flows.envvars import environment

PREFECT = str(Path(sys.executable).with_name("prefect"))
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    """The environment of the server and of every Prefect client the tests start."""
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # nothing may start by itself in a test: runs are only the ones a test asks for
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """Start a server with its own PREFECT_HOME (and SQLite database); yield its API URL."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, **server_env(home)}
    env.pop("PREFECT_API_URL", None)  # the server itself must not talk to another server
    log = (home / "server.log").open("w")
    process = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: uvicorn's workers die with it
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(api_url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ShoplogError(
                    f"prefect server did not start: {(home / 'server.log').read_text()[-2000:]}"
                )
            time.sleep(0.3)
        yield api_url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


@contextlib.contextmanager
def using_server(home: Path) -> Iterator[str]:
    """Start a private server and point this process (and its children) at it until exit."""
    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with prefect_server(home) as url:
        env = {**server_env(home), "PREFECT_API_URL": url}
        # Prefect read its settings when first imported; this process needs them replaced
        with environment(env), temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
            # logs still queued for the API go out while the server is still there
            APILogWorker.drain_all(timeout=5)


@contextlib.contextmanager
def reachable_or_temporary_server(progress: Callable[[str], None]) -> Iterator[str]:
    """The configured Prefect server when one answers, else a private one for the duration."""
    import tempfile

    from flows.prefect_api import api_url

    url = api_url()
    if url and healthy(url):
        yield url
        return
    progress("no Prefect server configured: starting a temporary one ...")
    with (
        tempfile.TemporaryDirectory(prefix="shoplog-prefect-") as home,
        using_server(Path(home)) as started,
    ):
        yield started
