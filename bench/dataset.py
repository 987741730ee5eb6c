"""Deterministic benchmark databases: leads with history, notes, follow-ups and sales.

Used by every script in bench/. Rows are inserted with SQLAlchemy Core in a few
large transactions, so the same builder fills SQLite or PostgreSQL.

    python bench/dataset.py PATH_OR_URL --leads 100000 --interactions 300000
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, text

from prospectr.db import open_database
from prospectr.domain.text import fold
from prospectr.models import FollowUp, Interaction, Lead, LeadTag, Sale, StageHistory

GIVEN = ["Maria", "Nguyễn", "Иван", "Արամ", "美玲", "José", "Anna", "Trần", "Ольга", "Juan", "Lê"]
FAMILY = ["Santos", "Văn An", "Петров", "Սարգսյան", "王", "Reyes", "Cruz", "Thị Hà", "Смирнова"]
SOURCES = ["referral", "facebook", "instagram", "event", "website", "ads", "walk-in", "cold-call"]
TAGS = ["vip", "fair-2026", "cakes", "wholesale", "newsletter"]
NOW = datetime(2026, 11, 24, 10, 0)
BATCH = 20_000


def insert_rows(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into the table of ``model``, ``BATCH`` rows a statement."""
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(model.__table__), rows[start : start + BATCH])


def set_last_contact(conn: Connection) -> None:
    """Each lead's last contact: its latest interaction that is not a note."""
    conn.execute(
        text(
            "UPDATE lead SET last_contact_at = (SELECT max(at) FROM interaction"
            " WHERE interaction.lead_id = lead.id AND interaction.kind != 'note')"
        )
    )


def build(
    url: str, *, leads: int, interactions: int = 0, seed: int = 42, quiet: bool = True
) -> None:
    """Fill a new database at ``url`` with ``leads`` leads and ``interactions`` notes."""
    rng = random.Random(seed)
    engine = open_database(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        stages = {row.key: row.id for row in conn.execute(text("SELECT id, key FROM stage"))}
        open_keys = ["new", "qualified", "contacted", "nurturing"]
        lead_rows: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        followups: list[dict[str, Any]] = []
        sales: list[dict[str, Any]] = []
        for i in range(1, leads + 1):
            name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {i}"
            created = NOW - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1440))
            key = rng.choices(
                [*open_keys, "won", "lost", "not_now", "cold"], [30, 15, 15, 15, 10, 8, 4, 3]
            )[0]
            answers = [rng.choice(["yes", "no", "unknown", "unknown"]) for _ in range(4)]
            has_bday = rng.random() < 0.7
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            source = rng.choice(SOURCES)
            email = f"lead{i}@example.com"
            phone_key = f"63917{i:07d}"
            lead_tags = rng.sample(TAGS, rng.randint(0, 2))
            lead_rows.append(
                {
                    "id": i,
                    "name": name,
                    "name_key": fold(name),
                    "email": email,
                    "phone": f"+63 917 {i:07d}",
                    "phone_key": phone_key,
                    "company": None,
                    "city": rng.choice(["Manila", "Hà Nội", "Москва", "Երևան", "Cebu"]),
                    "source": source,
                    "bday_month": month if has_bday else None,
                    "bday_day": day if has_bday else None,
                    "bday_year": rng.randint(1950, 2005)
                    if has_bday and rng.random() < 0.5
                    else None,
                    "bday_md": month * 100 + day if has_bday else None,
                    "stage_id": stages[key],
                    "stage_since": created + timedelta(days=3),
                    "budget": answers[0],
                    "authority": answers[1],
                    "need": answers[2],
                    "timeline": answers[3],
                    "do_not_contact": False,
                    "lost_reason": "price" if key == "lost" else None,
                    "custom": {},
                    "search_text": fold("\n".join([name, email, phone_key, source, *lead_tags])),
                    "last_contact_at": None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            tags.extend({"lead_id": i, "tag": t} for t in lead_tags)
            history.append(
                {
                    "lead_id": i,
                    "from_stage_id": None,
                    "to_stage_id": stages["new"],
                    "at": created,
                    "reason": None,
                    "from_at": None,
                    "stay_days": None,
                }
            )
            if key != "new":
                moved = created + timedelta(days=3)
                history.append(
                    {
                        "lead_id": i,
                        "from_stage_id": stages["new"],
                        "to_stage_id": stages[key],
                        "at": moved,
                        "reason": "price" if key == "lost" else None,
                        # The stay in "new" this move ends, as prospectr records it.
                        "from_at": created,
                        "stay_days": (moved.date() - created.date()).days,
                    }
                )
            if rng.random() < 0.2:
                due = NOW.date() + timedelta(days=rng.randint(-10, 20))
                followups.append(
                    {"lead_id": i, "due": due, "text": "call back", "created_at": created}
                )
            if key == "won":
                for _ in range(rng.choice([1, 1, 2, 3])):
                    sales.append(
                        {
                            "lead_id": i,
                            "date": (created + timedelta(days=rng.randint(3, 60))).date(),
                            "amount_cents": rng.randint(500, 50_000),
                            "description": "order",
                        }
                    )
        for model, rows in (
            (Lead, lead_rows),
            (LeadTag, tags),
            (StageHistory, history),
            (FollowUp, followups),
            (Sale, sales),
        ):
            insert_rows(conn, model, rows)
    kinds = ["note", "call", "sms", "email", "meeting"]
    notes: list[dict[str, Any]] = []
    for _ in range(interactions):
        lead_id = rng.randint(1, leads)
        at = NOW - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        notes.append(
            {
                "lead_id": lead_id,
                "kind": rng.choice(kinds),
                "at": at,
                "text": "talked about an order",
            }
        )
    if notes:
        with engine.begin() as conn:
            insert_rows(conn, Interaction, notes)
            set_last_contact(conn)
    engine.dispose()
    if not quiet:
        took = time.perf_counter() - started
        print(f"built {leads} leads, {interactions} interactions in {took:.1f}s")


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a database file."""
    return f"sqlite:///{path.resolve()}"


def today() -> date:
    """The frozen day the datasets are built around."""
    return NOW.date()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", help="database file path or URL (must not exist / be empty)")
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=0)
    args = parser.parse_args()
    target = args.target if "://" in args.target else sqlite_url(Path(args.target))
    build(target, leads=args.leads, interactions=args.interactions, quiet=False)
    sys.exit(0)
