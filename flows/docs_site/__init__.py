"""The dbt docs site: generated as one static page, and served on loopback when asked."""

from __future__ import annotations

import functools
import http.server
import shutil
from pathlib import Path

from flows.dbt_runner import default_target_path, run_dbt
from flows.engine import ShoplogError, Target, data_dir, writer_lock

SITE_FILE = "index.html"


def site_dir(target: Target) -> Path:
    """Where the static docs site of a target is written: data/docs/<target>/ for prod,
    data/docs/<target>_dev/ for dev."""
    return data_dir() / "docs" / target.dbt_target


def generate_site(target: Target) -> Path:
    """Run `dbt docs generate --static` and copy the single-file site out of target/."""
    with writer_lock(target):  # the catalog queries open the warehouse
        result = run_dbt(["docs", "generate", "--static"], target)
    if not result.ok:
        raise ShoplogError(result.failure_summary())
    built = default_target_path(target) / "static_index.html"
    if not built.exists():
        raise ShoplogError(f"dbt wrote no static docs page at {built}")
    out = site_dir(target)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, out / SITE_FILE)
    return out / SITE_FILE


def site_server(directory: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    """An HTTP server of a folder on 127.0.0.1 (port 0: any free one), not yet serving."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_site(directory: Path, port: int) -> None:
    """Serve a folder on 127.0.0.1 until interrupted."""
    with site_server(directory, port) as server:
        server.serve_forever()
