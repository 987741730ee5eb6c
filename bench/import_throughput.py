"""Import throughput: ``prospectr import`` against plain sqlite3 and sqlite-utils.

Generates N rows (default 100,000) of a contacts CSV deterministically, then
runs, each in its own process and each into a fresh database file:

- ``prospectr import FILE`` end to end (validation, dedupe, search keys, history,
  tags, the batch record; one transaction), then ``prospectr import undo`` of it;
- plain ``sqlite3`` ``executemany`` of the same CSV rows into one table (the floor);
- the same rows with ``sqlite3`` straight into prospectr's lead table (its indexes
  and foreign keys) plus a history row each, without validation (what the schema
  alone costs);
- ``sqlite-utils insert DB leads FILE --csv`` (a peer), skipped with a message
  when sqlite-utils is not installed.

Prints seconds, rows per second and peak RSS of each, and the ratios against
the targets (>= 40,000 rows/s, within 4x of the floor, faster than sqlite-utils,
peak RSS <= 300 MiB). Then, in this process, where an import's time goes:
reading the file, validating the rows (a dry run), and the whole import with its
commit (the writes run on a writer thread, overlapping the validation).

Usage: python bench/import_throughput.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20261124
HEADER = [
    "First Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Value", "Organization Name",
    "Organization Title", "Address 1 - City", "Address 1 - Country", "Birthday", "Labels",
]  # fmt: skip
FIRST = [
    "Maria", "Jose", "Ana", "Juan", "Mark", "Anna", "Olga", "Ivan", "Linh", "Minh", "Lan",
    "Hùng", "Thảo", "Нина", "Сергей", "Արամ", "Anahit", "Grace", "Paolo", "Rosa", "Chen",
    "Sofia", "Liam", "Noah", "Emma", "Mia", "Lucas", "Ethan", "Chloe", "Zoe",
]  # fmt: skip
LAST = [
    "Santos", "Reyes", "Cruz", "Garcia", "Petrova", "Ivanov", "Nguyễn", "Trần", "Lê",
    "Смирнов", "Հակոբյան", "Sargsyan", "Bautista", "Mendoza", "Smith", "Brown", "Lee",
    "Wang", "Kim", "Park", "Müller", "Rossi", "Silva", "Costa", "Novak", "Horvat",
]  # fmt: skip
CITIES = [
    ("Quezon City", "Philippines"), ("Manila", "Philippines"), ("Yerevan", "Armenia"),
    ("Moscow", "Russia"), ("Hà Nội", "Vietnam"), ("Hồ Chí Minh", "Vietnam"),
    ("Cebu", "Philippines"), ("Gyumri", "Armenia"), ("Kazan", "Russia"), ("Đà Nẵng", "Vietnam"),
]  # fmt: skip
TITLES = ["Owner", "Manager", "Teacher", "Nurse", "Engineer", "Sales Lead", "", "", "Student"]
LABELS = ["* myContacts", "* myContacts ::: customers", "* myContacts ::: fair-2026", ""]


def generate(path: Path, rows: int) -> None:
    """Write ``rows`` contacts in Google Contacts' CSV layout, the same every run."""
    rnd = random.Random(SEED)
    companies = [f"Company {i:03d}" for i in range(400)] + [""] * 100
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            first, last = rnd.choice(FIRST), rnd.choice(LAST)
            city, country = rnd.choice(CITIES)
            roll = rnd.random()
            month, day = rnd.randint(1, 12), rnd.randint(1, 28)
            if roll < 0.5:
                birthday = f"{rnd.randint(1950, 2005)}-{month:02d}-{day:02d}"
            elif roll < 0.7:
                birthday = f"--{month:02d}-{day:02d}"
            else:
                birthday = ""
            writer.writerow(
                [
                    first,
                    last,
                    f"user{i}@example{i % 50}.com",
                    f"+63 9{i % 100:02d} {i:07d}",
                    rnd.choice(companies),
                    rnd.choice(TITLES),
                    city,
                    country,
                    birthday,
                    rnd.choice(LABELS),
                ]
            )


FLOOR = r"""
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
with open(sys.argv[2], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    header = next(reader)
    cols = ", ".join(f"c{i}" for i in range(len(header)))
    db.execute(f"CREATE TABLE leads (id INTEGER PRIMARY KEY, {cols})")
    marks = ", ".join("?" for _ in header)
    with db:
        db.executemany(f"INSERT INTO leads ({cols}) VALUES ({marks})", reader)
print(db.execute("SELECT count(*) FROM leads").fetchone()[0])
"""


# The same rows into prospectr's own lead table (its indexes and foreign keys), with a
# stage history row each, and no validation: what the database alone costs.
SCHEMA_FLOOR = r"""
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA foreign_keys=ON")
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.execute("PRAGMA cache_size=-65536")
now = "2026-11-24 10:00:00.000000"
cols = ("id, name, name_key, given_name, family_name, email, phone, phone_key, company, title,"
        " city, country, stage_id, stage_since, budget, authority, need, timeline,"
        " do_not_contact, custom, search_text, created_at, updated_at")
def leads(reader):
    for i, r in enumerate(reader, start=1):
        name = f"{r[0]} {r[1]}"
        yield (i, name, name.lower(), r[0], r[1], r[2], r[3], r[3], r[4], r[5], r[6], r[7], 1,
               now, "unknown", "unknown", "unknown", "unknown", 0, "{}",
               " ".join(r[:8]).lower(), now, now)
with open(sys.argv[2], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    next(reader)
    db.execute("BEGIN IMMEDIATE")
    marks = ", ".join("?" for _ in cols.split(","))
    db.executemany(f"INSERT INTO lead ({cols}) VALUES ({marks})", leads(reader))
    n = db.execute("SELECT max(id) FROM lead").fetchone()[0]
    db.executemany(
        "INSERT INTO stage_history (lead_id, to_stage_id, at) VALUES (?, 1, ?)",
        ((i, now) for i in range(1, n + 1)),
    )
    db.execute("COMMIT")
print(n)
"""


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``cmd``; seconds, peak RSS in MiB (that process and its children), stdout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[0]} failed: {err.read().decode('utf-8', 'replace')[-500:]}")
    return seconds, usage.ru_maxrss / 1024, text


