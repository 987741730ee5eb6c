"""kill -9 at random moments: the file stays sound and no unit of work is half-present.

Each trial copies a prepared database, starts a worker (tests/safety/workers.py),
waits a random time and SIGKILLs it; then checks ``PRAGMA integrity_check`` and
the invariant of that worker. Seeds are fixed, so a failure can be replayed.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from prospectr.db import open_database, session_scope

from .conftest import ROOT, Tally, cli_env, count, dump, integrity, run_cli, worker
from .workers import NOW

pytestmark = pytest.mark.sqlite_only

EDIT_KILLS = 10
IMPORT_KILLS = 6
CLI_IMPORT_KILLS = 4
BACKUP_KILLS = 3
RESTORE_KILLS = 3
IMPORT_ROWS = 8_000


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(worker(*args), cwd=ROOT, stdout=-1, stderr=-1)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != b"ready":
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"worker did not start: {line!r} {err.decode()}")
    return proc


def _kill_after(proc: subprocess.Popen[bytes], delay: float) -> list[str]:
    """SIGKILL ``proc`` after ``delay`` seconds; its output lines (acks) up to then."""
    time.sleep(delay)
    if proc.poll() is None:
        # The worker may still end on its own between the poll and the signal
        # (send_signal then sends nothing), so a clean exit is a valid outcome.
        proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGKILL), err.decode()
    assert b"Traceback" not in err, err.decode()
    return out.decode().splitlines()


def _prepared(tmp_path: Path, fill: Callable[[Path], None]) -> Path:
    base = tmp_path / "base.db"
    open_database(f"sqlite:///{base}", now=NOW).dispose()
    fill(base)
    with closing(sqlite3.connect(base)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return base


def _fresh_copy(base: Path, target: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, target)
    return target


@pytest.mark.slow
def test_kill_during_edit_loops(tmp_path: Path, tally: Tally) -> None:
    from prospectr.domain import add_lead

    def fill(path: Path) -> None:
        engine = open_database(f"sqlite:///{path}")
        with session_scope(engine) as s:
            for i in range(20):
                add_lead(s, now=NOW, name=f"Edited {i}", custom={"v": "0"})
        engine.dispose()

    base = _prepared(tmp_path, fill)
    db = _fresh_copy(base, tmp_path / "prospectr.db")
    ids = ",".join(str(i) for i in range(1, 21))
    rng = random.Random(20261124)
    acked: dict[int, int] = {}
    for _ in range(EDIT_KILLS):
        proc = _start(["edit", str(db), ids])
        lines = _kill_after(proc, rng.uniform(0.02, 0.6))
        for line in lines:
            _, lead_id, v = line.split()
            acked[int(lead_id)] = max(acked.get(int(lead_id), 0), int(v))
        tally.add("trials")
        tally.add("faults injected")
        assert integrity(db) == "ok"
        with closing(sqlite3.connect(db)) as conn:
            rows = conn.execute(
                "SELECT lead.id, json_extract(lead.custom, '$.v'), lead.city,"
                " (SELECT count(*) FROM interaction WHERE interaction.lead_id = lead.id)"
                " FROM lead ORDER BY lead.id"
            ).fetchall()
        assert len(rows) == 20
        lost = 0
        for lead_id, v, city, notes in rows:
            stored = int(v)
            # One unit of work = custom v, city and one note: all of it or none of it.
            assert notes == stored, (lead_id, v, notes)
            assert city == (f"City {stored}" if stored else None)
            lost += max(0, acked.get(lead_id, 0) - stored)
        tally.add("rows lost", lost)
        assert lost == 0
    assert sum(acked.values()) > 0, "no edit was acknowledged before any kill"


def _write_csv(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Name", "Email", "Phone", "Company", "City", "Birthday", "Notes"])
        for i in range(rows):
            out.writerow(
                [
                    f"Person {seed}-{i} Nguyễn",
                    f"p{seed}.{i}@example.com",
                    f"+63 917 {rng.randrange(10**6, 10**7)}",
                    rng.choice(["Acme", "Bakery", "", "Ателье"]),
                    rng.choice(["Manila", "Hà Nội", "Ереван", ""]),
                    rng.choice(["03-15", "1986-12-31", "", "not a date"]),
                    "met at the fair",
                ]
            )


@pytest.mark.slow
def test_kill_during_large_imports(tmp_path: Path, tally: Tally) -> None:
    pytest.importorskip("prospectr.domain.importer")
    from prospectr.domain import add_lead

    def fill(path: Path) -> None:
        engine = open_database(f"sqlite:///{path}")
        with session_scope(engine) as s:
            for i in range(50):
                add_lead(s, now=NOW, name=f"Existing {i}", email=f"p7.{i}@example.com")
        engine.dispose()

    base = _prepared(tmp_path, fill)
    before = dump(base)
    source = tmp_path / "contacts.csv"
    _write_csv(source, IMPORT_ROWS, seed=7)
    tally.add("inputs generated", IMPORT_ROWS)
    db = tmp_path / "prospectr.db"

    # One undisturbed run tells how long an import takes here.
    _fresh_copy(base, db)
    started = time.monotonic()
    proc = _start(["import", str(db), str(source)])
    out, err = proc.communicate(timeout=300)
    full = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    result = json.loads(out.decode().splitlines()[-1])
    complete = count(db, "lead")
    assert complete == 50 + result["imported"]
    assert result["imported"] > IMPORT_ROWS // 2

    def check(outcomes: dict[str, int]) -> None:
        tally.add("trials")
        tally.add("faults injected")
        assert integrity(db) == "ok"
        batches = count(db, "import_batch")
        if batches == 0:
            outcomes["absent"] += 1
            assert dump(db) == before
        else:
            outcomes["complete"] += 1
            assert batches == 1
            assert count(db, "lead") == complete
            assert count(db, "import_item", "action = 'created'") == result["imported"]
        tally.add("rows lost", len(before["lead"]) - count(db, "lead", "id <= 50"))

    rng = random.Random(4)
    outcomes = {"absent": 0, "complete": 0}
    for _ in range(IMPORT_KILLS):
        _fresh_copy(base, db)
        proc = _start(["import", str(db), str(source)])
        _kill_after(proc, rng.uniform(0.0, full * 1.1))
        check(outcomes)

    # The same through ``prospectr import``, killed anywhere from start-up to the end.
    _fresh_copy(base, db)
    started = time.monotonic()
    done = run_cli(db, "import", str(source), "--json")
    cli_full = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == result["imported"]
    for _ in range(CLI_IMPORT_KILLS):
        _fresh_copy(base, db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "prospectr", "import", str(source)],
            env=cli_env(db),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _kill_after(proc, rng.uniform(cli_full * 0.3, cli_full * 1.1))
        check(outcomes)
    assert outcomes["absent"] > 0, outcomes


@pytest.mark.slow
def test_kill_during_backup_and_restore(tmp_path: Path, tally: Tally) -> None:
    from prospectr.domain import add_lead

    def filler(n: int, prefix: str) -> Callable[[Path], None]:
        def fill(path: Path) -> None:
            engine = open_database(f"sqlite:///{path}")
            with session_scope(engine) as s:
                for i in range(n):
                    add_lead(s, now=NOW, name=f"{prefix} {i}", note="x" * 1500)
            engine.dispose()

        return fill

    first = _prepared(tmp_path / "a", filler(600, "First"))
    second = _prepared(tmp_path / "b", filler(300, "Second"))
    shapes = {count(first, "lead"), count(second, "lead")}
    rng = random.Random(11)

    db = tmp_path / "prospectr.db"
    target = tmp_path / "copy.db"
    for _ in range(BACKUP_KILLS):
        _fresh_copy(first, db)
        proc = _start(["backup", str(db), str(target)])
        _kill_after(proc, rng.uniform(0.0, 0.5))
        tally.add("trials")
        tally.add("faults injected")
        assert integrity(db) == "ok"
        assert dump(db) == dump(first)
        if target.exists():  # never a partial copy under the final name
            assert integrity(target) == "ok"
            assert dump(target)["lead"] == dump(first)["lead"]

    _fresh_copy(first, db)
    for _ in range(RESTORE_KILLS):
        proc = _start(["restore", str(db), str(second), str(first)])
        _kill_after(proc, rng.uniform(0.05, 1.0))
        tally.add("trials")
        tally.add("faults injected")
        assert integrity(db) == "ok"
        assert count(db, "lead") in shapes
        leads = dump(db)["lead"]
        assert leads in (dump(first)["lead"], dump(second)["lead"])
