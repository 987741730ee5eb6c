"""Two people at once on PostgreSQL: two writing processes and a reader, nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from prospectr.db import open_database
from prospectr.migrations import LATEST

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 60


def _job(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.server.pg_worker", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _result(proc: subprocess.Popen[bytes]) -> dict[str, object]:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


@pytest.mark.slow
def test_two_writers_and_a_reader(blank_pg_url: str, tmp_path: Path) -> None:
    """Both writers start on a blank database (racing to create the schema), then add
    their own leads and race for the same person; a third process reads meanwhile."""
    stop = tmp_path / "stop"
    writers = [_job("write", blank_pg_url, str(ROUNDS), name) for name in ("ana", "ben")]
    reader = _job("read", blank_pg_url, str(stop))
    try:
        results = [_result(p) for p in writers]
    finally:
        stop.touch()
    read = _result(reader)

    assert [r["errors"] for r in results] == [[], []]
    assert [r["done"] for r in results] == [ROUNDS, ROUNDS]
    # The duplicate check holds across processes: exactly one "Shared Person".
    assert sum(int(str(r["shared"])) for r in results) == 1
    assert sum(int(str(r["calls"])) for r in results) == 2 * ROUNDS - 1
    assert read["errors"] == []
    engine = open_database(blank_pg_url)
    try:
        with engine.connect() as conn:
            leads = conn.execute(text("SELECT count(*) FROM lead")).scalar_one()
            shared = conn.execute(
                text("SELECT count(*) FROM lead WHERE email = 'shared@example.com'")
            ).scalar_one()
            calls = conn.execute(
                text("SELECT count(*) FROM interaction WHERE kind = 'call'")
            ).scalar_one()
            versions = conn.execute(text("SELECT count(*) FROM schema_version")).scalar_one()
    finally:
        engine.dispose()
    assert (leads, shared, calls, versions) == (2 * ROUNDS + 1, 1, 2 * ROUNDS - 1, LATEST)
