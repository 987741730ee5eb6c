"""Export speed: ``prospectr export`` in each format on a large database.

Builds a deterministic SQLite database with SQLAlchemy Core inserts (default
50,000 leads): given and family names in several scripts, companies (some
leads are only a company), titles, cities and countries, tags, custom fields
with commas, semicolons and formula-looking values, birthdays with and without
a year (Feb 29 among them), open and done follow-ups, last contacts. Then runs
``python -m prospectr --db FILE export --format F -o OUT`` for csv, json, vcf
and ics, each in a fresh process, and prints wall and CPU seconds, leads per
second, peak RSS and the size of the file written (CPU seconds move less than
wall seconds on a busy machine). An export matching no lead gives the
fixed cost (start-up, opening the database, the listing query).

The figures are printed, never asserted; the outputs are only counted (leads,
cards, events).

Usage: python bench/export_speed.py [--leads N] [--runs R] [--formats csv,vcf] [--keep DIR]

With ``--keep DIR`` the database is built once into DIR (and reused), and the
exports stay there (DIR/export.csv ...), so two versions can be compared byte
for byte.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import NOW, insert_rows

SEED = 20261124
FORMATS = ("csv", "json", "vcf", "ics")
GIVEN = ["Maria", "Văn An", "Иван", "Արամ", "美玲", "José", "Anna", "Thị Hà", "Ольга", "Juan"]
FAMILY = ["Santos", "Nguyễn", "Петров", "Սարգսյան", "王", "Reyes", "Cruz", "Trần", "Смирнова"]
COMPANIES = [
    "Cakes by Maria",
    "Bakery Supplies, Inc.",
    "Công ty TNHH Thương mại và Dịch vụ Xuất Nhập khẩu Bánh kẹo Hà Nội",
    "ООО «Сладкая жизнь»",  # noqa: RUF001
    "東京菓子株式会社",
    "=Formula Foods",
    "Smith; Jones & Partners",
]
TITLES = ["Owner", "Manager", "Head of Purchasing, North", "Chef", "", ""]
PLACES = [
    ("Quezon City", "Philippines"),
    ("Hà Nội", "Vietnam"),
    ("Москва", "Russia"),
    ("Երևան", "Armenia"),
    ("Cebu", "Philippines"),
    ("東京", "Japan"),
]
SOURCES = ["referral", "facebook", "instagram", "event", "website", "walk-in", None]
TAGS = ["vip", "fair-2026", "cakes", "wholesale", "newsletter"]
ANSWERS = ["yes", "no", "unknown", "unknown"]


def build(path: Path, leads: int) -> dict[str, int]:
    """Fill a new SQLite file with ``leads`` leads; returns the row counts."""
    from sqlalchemy import text

    from prospectr.db import open_database
    from prospectr.domain.text import fold
    from prospectr.models import FollowUp, Lead, LeadTag

    rng = random.Random(SEED)
    engine = open_database(f"sqlite:///{path}", now=NOW)
    with engine.connect() as conn:
        stages = [i for (i,) in conn.execute(text("SELECT id FROM stage ORDER BY position"))]
    rows: dict[Any, list[dict[str, Any]]] = {Lead: [], LeadTag: [], FollowUp: []}
    for i in range(1, leads + 1):
        company = rng.choice(COMPANIES) if rng.random() < 0.4 else None
        if company and rng.random() < 0.2:
            given = family = None
            name = ""
        else:
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            name = f"{given} {family} {i}"
        city, country = rng.choice(PLACES)
        source = rng.choice(SOURCES)
        tags = sorted(rng.sample(TAGS, rng.randint(0, 3)))
        created = NOW - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1439))
        has_bday = rng.random() < 0.7
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        if has_bday and rng.random() < 0.01:
            month, day = 2, 29
        year = rng.randint(1950, 2004) if has_bday and rng.random() < 0.5 else None
        if (month, day) == (2, 29) and year:
            year = 1992
        custom: dict[str, Any] = {}
        if rng.random() < 0.3:
            custom = {"size": rng.choice(["small", "large", "=SUM(A1:A9)"]), "note, x": "a; b"}
        email = f"lead{i}@example.com"
        phone = f"+63 917 {i:07d}"
        answers = [rng.choice(ANSWERS) for _ in range(4)]
        rows[Lead].append(
            {
                "id": i,
                "name": name,
                "name_key": fold(name or company),
                "given_name": given,
                "family_name": family,
                "email": email,
                "phone": phone,
                "phone_key": f"63917{i:07d}",
                "company": company,
                "title": rng.choice(TITLES) or None,
                "city": city,
                "country": country,
                "source": source,
                "bday_month": month if has_bday else None,
                "bday_day": day if has_bday else None,
                "bday_year": year,
                "bday_md": month * 100 + day if has_bday else None,
                "stage_id": rng.choice(stages),
                "stage_since": created,
                "budget": answers[0],
                "authority": answers[1],
                "need": answers[2],
                "timeline": answers[3],
                "do_not_contact": rng.random() < 0.02,
                "custom": custom,
                "search_text": fold("\n".join(filter(None, [name, company, email, *tags]))),
                "last_contact_at": created + timedelta(days=2) if rng.random() < 0.5 else None,
                "created_at": created,
                "updated_at": created + timedelta(days=1),
            }
        )
        rows[LeadTag].extend({"lead_id": i, "tag": tag} for tag in tags)
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            done = rng.random() < 0.3
            rows[FollowUp].append(
                {
                    "lead_id": i,
                    "due": NOW.date() + timedelta(days=rng.randint(-10, 40)),
                    "text": rng.choice(["call back", "send the price list, then call", ""]),
                    "created_at": created,
                    "done_at": created + timedelta(days=1) if done else None,
                }
            )
    with engine.begin() as conn:
        for model, items in rows.items():
            insert_rows(conn, model, items)
    engine.dispose()
    return {model.__name__: len(items) for model, items in rows.items()}


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Run ``cmd`` (it must succeed); wall seconds, CPU seconds and peak RSS in MiB."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} failed: {err.read().decode()[-800:]}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def records(fmt: str, path: Path) -> int:
    """How many leads (csv, json, vcf) or events (ics) an export holds."""
    if fmt == "csv":
        import csv

        with path.open(encoding="utf-8", newline="") as fh:
            return sum(1 for _ in csv.reader(fh)) - 1
    if fmt == "json":
        return len(json.loads(path.read_text(encoding="utf-8")))
    marker = b"BEGIN:VCARD\r\n" if fmt == "vcf" else b"BEGIN:VEVENT\r\n"
    return path.read_bytes().count(marker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=1, help="runs per format (median shown)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--keep", type=Path, help="build into (or reuse) DIR; keep the exports")
    parser.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_only:
        counts = build(args.build_only, args.leads)
        print(", ".join(f"{v:,} {k}" for k, v in counts.items()), end="")
        return
    formats = [f for f in args.formats.split(",") if f]
    with tempfile.TemporaryDirectory(prefix="prospectr-export-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / f"export-bench-{args.leads}.db"
        if not db.exists():
            # In a child process: this one stays small, so the peak RSS of the
            # exports it starts is theirs alone.
            started = time.perf_counter()
            cmd = [sys.executable, __file__, "--leads", str(args.leads), "--build-only", str(db)]
            built = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            print(f"{built}  (built in {time.perf_counter() - started:.1f}s)")
        env = {**os.environ, "PROSPECTR_NOW": NOW.isoformat(), "PROSPECTR_BACKUP_KEEP": "0"}
        env.pop("PROSPECTR_DB", None)
        base = [sys.executable, "-m", "prospectr", "--db", str(db), "export"]
        empty = folder / "export-empty.csv"
        measure([*base, "--source", "nobody", "-o", str(empty)], env)  # warm the page cache
        print(f"export speed: {args.leads:,} leads (seed {SEED}), {args.runs} run(s) per format")
        print(
            f"{'':22}{'seconds':>9}{'cpu s':>8}{'leads/s':>10}{'peak RSS':>12}{'file':>11}  records"
        )
        results = {
            "no lead (fixed cost)": [
                measure([*base, "--source", "nobody", "-o", str(empty)], env)
                for _ in range(args.runs)
            ]
        }
        for fmt in formats:
            out = folder / f"export.{fmt}"
            cmd = [*base, "--format", fmt, "-o", str(out)]
            results[fmt] = [measure(cmd, env) for _ in range(args.runs)]
        # Counted after every run: this process stays small while the exports run
        # (a child's peak RSS can include the memory of the parent it was forked from).
        for name, runs in results.items():
            seconds = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs)
            if name not in formats:
                print(f"{name:22}{seconds:9.2f}{cpu:8.2f}{'':>10}{rss:9.0f} MiB")
                continue
            out = folder / f"export.{name}"
            size = out.stat().st_size / 1024 / 1024
            print(
                f"{'export --format ' + name:22}{seconds:9.2f}{cpu:8.2f}"
                f"{args.leads / seconds:10,.0f}{rss:9.0f} MiB{size:7.1f} MiB"
                f"  {records(name, out):,}"
            )


if __name__ == "__main__":
    main()
