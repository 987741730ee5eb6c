"""Killing an import mid-way leaves the database exactly as it was."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prospectr.db import open_database, session_scope
from prospectr.domain import add_lead
from tests.conftest import NOW
from tests.io.conftest import sqlite_dump

pytestmark = [pytest.mark.sqlite_only, pytest.mark.slow]

ROWS = 200_000
# Kill once the importer has used this much CPU: past start-up and reading, mid-insert.
KILL_AFTER_CPU_S = 2.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _write_csv(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["First Name", "Last Name", "Email", "Phone", "City", "Birthday", "Tags"])
        for i in range(ROWS):
            writer.writerow(
                [f"Name{i}", "Nguyễn", f"p{i}@example.com", f"+63 9{i:09d}", "Hà Nội",
                 f"--{i % 12 + 1:02d}-{i % 28 + 1:02d}", "csv"]
            )  # fmt: skip


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigkill_mid_import_leaves_the_database_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "prospectr.db"
    engine = open_database(f"sqlite:///{db}")
    with session_scope(engine) as s:
        for i in range(20):
            add_lead(s, now=NOW, name=f"Existing {i}", email=f"e{i}@example.com", tags=["old"])
    engine.dispose()
    before = sqlite_dump(db, journal=True)
    source = tmp_path / "big.csv"
    _write_csv(source)
    env = {**os.environ, "PROSPECTR_NOW": NOW.isoformat(), "CI": "1"}
    env.pop("PROSPECTR_DB", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prospectr", "--db", str(db), "import", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    deadline = time.monotonic() + 60
    while _cpu_seconds(proc.pid) < KILL_AFTER_CPU_S:
        assert proc.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert proc.poll() is None, "the import ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM import_batch").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM lead").fetchone() == (20,)
    finally:
        conn.close()
    assert sqlite_dump(db, journal=True) == before
