"""The full `prospectr report` against `prospectr today` on 100,000 leads.

Builds a deterministic SQLite database with SQLAlchemy Core inserts: 100,000
leads walking the default pipeline (each move in stage history, with lost
reasons), 300,000 interactions, tags, follow-ups, birthdays and sales. Then
times both commands in fresh subprocesses, interleaved, and prints the medians
and the ratio. Target: the report takes at most 1.5x the time of `today` (its
own queries add little to start-up).

    python bench/report.py [--runs 7] [--leads 100000] [--interactions 300000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dataset import NOW, insert_rows, set_last_contact
from timing import interleaved_samples, wall

TARGET = 1.5
SOURCES = ("referral", "facebook", "event", "website", "instagram", "walk-in", "ads", None)
# Chance that a lead of each source moves one more step along the path.
PUSH = {"referral": 0.75, "event": 0.6, "website": 0.55, "walk-in": 0.55, None: 0.5}
REASONS = ("price", "no budget", "went elsewhere", "not interested", "no answer")
TAGS = ("vip", "fair-2026", "cakes", "wholesale", "newsletter")
KINDS = ("note", "call", "sms", "email", "meeting", "chat")


def build(path: Path, *, leads: int, interactions: int, seed: int = 5) -> dict[str, int]:
    """Fill a new SQLite file; returns the row counts."""
    from sqlalchemy import text

    from prospectr.db import open_database
    from prospectr.models import FollowUp, Interaction, Lead, LeadTag, Sale, StageHistory

    rng = random.Random(seed)
    engine = open_database(f"sqlite:///{path}", now=NOW)
    with engine.connect() as conn:
        stage = {k: i for i, k in conn.execute(text("SELECT id, key FROM stage"))}
    path_keys = ("new", "qualified", "contacted", "nurturing", "won")
    rows: dict[Any, list[dict[str, Any]]] = {
        t: [] for t in (Lead, LeadTag, StageHistory, FollowUp, Sale, Interaction)
    }
    spans: list[tuple[datetime, datetime]] = []
    for i in range(1, leads + 1):
        source = rng.choice(SOURCES)
        created = NOW - timedelta(days=rng.randint(0, 730), minutes=rng.randint(0, 1439))
        at, step, current, reason = created, 0, "new", None
        moves: list[tuple[str | None, str, datetime, str | None]] = [(None, "new", created, None)]
        push = PUSH.get(source, 0.4)
        while current in path_keys[:-1]:
            roll = rng.random()
            gap = timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
            if at + gap > NOW:
                break
            if roll < push:
                step += 1 + (rng.random() < 0.15)  # sometimes a stage is skipped
                nxt = path_keys[min(step, 4)]
            elif roll < push + 0.12:
                nxt, reason = "lost", rng.choice(REASONS)
            elif roll < push + 0.18:
                nxt = rng.choice(("not_now", "cold"))
            else:
                break
            at += gap
            moves.append((current, nxt, at, reason if nxt == "lost" else None))
            current = nxt
        name = f"Lead {i}"
        bday = rng.random() < 0.1
        rows[Lead].append(
            {
                "id": i,
                "name": name,
                "name_key": name.lower(),
                "email": f"lead{i}@example.com",
                "phone_key": f"63917{i:07d}",
                "source": source,
                "bday_month": (m := rng.randint(1, 12)) if bday else None,
                "bday_day": (d := rng.randint(1, 28)) if bday else None,
                "bday_md": m * 100 + d if bday else None,
                "stage_id": stage[current],
                "stage_since": at,
                "budget": rng.choice(("yes", "no", "unknown")),
                "authority": "unknown",
                "need": rng.choice(("yes", "no", "unknown")),
                "timeline": rng.choice(("yes", "unknown")),
                "do_not_contact": False,
                "lost_reason": reason if current == "lost" else None,
                "custom": {},
                "search_text": name.lower(),
                "created_at": created,
                "updated_at": at,
            }
        )
        began: datetime | None = None
        for frm, to, when, why in moves:
            rows[StageHistory].append(
                {
                    "lead_id": i,
                    "from_stage_id": stage[frm] if frm else None,
                    "to_stage_id": stage[to],
                    "at": when,
                    "reason": why,
                    # The stay this move ends, as prospectr records it (moves are in time order).
                    "from_at": began if frm else None,
                    "stay_days": (when.date() - began.date()).days if frm and began else None,
                }
            )
            began = when
        rows[LeadTag].extend({"lead_id": i, "tag": t} for t in rng.sample(TAGS, rng.randint(0, 2)))
        if current == "won":
            day = at.date()
            for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
                rows[Sale].append(
                    {
                        "lead_id": i,
                        "date": day,
                        "amount_cents": rng.randint(500, 80_000),
                        "description": "order",
                    }
                )
                day += timedelta(days=rng.randint(10, 120))
                if day > NOW.date():
                    break
        if rng.random() < 0.03:
            rows[FollowUp].append(
                {
                    "lead_id": i,
                    "due": NOW.date() + timedelta(days=rng.randint(-5, 60)),
                    "text": "call back",
                    "created_at": created,
                }
            )
        spans.append((created, NOW))
    for _ in range(interactions):
        lead_id = rng.randint(1, leads)
        start, end = spans[lead_id - 1]
        seconds = int((end - start).total_seconds())
        rows[Interaction].append(
            {
                "lead_id": lead_id,
                "kind": rng.choice(KINDS),
                "at": start + timedelta(seconds=rng.randint(0, max(seconds, 1))),
                "text": "talked about an order",
            }
        )
    with engine.begin() as conn:
        for table, items in rows.items():
            insert_rows(conn, table, items)
        set_last_contact(conn)
    engine.dispose()
    return {t.__name__: len(items) for t, items in rows.items()}


def sections_in_process(path: Path) -> dict[str, float]:
    """Seconds each section's queries take in this process (the shared tables first).

    ``facts`` and ``open`` are the two shared temporary tables (per-lead digest of
    stage history; open leads with their last interaction), ``sums`` the facts'
    aggregates that funnel, sources and trend read; the sections after them only
    aggregate, as in the full report; ``drop`` removes the tables. All on one
    connection, one after another (the report itself shares the work between two).
    """
    from prospectr.db import open_database, session_scope
    from prospectr.domain import reports

    engine = open_database(f"sqlite:///{path}")
    spent: dict[str, float] = {}
    with (
        session_scope(engine, write=False) as s,
        reports.report_data(s, today=NOW.date()) as data,
    ):
        started = time.perf_counter()
        assert data.facts is not None  # built on first use
        spent["facts"] = time.perf_counter() - started
        started = time.perf_counter()
        assert data.facts_sums("funnel") is not None  # what funnel, sources and trend read
        spent["sums"] = time.perf_counter() - started
        started = time.perf_counter()
        assert data.open_leads(last=True) is not None
        spent["open"] = time.perf_counter() - started
        for name in reports.SECTIONS:
            started = time.perf_counter()
            fn = getattr(reports, "lost_reasons" if name == "lost" else name)
            fn(data, limit=20) if name == "stale" else fn(data)
            spent[name] = time.perf_counter() - started
        started = time.perf_counter()
        data.close()  # the temporary tables, dropped as the report ends
        spent["drop"] = time.perf_counter() - started
    engine.dispose()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=300_000)
    parser.add_argument("--keep", help="build into (or reuse) DIR/report-bench.db")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "report-bench.db"
        if not path.exists():
            started = time.perf_counter()
            counts = build(path, leads=args.leads, interactions=args.interactions)
            took = time.perf_counter() - started
            print(", ".join(f"{v:,} {k}" for k, v in counts.items()) + f"  (built in {took:.1f}s)")
        env = dict(os.environ, PROSPECTR_DB=str(path), PROSPECTR_NOW=NOW.isoformat(), COLUMNS="100")
        app = [sys.executable, "-m", "prospectr"]
        commands = {"today": [*app, "today"], "report": [*app, "report"]}
        for cmd in commands.values():
            wall(cmd, env)  # warm the page cache
        samples = interleaved_samples(commands, env, args.runs)
        today, report = (statistics.median(samples[k]) for k in ("today", "report"))
        ratio = report / today
        print(f"runs: {args.runs} (medians, seconds)")
        print(f"{'prospectr today':<20}{today:>8.3f}")
        print(f"{'prospectr report':<20}{report:>8.3f}")
        verdict = "ok" if ratio <= TARGET else "over target"
        print(f"{'ratio':<20}{ratio:>8.2f}   target <= {TARGET:.1f}  {verdict}")
        # The same ratio within each round (both commands met the same machine
        # speed): its spread tells how much the host's noise moves the figure.
        paired = sorted(r / t for r, t in zip(samples["report"], samples["today"], strict=True))
        print(
            f"{'ratio per round':<20}{statistics.median(paired):>8.2f}   "
            f"(median; lowest {paired[0]:.2f}, highest {paired[-1]:.2f})"
        )
        spent = sections_in_process(path)
        parts = "  ".join(f"{k} {v:.3f}" for k, v in spent.items())
        print(f"report queries in-process: {sum(spent.values()):.3f}s  ({parts})")


if __name__ == "__main__":
    main()
