"""Schema migrations: an ordered list of steps, each applied once, in a transaction.

A step's table definitions are frozen copies, written with SQLAlchemy Core so
they run on SQLite and PostgreSQL alike. Never edit a released step: add one.
``tests/domain/test_migrations.py`` checks that the migrated schema matches
``prospectr.models``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.elements import ColumnElement

DEFAULT_STAGES: list[dict[str, object]] = [
    {"name": "new", "key": "new", "kind": "open"},
    {"name": "qualified", "key": "qualified", "kind": "open"},
    {"name": "contacted", "key": "contacted", "kind": "open"},
    {"name": "nurturing", "key": "nurturing", "kind": "open"},
    {"name": "won", "key": "won", "kind": "won"},
    {"name": "lost", "key": "lost", "kind": "lost", "requires_reason": True},
    {"name": "not-now", "key": "not_now", "kind": "parked", "requires_followup": True},
    {"name": "cold", "key": "cold", "kind": "parked"},
]


def _v1_initial(conn: Connection) -> None:
    """Version 1: the whole schema and the default pipeline."""
    md = MetaData()
    Table(
        "schema_version",
        md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("applied_at", String, nullable=False),
    )
    stage = Table(
        "stage",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False, unique=True),
        Column("key", String, unique=True),
        Column("position", Integer, nullable=False),
        Column("kind", String, nullable=False),
        Column("requires_reason", Boolean, nullable=False),
        Column("requires_followup", Boolean, nullable=False),
        Column("retired", Boolean, nullable=False),
    )
    Table(
        "lead",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String, nullable=False),
        Column("name_key", String, nullable=False, index=True),
        Column("given_name", String),
        Column("family_name", String),
        Column("email", String, index=True),
        Column("phone", String),
        Column("phone_key", String, index=True),
        Column("company", String),
        Column("title", String),
        Column("city", String),
        Column("country", String),
        Column("source", String),
        Column("referred_by_id", Integer, ForeignKey("lead.id", ondelete="SET NULL")),
        Column("bday_month", Integer),
        Column("bday_day", Integer),
        Column("bday_year", Integer),
        Column("bday_md", Integer),
        Column("stage_id", Integer, ForeignKey("stage.id"), nullable=False, index=True),
        Column("stage_since", DateTime),
        Column("budget", String, nullable=False),
        Column("budget_note", String),
        Column("authority", String, nullable=False),
        Column("authority_note", String),
        Column("need", String, nullable=False),
        Column("need_note", String),
        Column("timeline", String, nullable=False),
        Column("timeline_note", String),
        Column("do_not_contact", Boolean, nullable=False),
        Column("lost_reason", String),
        Column("custom", JSON),
        Column("search_text", String, nullable=False),
        Column("last_contact_at", DateTime),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Index("ix_lead_bday", "bday_md"),
        Index("ix_lead_bant", "need", "budget", "timeline"),
    )
    Table(
        "lead_tag",
        md,
        Column("lead_id", Integer, ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True),
        Column("tag", String, primary_key=True, index=True),
    )
    Table(
        "interaction",
        md,
        Column("id", Integer, primary_key=True),
        Column("lead_id", Integer, ForeignKey("lead.id", ondelete="CASCADE"), nullable=False),
        Column("kind", String, nullable=False),
        Column("at", DateTime, nullable=False, index=True),
        Column("text", String, nullable=False),
        # The latest interaction of each lead in one index seek (stale report).
        Index("ix_interaction_lead_at", "lead_id", "at"),
    )
    Table(
        "stage_history",
        md,
        Column("id", Integer, primary_key=True),
        Column("lead_id", Integer, ForeignKey("lead.id", ondelete="CASCADE"), nullable=False),
        Column("from_stage_id", Integer, ForeignKey("stage.id")),
        Column("to_stage_id", Integer, ForeignKey("stage.id"), nullable=False, index=True),
        Column("at", DateTime, nullable=False),
        Column("reason", String),
        Index("ix_stage_history_lead_at", "lead_id", "at"),
    )
    Table(
        "follow_up",
        md,
        Column("id", Integer, primary_key=True),
        Column("lead_id", Integer, ForeignKey("lead.id", ondelete="CASCADE"), nullable=False),
        Column("due", Date, nullable=False),
        Column("text", String, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("done_at", DateTime),
        Index("ix_follow_up_open", "done_at", "due"),
        Index("ix_follow_up_lead", "lead_id", "done_at", "due"),
    )
    Table(
        "sale",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "lead_id",
            Integer,
            ForeignKey("lead.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("date", Date, nullable=False),
        Column("amount_cents", Integer, nullable=False),
        Column("description", String, nullable=False),
    )
    Table(
        "setting",
        md,
        Column("key", String, primary_key=True),
        Column("value", JSON),
    )
    Table(
        "import_batch",
        md,
        Column("id", Integer, primary_key=True),
        Column("created_at", DateTime, nullable=False),
        Column("path", String, nullable=False),
        Column("format", String, nullable=False),
        Column("counts", JSON),
        Column("undone_at", DateTime),
    )
    Table(
        "import_item",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "batch_id",
            Integer,
            ForeignKey("import_batch.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        Column("lead_id", Integer, nullable=False, index=True),
        Column("action", String, nullable=False),
        Column("before", JSON),
    )
    md.create_all(conn)
    rows = [
        {
            "name": s["name"],
            "key": s["key"],
            "position": i,
            "kind": s["kind"],
            "requires_reason": bool(s.get("requires_reason", False)),
            "requires_followup": bool(s.get("requires_followup", False)),
            "retired": False,
        }
        for i, s in enumerate(DEFAULT_STAGES)
    ]
    conn.execute(insert(stage), rows)


def _v2_stays(conn: Connection) -> None:
    """Version 2: every move records the stay it ends; report indexes; referrals indexed.

    ``from_at`` is when the lead entered the stage it leaves: the time of its
    previous move (by time, then id). ``stay_days`` is the whole calendar days
    between the two dates. Both are filled for existing moves (rows with a
    ``from_stage_id``); first entries keep them empty.
    """
    md = MetaData()
    history = Table(
        "stage_history",
        md,
        Column("id", Integer, primary_key=True),
        Column("lead_id", Integer, nullable=False),
        Column("from_stage_id", Integer),
        Column("to_stage_id", Integer, nullable=False),
        Column("at", DateTime, nullable=False),
        Column("reason", String),
        Column("from_at", DateTime),
        Column("stay_days", Integer),
    )
    for name in ("from_at", "stay_days"):
        spec = CreateColumn(history.c[name]).compile(dialect=conn.dialect)
        conn.execute(text(f"ALTER TABLE stage_history ADD COLUMN {spec}"))
    Index("ix_stage_history_lead_at", history.c.lead_id, history.c.at).drop(conn, checkfirst=True)
    Index("ix_stage_history_to_stage_id", history.c.to_stage_id).drop(conn, checkfirst=True)
    h = history.c
    Index("ix_stage_history_lead_at_stage", h.lead_id, h.at, h.to_stage_id).create(conn)
    Index("ix_stage_history_to_stage_lead", h.to_stage_id, h.lead_id).create(conn)
    moves = text("from_stage_id IS NOT NULL")
    Index(
        "ix_stage_history_stay",
        h.from_stage_id,
        h.stay_days,
        h.lead_id,
        sqlite_where=moves,
        postgresql_where=moves,
    ).create(conn)

    # Deleting a lead (an import undo deletes thousands) looks up the leads it
    # referred, for ON DELETE SET NULL: index them, or each delete scans the table.
    lead = Table(
        "lead", md, Column("id", Integer, primary_key=True), Column("referred_by_id", Integer)
    )
    referred = text("referred_by_id IS NOT NULL")
    Index(
        "ix_lead_referred_by",
        lead.c.referred_by_id,
        sqlite_where=referred,
        postgresql_where=referred,
    ).create(conn)

    prev = history.alias("prev")
    began = (
        select(func.max(prev.c.at))
        .where(
            prev.c.lead_id == h.lead_id,
            or_(prev.c.at < h.at, and_(prev.c.at == h.at, prev.c.id < h.id)),
        )
        .scalar_subquery()
    )
    conn.execute(update(history).where(h.from_stage_id.is_not(None)).values(from_at=began))
    days: ColumnElement[Any]
    if conn.dialect.name == "sqlite":
        # julianday counts from noon: minus half a day, truncated, is the day number.
        days = cast(func.julianday(h.at) - 0.5, Integer) - cast(
            func.julianday(h.from_at) - 0.5, Integer
        )
    else:
        days = cast(h.at, Date) - cast(h.from_at, Date)
    conn.execute(update(history).where(h.from_at.is_not(None)).values(stay_days=days))


def _v3_ids_never_reused(conn: Connection) -> None:
    """Notes and contacts, follow-ups and sales get ids that are never given again.

    SQLite gives the highest id of a deleted row to the next new row, so
    ``prospectr sale delete 8`` run again from the shell's history would delete
    the next sale. Each table is rebuilt with AUTOINCREMENT (same columns, rows,
    ids and indexes). PostgreSQL's sequences never reuse an id: nothing to do.
    The lead table keeps its ids as they are: rebuilding it needs foreign keys
    off, which SQLite does not allow inside the migration's transaction.
    """
    if conn.dialect.name != "sqlite":
        return
    md = MetaData()

    def lead_id() -> Column[int]:
        return Column("lead_id", Integer, ForeignKey("lead.id", ondelete="CASCADE"), nullable=False)

    Table("lead", md, Column("id", Integer, primary_key=True))
    rebuilt: dict[str, tuple[list[Column[Any]], list[tuple[str, tuple[str, ...]]]]] = {
        "interaction": (
            [
                Column("kind", String, nullable=False),
                Column("at", DateTime, nullable=False),
                Column("text", String, nullable=False),
            ],
            [("ix_interaction_lead_at", ("lead_id", "at")), ("ix_interaction_at", ("at",))],
        ),
        "follow_up": (
            [
                Column("due", Date, nullable=False),
                Column("text", String, nullable=False),
                Column("created_at", DateTime, nullable=False),
                Column("done_at", DateTime),
            ],
            [
                ("ix_follow_up_open", ("done_at", "due")),
                ("ix_follow_up_lead", ("lead_id", "done_at", "due")),
            ],
        ),
        "sale": (
            [
                Column("date", Date, nullable=False),
                Column("amount_cents", Integer, nullable=False),
                Column("description", String, nullable=False),
            ],
            [("ix_sale_lead_id", ("lead_id",))],
        ),
    }
    for name, (columns, indexes) in rebuilt.items():
        new = Table(
            f"{name}_v3",
            md,
            Column("id", Integer, primary_key=True),
            lead_id(),
            *columns,
            sqlite_autoincrement=True,
        )
        new.create(conn)
        names = ", ".join(c.name for c in new.columns)
        conn.execute(text(f"INSERT INTO {name}_v3 ({names}) SELECT {names} FROM {name}"))
        conn.execute(text(f"DROP TABLE {name}"))  # a child table: no cascade
        conn.execute(text(f"ALTER TABLE {name}_v3 RENAME TO {name}"))
        for index, on in indexes:
            conn.execute(text(f"CREATE INDEX {index} ON {name} ({', '.join(on)})"))


MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial, _v2_stays, _v3_ids_never_reused]
LATEST = len(MIGRATIONS)
