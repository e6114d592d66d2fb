"""The docs site as a reader sees it: served over HTTP and rendered by headless Chromium.

Chromium is Debian's `chromium` package, installed by `make test` (`make install-browser`)
when missing. The test is skipped, saying so, only when no Chromium could be installed.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.dbt_runner import default_target_path
from flows.docs_site import generate_site, site_server
from flows.engine import Target
from flows.pipeline import build

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip(
            "Chromium is not installed and `make install-browser` could not install it "
            "(apt-get install chromium): the docs site was not checked in a browser"
        )
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Target]]:
    """The static docs site of an (empty) built warehouse, served on a free loopback port."""
    target = Target("duckdb", duckdb_path=tmp_path_factory.mktemp("browser") / "w.duckdb")
    build(target)
    page = generate_site(target)
    server = site_server(page.parent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{page.name}", target
    finally:
        server.shutdown()
        server.server_close()


def rendered_dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran, without the scripts (which embed the manifest
    as text: only what the app rendered may count)."""
    result = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return re.sub(r"<script\b.*?</script>", "", result.stdout, flags=re.S | re.I)


def upstream_models(target: Target, unique_id: str) -> set[str]:
    """Names of the models fct_orders is built from, all the way up, from the manifest."""
    manifest = json.loads((default_target_path(target) / "manifest.json").read_text())
    seen, todo = set(), [unique_id]
    while todo:
        for parent in manifest["parent_map"][todo.pop()]:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return {p.split(".")[-1] for p in seen if p.startswith("model.")}


def test_docs_site_renders_fct_orders_and_its_upstream_models(
    site: tuple[str, Target], tmp_path: Path
) -> None:
    url, target = site
    dom = rendered_dom(f"{url}#!/model/model.shoplog.fct_orders", tmp_path / "profile")
    assert "<title>dbt Docs</title>" in dom or "dbt Docs" in dom
    # the app rendered its model tree (the sidebar) and the model's own page
    assert "fct_orders" in dom
    assert re.search(r"<h1[^>]*>.*?fct_orders", dom, flags=re.S), dom[:3000]
    upstream = upstream_models(target, "model.shoplog.fct_orders")
    assert {"int_orders_unioned", "stg_shopify__orders", "stg_braintree__transactions"} <= upstream
    missing = sorted(name for name in upstream if name not in dom)
    assert not missing, f"not listed on the rendered page: {missing}"
