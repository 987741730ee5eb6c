"""Re-importing known people: ``prospectr import --on-duplicate merge|update`` and its undo.

Generates N contacts (default 50,000) in Google Contacts' CSV layout, the same
every run, and imports them into a fresh database file. Then a second file of
the same people (same emails and phones) where about half the titles and a
third of the cities changed, most rows carry an extra label and some a new
note, and one row in ten is exactly as before:

- ``prospectr import SECOND --on-duplicate merge --dry-run`` (the same merge
  plan, nothing written), the import itself, then ``prospectr import undo``;
- the same three with ``--on-duplicate update``.

Each command runs in its own process. Prints seconds, rows per second and peak
RSS of each, the counts the import reported, whether the dry run planned the
same counts, and whether each undo put the lead, tag and note tables back
exactly (a digest of their rows before and after). Never asserts a time.

Usage: python bench/import_merge.py [--rows N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

# The same names, places and labels as the import bench; the same way of timing a run.
from import_throughput import CITIES, FIRST, LABELS, LAST, TITLES, measure

SEED = 20261124
HEADER = [
    "First Name", "Last Name", "E-mail 1 - Value", "Phone 1 - Value", "Organization Name",
    "Organization Title", "Address 1 - City", "Address 1 - Country", "Birthday", "Labels",
    "Notes",
]  # fmt: skip
EXTRA_LABELS = ["repeat-buyer", "newsletter", "fair-2027", "vip"]


def generate(first: Path, second: Path, rows: int) -> None:
    """Write the first import and the second file of the same people, the same every run."""
    rnd = random.Random(SEED)
    companies = [f"Company {i:03d}" for i in range(400)] + [""] * 100
    with (
        first.open("w", encoding="utf-8", newline="") as fh1,
        second.open("w", encoding="utf-8", newline="") as fh2,
    ):
        one, two = csv.writer(fh1), csv.writer(fh2)
        one.writerow(HEADER)
        two.writerow(HEADER)
        for i in range(rows):
            city, country = rnd.choice(CITIES)
            month, day = rnd.randint(1, 12), rnd.randint(1, 28)
            birthday = f"{rnd.randint(1950, 2005)}-{month:02d}-{day:02d}" if i % 3 else ""
            row = [
                rnd.choice(FIRST),
                rnd.choice(LAST),
                f"user{i}@example{i % 50}.com",
                f"+63 9{i % 100:02d} {i:07d}",
                rnd.choice(companies),
                rnd.choice(TITLES),
                city,
                country,
                birthday,
                rnd.choice(LABELS),
                "first met at the market" if i % 4 == 0 else "",
            ]
            one.writerow(row)
            if i % 10 == 9:  # exactly as before: nothing to change
                two.writerow(row)
                continue
            again = row[:]
            if rnd.random() < 0.5:
                again[5] = rnd.choice(TITLES[:6])
            if rnd.random() < 0.33:
                again[6], again[7] = rnd.choice(CITIES)
            labels = [p for p in again[9].split(" ::: ") if p]
            if rnd.random() < 0.8:
                labels.append(rnd.choice(EXTRA_LABELS))
            again[9] = " ::: ".join(labels)
            again[10] = f"called back about order {i}" if rnd.random() < 0.3 else ""
            two.writerow(again)


def digest(db: Path) -> str:
    """A digest of every lead, tag and note row (what undo must put back)."""
    h = hashlib.sha256()
    with closing(sqlite3.connect(db)) as conn:
        for query in (
            "SELECT * FROM lead ORDER BY id",
            "SELECT * FROM lead_tag ORDER BY lead_id, tag",
            "SELECT * FROM interaction ORDER BY id",
        ):
            for row in conn.execute(query):
                h.update(repr(row).encode())
    return h.hexdigest()


def counts(summary: dict[str, object]) -> str:
    keys = ("imported", "merged", "updated", "unchanged", "skipped", "rejected")
    return ", ".join(f"{k} {summary[k]}" for k in keys if k in summary)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="Keep the CSVs and database in this folder.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="prospectr-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    first, second = work / "first.csv", work / "second.csv"
    generate(first, second, args.rows)
    env = {**os.environ, "PROSPECTR_NOW": "2026-11-24T10:00:00"}
    env.pop("PROSPECTR_DB", None)
    db = work / "prospectr.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    base = [sys.executable, "-m", "prospectr", "--db", str(db)]

    def show(name: str, seconds: float, rss: float) -> None:
        print(f"{name:34}{seconds:9.2f}{args.rows / seconds:10,.0f}{rss:9.0f} MiB")

    seconds, rss, out = measure([*base, "import", str(first), "--json"], env)
    print(f"import merge: {args.rows:,} known people re-imported (seed {SEED})")
    print(f"{'':34}{'seconds':>9}{'rows/s':>10}{'peak RSS':>12}")
    show("first import (new leads)", seconds, rss)
    before = digest(db)
    notes: list[str] = []
    for mode in ("merge", "update"):
        cmd = [*base, "import", str(second), "--on-duplicate", mode, "--json"]
        seconds, rss, out = measure([*cmd, "--dry-run"], env)
        planned = json.loads(out)
        show(f"--on-duplicate {mode} --dry-run", seconds, rss)
        seconds, rss, out = measure(cmd, env)
        summary = json.loads(out)
        show(f"--on-duplicate {mode}", seconds, rss)
        seconds, rss, out = measure([*base, "import", "undo", str(summary["batch"])], env)
        show("  its undo", seconds, rss)
        restored = "yes" if digest(db) == before else "NO"
        same = (
            "the same"
            if counts(planned) == counts(summary)
            else f"NOT the same ({counts(planned)})"
        )
        notes.append(
            f"{mode}: {counts(summary)}; the dry run planned {same};"
            f" undo restored the tables: {restored}"
        )
    for line in notes:
        print(line)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
