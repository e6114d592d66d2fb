"""Faults and abuse: a build killed mid-run recovers, and secrets never leak."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.engine import Target, project_root
from flows.generate import generate
from flows.load import load_files
from flows.pipeline import build, incoming_files, replay

SHOPLOG = str(Path(sys.executable).with_name("shoplog"))

# A secret committed as a quoted literal anywhere, or as a bare value in a config file
# (templated values such as "{{ env_var('PGPASSWORD') }}" are how secrets arrive instead).
SECRET_NAMES = r"(password|passwd|secret|token|api_key)"
QUOTED_LITERAL = re.compile(
    rf"""{SECRET_NAMES}\w*["']?\s*[:=]\s*["'][^"'{{}}\s]{{4,}}["']""", re.IGNORECASE
)
CONFIG_VALUE = re.compile(rf"""^\s*{SECRET_NAMES}\s*:\s*(?!["']?\{{\{{)\S{{4,}}""", re.IGNORECASE)


@pytest.mark.slow
def test_a_build_killed_mid_run_recovers_and_replay_verifies(tmp_path: Path) -> None:
    files = tmp_path / "files"
    generate(files, seed=31, events=20_000, days=5, defect_rate=0.03)
    target = Target("duckdb", duckdb_path=tmp_path / "w.duckdb")
    load_files(target, incoming_files(files))
    build(target)

    env = {
        **os.environ,
        "SHOPLOG_DUCKDB_PATH": str(target.duckdb_path),
        "SHOPLOG_TARGET": "duckdb",
    }
    victim = subprocess.Popen(
        [SHOPLOG, "build", "--full-refresh"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    # Wait until dbt is writing models, then kill the whole process group without warning.
    assert victim.stderr is not None
    deadline = time.monotonic() + 120
    for line in victim.stderr:
        if "START sql" in line or time.monotonic() > deadline:
            break
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL

    build(target)  # the next run recovers (DuckDB replays its WAL; dbt rebuilds)
    report = replay(target)
    assert report.before and report.differences == []


def test_a_postgres_password_is_never_printed(tmp_path: Path) -> None:
    secret = "s3cr3t-Pa55-do-not-print"
    stray = tmp_path / "web_events_x.jsonl"
    stray.write_text('{"event_id": "e"}\n')
    env = {
        **os.environ,
        "PGPASSWORD": secret,
        "PGPORT": "1",  # nothing listens there: the connection fails and says why
        "SHOPLOG_TARGET": "postgres",
    }
    result = subprocess.run(
        [SHOPLOG, "load", str(stray)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr or "postgres" in result.stderr.lower()
    assert secret not in result.stdout + result.stderr


def test_no_secret_is_committed() -> None:
    """No tracked file assigns a literal password, secret, token or key: a quoted literal
    anywhere, or a bare value in a config file (templated env_var() values are fine)."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=project_root(), capture_output=True, text=True, check=True
    ).stdout.split()
    config_suffixes = {".yml", ".yaml", ".toml", ".ini", ".cfg"}
    leaks = []
    for name in tracked:
        path = project_root() / name
        if name.startswith("tests/") or not path.is_file():
            continue  # tests hold deliberately fake secrets to check they never leak
        if path.suffix not in config_suffixes | {".py", ".sql", ".md", ".sh", ""}:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            if QUOTED_LITERAL.search(line) or (
                path.suffix in config_suffixes and CONFIG_VALUE.search(line)
            ):
                leaks.append(f"{name}:{number}: {line.strip()[:80]}")
    assert leaks == []


def test_the_secret_scan_would_catch_a_committed_password() -> None:
    """The patterns above, on lines that must count as leaks and lines that must not."""
    assert QUOTED_LITERAL.search('PASSWORD = "hunter2-real"')
    assert QUOTED_LITERAL.search("""{"api_key": 'abcd1234'}""")
    assert not QUOTED_LITERAL.search("url.render_as_string(hide_password=False)")
    assert not QUOTED_LITERAL.search("password: \"{{ env_var('PGPASSWORD', '') }}\"")
