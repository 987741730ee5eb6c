"""Helpers for the data-safety suite: subprocess runs, dumps, read-only files, and a tally.

The tally counts what the suite did (trials, faults injected, inputs generated,
rows lost) and prints it at the end of the run; with ``PROSPECTR_SAFETY_TALLY``
set to a path, it is also written there as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOW_ISO = "2026-11-24T10:00:00"

_TALLY: Counter[str] = Counter()
TALLY_KEYS = ("trials", "faults injected", "inputs generated", "rows lost")


class Tally:
    """Counters shared by the whole run."""

    def add(self, key: str, n: int = 1) -> None:
        assert key in TALLY_KEYS, key
        _TALLY[key] += n


@pytest.fixture(scope="session")
def tally() -> Tally:
    """The run-wide counters: trials, faults injected, inputs generated, rows lost."""
    return Tally()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _TALLY:
        return
    line = ", ".join(f"{key}: {_TALLY[key]:,}" for key in TALLY_KEYS)
    terminalreporter.write_line(f"data-safety tally: {line}")
    target = os.environ.get("PROSPECTR_SAFETY_TALLY")
    if target:
        Path(target).write_text(json.dumps({k: _TALLY[k] for k in TALLY_KEYS}) + "\n")


def cli_env(db: Path, **extra: str) -> dict[str, str]:
    """Environment for a ``prospectr`` subprocess on ``db`` with the frozen clock."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTR_")}
    env.update(
        PROSPECTR_DB=str(db),
        PROSPECTR_NOW=NOW_ISO,
        COLUMNS="120",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def run_cli(
    db: Path, *args: str, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m prospectr ARGS`` on ``db``; stdout and stderr as bytes."""
    return subprocess.run(
        [sys.executable, "-m", "prospectr", *args],
        env=cli_env(db, **extra),
        capture_output=True,
        timeout=timeout,
        cwd=str(ROOT),
        check=False,
    )


def worker(*args: str) -> list[str]:
    """The command line of a job in ``tests/safety/workers.py``."""
    return [sys.executable, "-m", "tests.safety.workers", *args]


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order (read-only)."""
    uri = f"file:{path}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " ORDER BY name"
            )
        ]
        return {
            t: sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables
        }


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of a file, joined ("ok" when sound)."""
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
    except sqlite3.DatabaseError as exc:
        return str(exc)


def count(path: Path, table: str, where: str = "1") -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_error_line(stderr: bytes) -> str:
    """The single ``error: ...`` line a failed command must print (asserted)."""
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("error: "), text
    assert len(lines[0]) < 240, text
    return lines[0]


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make ``path`` unwritable even for root (immutable attribute), then undo it."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a file read-only")
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"chattr +i not supported here: {done.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=False)
    else:
        old = mode(path)
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(old)
