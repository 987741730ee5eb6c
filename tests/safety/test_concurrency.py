"""Several writers and readers at once: no "database is locked", no lost write."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from prospectr.db import open_database
from prospectr.migrations import LATEST

from .conftest import ROOT, Tally, count, integrity, run_cli, worker

pytestmark = pytest.mark.sqlite_only

WRITERS = 4
PER_WRITER = 250


def _result(proc: subprocess.Popen[bytes], timeout: float) -> dict[str, object]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode()
    assert b"locked" not in err, err.decode()
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


@pytest.mark.slow
def test_four_writers_and_a_reader(tmp_path: Path, tally: Tally) -> None:
    """4 x 250 adds while a fifth process reads; the five also race to create the file."""
    db = tmp_path / "data" / "prospectr.db"
    stop = tmp_path / "stop"
    reader = subprocess.Popen(worker("read", str(db), str(stop)), cwd=ROOT, stdout=-1, stderr=-1)
    writers = [
        subprocess.Popen(
            worker("add", str(db), str(PER_WRITER), f"w{n}"), cwd=ROOT, stdout=-1, stderr=-1
        )
        for n in range(WRITERS)
    ]
    try:
        results = [_result(p, timeout=300) for p in writers]
    finally:
        stop.touch()
    read_result = _result(reader, timeout=60)

    assert [r["error_count"] for r in results] == [0] * WRITERS, results
    assert [r["done"] for r in results] == [PER_WRITER] * WRITERS
    assert read_result["error_count"] == 0, read_result
    assert int(str(read_result["rounds"])) > 0
    assert count(db, "lead") == WRITERS * PER_WRITER
    for n in range(WRITERS):
        assert count(db, "lead", f"name LIKE 'w{n} %'") == PER_WRITER
    assert count(db, "schema_version") == LATEST  # each step applied once
    assert integrity(db) == "ok"
    tally.add("trials", WRITERS * PER_WRITER)
    tally.add("rows lost", WRITERS * PER_WRITER - count(db, "lead"))


@pytest.mark.slow
def test_cli_writers_while_the_tui_is_open(tmp_path: Path, tally: Tally) -> None:
    """Real ``prospectr add`` processes, three at a time, while a TUI-like process reads."""
    db = tmp_path / "prospectr.db"
    open_database(f"sqlite:///{db}").dispose()
    stop = tmp_path / "stop"
    holder = subprocess.Popen(worker("hold", str(db), str(stop)), cwd=ROOT, stdout=-1, stderr=-1)
    per_writer = 5
    failures: list[str] = []

    def writer(w: int) -> None:
        for i in range(per_writer):
            done = run_cli(db, "add", f"cli{w} {i}", "-e", f"cli{w}.{i}@example.com")
            if done.returncode != 0 or done.stderr or not done.stdout.startswith(b"#"):
                failures.append(f"{done.returncode} {done.stderr.decode()}")

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        stop.touch()
    held = _result(holder, timeout=60)
    assert failures == []
    assert held["error_count"] == 0, held
    assert count(db, "lead") == 3 * per_writer
    listed = run_cli(db, "list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    payload = json.loads(listed.stdout)
    assert payload["total"] == 3 * per_writer
    assert sorted(row["name"] for row in payload["leads"]) == sorted(
        f"cli{w} {i}" for w in range(3) for i in range(per_writer)
    )
    tally.add("trials", 3 * per_writer)