def in_process(csv_path: Path, work: Path) -> dict[str, float]:
    """Seconds of an import's phases in this process (start-up and imports excluded)."""
    from datetime import datetime

    from prospectr.db import open_database, session_scope
    from prospectr.domain.import_files import load_file, read_table
    from prospectr.domain.import_mapping import known_score
    from prospectr.domain.importer import ImportOptions, import_file

    now = datetime(2026, 11, 24, 10, 0)
    spent: dict[str, float] = {}
    started = time.perf_counter()
    source = load_file(csv_path, encoding=None, fmt=None)
    read_table(source.text, known_score)
    spent["read"] = time.perf_counter() - started
    db = work / "in-process.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = open_database(f"sqlite:///{db}")
    for name, dry in (("dry run", True), ("import + commit", False)):
        started = time.perf_counter()
        with session_scope(engine, write=not dry) as s:
            import_file(s, csv_path, ImportOptions(dry_run=dry), now=now, today=now.date())
        spent[name] = time.perf_counter() - started
    engine.dispose()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Keep the CSV and databases in this folder.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="prospectr-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bindir = Path(sys.executable).parent
    csv_path = work / "contacts.csv"
    generate(csv_path, args.rows)
    env = {**os.environ, "PROSPECTR_NOW": "2026-11-24T10:00:00"}
    env.pop("PROSPECTR_DB", None)
    results: dict[str, tuple[float, float] | None] = {}

    db = work / "prospectr.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    from prospectr.db import open_database

    open_database(f"sqlite:///{db}").dispose()  # the owner's database exists already
    prospectr = shutil.which("prospectr", path=str(bindir)) or "prospectr"
    seconds, rss, out = measure([prospectr, "--db", str(db), "import", str(csv_path)], env)
    if f"imported {args.rows}," not in out:
        raise SystemExit(f"unexpected import summary: {out.strip()}")
    results["prospectr import"] = (seconds, rss)
    undo_seconds, _, out = measure([prospectr, "--db", str(db), "import", "undo", "1"], env)
    if f"deleted {args.rows} lead(s)" not in out:
        raise SystemExit(f"unexpected undo summary: {out.strip()}")

    floor_db = work / "floor.db"
    floor_db.unlink(missing_ok=True)
    seconds, rss, out = measure([sys.executable, "-c", FLOOR, str(floor_db), str(csv_path)], env)
    results["sqlite3 executemany"] = (seconds, rss)

    schema_db = work / "schema-floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{schema_db}{suffix}").unlink(missing_ok=True)
    open_database(f"sqlite:///{schema_db}").dispose()
    cmd = [sys.executable, "-c", SCHEMA_FLOOR, str(schema_db), str(csv_path)]
    seconds, rss, out = measure(cmd, env)
    results["sqlite3 into prospectr schema"] = (seconds, rss)

    sqlite_utils = shutil.which("sqlite-utils", path=str(bindir)) or shutil.which("sqlite-utils")
    if sqlite_utils:
        peer_db = work / "peer.db"
        peer_db.unlink(missing_ok=True)
        cmd = [sqlite_utils, "insert", str(peer_db), "leads", str(csv_path), "--csv"]
        seconds, rss, _ = measure(cmd, env)
        results["sqlite-utils insert --csv"] = (seconds, rss)
    else:
        results["sqlite-utils insert --csv"] = None

    size = csv_path.stat().st_size / 1024 / 1024
    print(f"import throughput: {args.rows:,} rows, CSV {size:.1f} MiB (seed {SEED})")
    print(f"{'':28}{'seconds':>9}{'rows/s':>10}{'peak RSS':>12}")
    for name, value in results.items():
        if value is None:
            print(f"{name:28}  skipped: sqlite-utils is not installed (pip install sqlite-utils)")
            continue
        seconds, rss = value
        print(f"{name:28}{seconds:9.2f}{args.rows / seconds:10,.0f}{rss:9.0f} MiB")
    ours, floor = results["prospectr import"], results["sqlite3 executemany"]
    assert ours is not None
    assert floor is not None
    rate = args.rows / ours[0]
    print(f"prospectr / floor: {ours[0] / floor[0]:.2f}x the time (target <= 4x)")
    schema = results["sqlite3 into prospectr schema"]
    assert schema is not None
    print(
        f"prospectr / schema floor: {ours[0] / schema[0]:.2f}x the time"
        " (the schema's indexes and foreign keys, no validation)"
    )
    peer = results["sqlite-utils insert --csv"]
    if peer is not None:
        print(f"prospectr vs sqlite-utils: {peer[0] / ours[0]:.2f}x as fast (target > 1x)")
    print(f"rows/s: {rate:,.0f} (target >= 40,000); peak RSS {ours[1]:.0f} MiB (target <= 300)")
    print(f"prospectr import undo of that batch: {undo_seconds:.2f} s")
    spent = in_process(csv_path, work)
    parts = "  ".join(f"{k} {v:.2f}" for k, v in spent.items())
    print(
        f"in-process seconds: {parts}  (read is part of both; the rest of the"
        f" {ours[0]:.2f} s is start-up and output)"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
