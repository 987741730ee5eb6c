"""The tables. Imports only the standard library and sqlmodel.

Conventions:
- Times are naive local datetimes (pydantic ``NaiveDatetime``) and dates, supplied
  by the caller (``now``/``today``): the owner's wall clock, which is what "today" means.
- BANT answers are stored as ``"yes"``, ``"no"`` or ``"unknown"``; the temperature
  and score are derived from them (``prospectr.domain.bant``), never stored.
- ``search_text`` columns hold a case- and accent-folded copy of the searchable
  text so that search is one portable ``LIKE`` (see ``prospectr.domain.text``).
- Money is stored as integer cents, so sums are exact on every backend.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import NaiveDatetime
from sqlmodel import JSON, Column, Field, Index, SQLModel, text

ANSWERS = ("yes", "no", "unknown")
STAGE_KINDS = ("open", "won", "lost", "parked")
INTERACTION_KINDS = ("note", "call", "sms", "chat", "email", "social", "meeting")


class Stage(SQLModel, table=True):
    """One column of the seller's pipeline."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    # Stable role of a default stage ("new", "qualified", "cold", ...): survives renames.
    key: str | None = Field(default=None, unique=True)
    position: int = 0
    kind: str = "open"
    requires_reason: bool = False
    requires_followup: bool = False
    retired: bool = False


class Lead(SQLModel, table=True):
    """A person (or company) who might buy."""

    __table_args__ = (
        Index("ix_lead_bday", "bday_md"),
        Index("ix_lead_bant", "need", "budget", "timeline"),
        # Deleting a lead clears the referrals to it (ON DELETE SET NULL): without
        # this index every deleted lead meant a scan of the whole table.
        Index(
            "ix_lead_referred_by",
            "referred_by_id",
            sqlite_where=text("referred_by_id IS NOT NULL"),
            postgresql_where=text("referred_by_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = ""
    # fold(name or company): sorting and name lookups, accent- and case-insensitive.
    name_key: str = Field(default="", index=True)
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = Field(default=None, index=True)
    phone: str | None = None
    phone_key: str | None = Field(default=None, index=True)
    company: str | None = None
    title: str | None = None
    city: str | None = None
    country: str | None = None
    source: str | None = None
    referred_by_id: int | None = Field(default=None, foreign_key="lead.id", ondelete="SET NULL")
    bday_month: int | None = None
    bday_day: int | None = None
    bday_year: int | None = None
    # month * 100 + day, indexed: birthday windows are range queries on it.
    bday_md: int | None = None
    stage_id: int = Field(foreign_key="stage.id", index=True)
    stage_since: NaiveDatetime | None = None
    budget: str = "unknown"
    budget_note: str | None = None
    authority: str = "unknown"
    authority_note: str | None = None
    need: str = "unknown"
    need_note: str | None = None
    timeline: str = "unknown"
    timeline_note: str | None = None
    do_not_contact: bool = False
    lost_reason: str | None = None
    custom: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    search_text: str = ""
    last_contact_at: NaiveDatetime | None = None
    created_at: NaiveDatetime
    updated_at: NaiveDatetime


class LeadTag(SQLModel, table=True):
    """A tag on a lead (stored case-folded)."""

    __tablename__ = "lead_tag"

    lead_id: int = Field(foreign_key="lead.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, index=True)


# Tables whose ids a delete never frees for a new row (see migrations._v3_ids_never_reused).
_NEVER_REUSED = {"sqlite_autoincrement": True}


class Interaction(SQLModel, table=True):
    """A note or a logged contact: call, sms, chat, email, social, meeting."""

    # The latest interaction of each lead in one index seek (stale report).
    # Ids are never given again after a delete (schema v3, SQLite's AUTOINCREMENT).
    __table_args__ = (Index("ix_interaction_lead_at", "lead_id", "at"), _NEVER_REUSED)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", ondelete="CASCADE")
    kind: str = "note"
    at: NaiveDatetime = Field(index=True)
    text: str = ""


class StageHistory(SQLModel, table=True):
    """One stage move of one lead."""

    __tablename__ = "stage_history"
    __table_args__ = (
        # A lead's moves in time order in one seek (history); with the stage, the
        # reports' per-lead digest reads this index alone.
        Index("ix_stage_history_lead_at_stage", "lead_id", "at", "to_stage_id"),
        # Who entered a stage (funnel exits) without reading the rows.
        Index("ix_stage_history_to_stage_lead", "to_stage_id", "lead_id"),
        # Finished stays per stage in order of length (velocity report); moves only.
        Index(
            "ix_stage_history_stay",
            "from_stage_id",
            "stay_days",
            "lead_id",
            sqlite_where=text("from_stage_id IS NOT NULL"),
            postgresql_where=text("from_stage_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", ondelete="CASCADE")
    from_stage_id: int | None = Field(default=None, foreign_key="stage.id")
    to_stage_id: int = Field(foreign_key="stage.id")
    at: NaiveDatetime
    reason: str | None = None
    # A move out of a stage ends a stay: when it began (the lead's previous move)
    # and its length in whole calendar days, date(at) - date(from_at). Both stay
    # empty for a first entry (from_stage_id empty) and for a move without an earlier one.
    from_at: NaiveDatetime | None = None
    stay_days: int | None = None


class FollowUp(SQLModel, table=True):
    """A dated reminder to contact a lead again."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_open", "done_at", "due"),
        # A lead's next open follow-up in one seek (lists sort and show it).
        Index("ix_follow_up_lead", "lead_id", "done_at", "due"),
        _NEVER_REUSED,
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", ondelete="CASCADE")
    due: date
    text: str = ""
    created_at: NaiveDatetime
    done_at: NaiveDatetime | None = None


class Sale(SQLModel, table=True):
    """A purchase by a lead; the first makes a customer, the second a repeat customer."""

    __table_args__ = (_NEVER_REUSED,)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="lead.id", index=True, ondelete="CASCADE")
    date: date
    amount_cents: int
    description: str = ""


class Setting(SQLModel, table=True):
    """A user setting stored with the data (so it travels with the database)."""

    key: str = Field(primary_key=True)
    value: Any = Field(default=None, sa_column=Column(JSON))


class ImportBatch(SQLModel, table=True):
    """One run of ``prospectr import``; undo removes what it created."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    created_at: NaiveDatetime
    path: str = ""
    format: str = ""
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    undone_at: NaiveDatetime | None = None


class ImportItem(SQLModel, table=True):
    """What one import batch did to one lead; ``before`` restores an update on undo."""

    __tablename__ = "import_item"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True, ondelete="CASCADE")
    lead_id: int = Field(index=True)
    action: str = "created"
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
