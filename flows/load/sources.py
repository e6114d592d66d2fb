"""Which source a file belongs to, and the checks every path passes before anything is written."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.engine import ShoplogError


@dataclass(frozen=True)
class SourceSpec:
    name: str
    suffix: str  # the uncompressed extension the file name must end with (".gz" may follow)
    has_header: bool  # CSV exports start with a header line that is metadata, not a record


SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec("web_events", ".jsonl", has_header=False),
        SourceSpec("shopify_orders", ".jsonl", has_header=False),
        SourceSpec("braintree_transactions", ".csv", has_header=True),
    )
}


@dataclass(frozen=True)
class PlannedFile:
    """A checked input: an absolute path, its source, and how to read it."""

    path: Path
    source: str
    compressed: bool
    has_header: bool


def path_text(path: Path) -> str:
    """The path as valid UTF-8 text (undecodable name bytes become U+FFFD) for the warehouse."""
    return os.fsencode(path).decode("utf-8", "replace")


def show(path: Path) -> str:
    """The path for a one-line message: control characters in a name are escaped."""
    text = path_text(path)
    return text if text.isprintable() else repr(text)[1:-1]


def detect_source(name: str) -> str | None:
    """The source a base name announces (`web_events*.jsonl[.gz]` ...), or None."""
    for spec in SOURCES.values():
        if name.startswith(spec.name) and name.removesuffix(".gz").endswith(spec.suffix):
            return spec.name
    return None


def expected_names() -> str:
    return ", ".join(f"{s.name}*{s.suffix}[.gz]" for s in SOURCES.values())


def _problem(path: Path, source: str | None) -> str | None:
    """Why this path cannot be loaded, or None when it can."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot access it ({exc.strerror or exc})"
    if stat.S_ISDIR(st.st_mode):
        return "is a directory, not a file"
    if not stat.S_ISREG(st.st_mode):
        # pipes and devices cannot be hashed and then re-read, which exactly-once needs
        return "is not a regular file"
    if not os.access(path, os.R_OK):
        return "is not readable (permission denied)"
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if source is None and detect_source(path.name) is None:
        return f"cannot tell its source from the name (expected {expected_names()}, or give one)"
    return None


def plan_files(paths: Sequence[Path | str], source: str | None = None) -> list[PlannedFile]:
    """Check every path up front, so a bad argument never leaves a half-loaded call behind.

    Duplicate paths collapse to their first occurrence: one call loads a file once.
    """
    if source is not None and source not in SOURCES:
        raise ShoplogError(f"unknown source {source!r}: choose one of {', '.join(SOURCES)}")
    planned: list[PlannedFile] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        # abspath, not resolve: keep the name the user gave (a symlink's name picks the source)
        path = Path(os.path.abspath(os.fspath(raw)))
        if path in seen:
            continue
        seen.add(path)
        problem = _problem(path, source)
        if problem is not None:
            problems.append(f"{show(path)}: {problem}")
            continue
        name = source or detect_source(path.name)
        assert name is not None
        planned.append(
            PlannedFile(
                path=path,
                source=name,
                compressed=path.name.endswith(".gz"),
                has_header=SOURCES[name].has_header,
            )
        )
    if problems:
        shown = "; ".join(problems)
        raise ShoplogError(f"nothing was loaded: {shown}")
    return planned
