"""Exporting leads: CSV, JSON, vCard 3.0 and iCalendar, with the filters of ``list``.

- CSV: one row per lead; cells that start with ``=``, ``+``, ``-`` or ``@`` get a
  leading ``'`` so a spreadsheet shows them as text instead of running them as
  formulas (prospectr's import removes that guard again).
- vCard 3.0 (RFC 2426): reads back through ``prospectr import`` as the same
  leads; a birthday without a year is written ``--MM-DD``.
- iCalendar (RFC 5545): each birthday as a yearly all-day event with an alarm
  ``alarm_days`` before (at 09:00), each open follow-up as an all-day event on
  its date. UIDs are stable, so a calendar that subscribes updates the events
  instead of duplicating them.

Leads are read once, as plain rows of the columns an export needs (no ORM
objects), in the order and with the filters of ``list`` (``search.lead_select``),
a chunk at a time, with the tags and open follow-ups of each chunk in one query
each: memory stays flat however many leads there are. The vCard and iCalendar
text is written by ``export_cards``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from sqlalchemy import BindParameter, Select, String, bindparam, case, null, select, type_coerce
from sqlmodel import Session, col

from prospectr.domain import text as t
from prospectr.domain.bant import temperature
from prospectr.domain.export_cards import (
    CALENDAR_END,
    CALENDAR_HEAD,
    EVENT_BEGIN,
    ics_events,
    vcard_text,
)
from prospectr.domain.search import LeadQuery, lead_select
from prospectr.domain.views import CONTACT_FIELDS
from prospectr.errors import InvalidInput
from prospectr.models import FollowUp, Lead, LeadTag, Stage

EXPORT_FORMATS = ("csv", "json", "vcf", "ics")
DEFAULT_ALARM_DAYS = 3
MAX_ALARM_DAYS = 60
CSV_COLUMNS = (
    "id", "name", "given_name", "family_name", "email", "phone", "company", "title", "city",
    "country", "source", "tags", "birthday", "stage", "temperature", "budget", "authority",
    "need", "timeline", "do_not_contact", "created_at", "updated_at", "last_contact",
    "next_followup", "lost_reason",
)  # fmt: skip
# The lead columns an export reads, in the order of ExportedLead's first fields.
LEAD_COLUMNS = (
    "id", "name", "given_name", "family_name", "email", "phone", "company", "title", "city",
    "country", "source", "bday_year", "bday_month", "bday_day", "budget", "authority", "need",
    "timeline", "do_not_contact", "custom", "created_at", "updated_at", "last_contact_at",
    "lost_reason",
)  # fmt: skip
# Custom fields without the JSON type's decoding (see _custom).
_RAW_CUSTOM = type_coerce(col(Lead.custom), String)


@dataclass
class ExportTally:
    """What an export wrote: counted as its chunks are consumed, whole once they all are."""

    leads: int = 0
    events: int = 0  # iCalendar only


_EMPTY_JSON = frozenset({"{}", "null", ""})
_CHUNK = 500  # leads a query for tags or follow-ups covers (bound parameters stay < 999)
_FORMULA_START = "=+-@"
# A string as JSON (what JSONEncoder.encode calls for one; in C, without its overhead).
_quote = encode_basestring
_JSON_BLOCK = json.JSONEncoder(ensure_ascii=False, indent=2)


@dataclass(slots=True)
class OpenFollowUp:
    """An open follow-up of an exported lead."""

    id: int
    due: date
    text: str


@dataclass(slots=True)
class ExportedLead:
    """A lead as an export reads it: its columns, stage, tags and open follow-ups."""

    id: int
    name: str
    given_name: str | None
    family_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    title: str | None
    city: str | None
    country: str | None
    source: str | None
    bday_year: int | None
    bday_month: int | None
    bday_day: int | None
    budget: str
    authority: str
    need: str
    timeline: str
    do_not_contact: bool
    custom: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    last_contact_at: datetime | None
    lost_reason: str | None
    stage: str
    next_followup: date | None
    tags: list[str] = field(default_factory=list)
    followups: list[OpenFollowUp] = field(default_factory=list)

    @property
    def birthday(self) -> str:
        """``1986-03-15``, ``--03-15`` without a year, or "" when unknown."""
        if self.bday_month is None or self.bday_day is None:
            return ""
        if self.bday_year:
            return f"{self.bday_year:04d}-{self.bday_month:02d}-{self.bday_day:02d}"
        return f"--{self.bday_month:02d}-{self.bday_day:02d}"

    @property
    def bant(self) -> dict[str, str]:
        """The four BANT answers."""
        return {"budget": self.budget, "authority": self.authority, "need": self.need,
                "timeline": self.timeline}  # fmt: skip

    @property
    def temperature(self) -> str:
        """Derived from the BANT answers."""
        return _temperature(self.budget, self.authority, self.need, self.timeline)

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape of an exported lead (``export --format json`` writes it)."""
        bant = self.bant
        return {
            "id": self.id,
            "name": self.name,
            **{name: getattr(self, name) for name in CONTACT_FIELDS},
            "tags": self.tags,
            "birthday": self.birthday or None,
            "stage": self.stage,
            "temperature": self.temperature,
            "bant": bant,
            "do_not_contact": self.do_not_contact,
            "custom": dict(self.custom or {}),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "updated_at": self.updated_at.isoformat(timespec="seconds"),
            "last_contact": _iso_time(self.last_contact_at),
            "next_followup": self.next_followup.isoformat() if self.next_followup else None,
            "lost_reason": self.lost_reason,
        }


@lru_cache(maxsize=256)
def _temperature(budget: str, authority: str, need: str, timeline: str) -> str:
    """The temperature of four answers (81 combinations: computed once each)."""
    return temperature(
        {"budget": budget, "authority": authority, "need": need, "timeline": timeline}
    )


def neutralise(cell: str) -> str:
    """Guard a CSV cell against spreadsheet formula injection."""
    return f"'{cell}" if cell and cell[0] in _FORMULA_START else cell


def iter_export(
    session: Session,
    query: LeadQuery,
    fmt: str,
    *,
    today: date,
    now: datetime,
    alarm_days: int = DEFAULT_ALARM_DAYS,
    tally: ExportTally | None = None,
) -> Iterator[str]:
    """The export of the leads matching ``query``, as text chunks to write in order.

    Bad arguments (format, alarm days, filters) raise here, before any chunk.
    ``tally``, when given, counts the leads (and calendar events) written.
    """
    tally = tally or ExportTally()
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    if not 0 <= alarm_days <= MAX_ALARM_DAYS:
        raise InvalidInput(f"--alarm-days must be between 0 and {MAX_ALARM_DAYS}")
    columns: list[Any] = [col(getattr(Lead, name)) for name in LEAD_COLUMNS]
    # Custom fields are read as stored and decoded only when not empty (see _custom);
    # a calendar needs none.
    custom = LEAD_COLUMNS.index("custom")
    columns[custom] = null() if fmt == "ics" else _RAW_CUSTOM
    # The reason a lead was lost, while it is lost (it stays on the lead after it comes back).
    columns[LEAD_COLUMNS.index("lost_reason")] = case(
        (col(Stage.kind) == "lost", col(Lead.lost_reason)), else_=null()
    )
    stmt = lead_select(session, query, *columns, col(Stage.name), today=today)
    # Exports may land on a terminal: nothing stored may act on it (see text.inert).
    if fmt == "csv":
        return map(t.inert, _csv(session, stmt, tally))
    if fmt == "json":
        return map(t.json_inert, _json(session, stmt, tally))
    if fmt == "vcf":
        return map(t.inert, _vcards(session, stmt, tally))
    return map(t.inert, _calendar(session, stmt, tally, now, alarm_days))


def _leads(
    session: Session,
    stmt: Select[Any],
    tally: ExportTally,
    *,
    tags: bool = True,
    followups: bool = False,
) -> Iterator[list[ExportedLead]]:
    """The leads of ``stmt`` in chunks, each lead with its tags and open follow-ups."""
    conn = session.connection()
    for rows in conn.execute(stmt).partitions(_CHUNK):
        chunk = [ExportedLead(*row) for row in rows]
        tally.leads += len(chunk)
        for item in chunk:
            item.next_followup = _as_date(item.next_followup)
            item.custom = _custom(item.custom)
        by_id = {item.id: item for item in chunk}
        ids = {"ids": list(by_id)}
        if tags:
            for lead_id, tag in conn.execute(_TAGS, ids):
                by_id[lead_id].tags.append(tag)
        if followups:
            for item_id, lead_id, due, text in conn.execute(_OPEN_FOLLOWUPS, ids):
                by_id[lead_id].followups.append(OpenFollowUp(item_id or 0, due, text))
        yield chunk


# The tags and the open follow-ups of a chunk of leads, each sorted as before per lead.
_CHUNK_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_TAGS = (
    select(col(LeadTag.lead_id), col(LeadTag.tag))
    .where(col(LeadTag.lead_id).in_(_CHUNK_IDS))
    .order_by(col(LeadTag.lead_id), col(LeadTag.tag))
)
_OPEN_FOLLOWUPS = (
    select(col(FollowUp.id), col(FollowUp.lead_id), col(FollowUp.due), col(FollowUp.text))
    .where(col(FollowUp.lead_id).in_(_CHUNK_IDS), col(FollowUp.done_at).is_(None))
    # By lead first: the lead index answers it (the open index would scan every
    # open follow-up for each chunk).
    .order_by(col(FollowUp.lead_id), col(FollowUp.due), col(FollowUp.id))
)


def _as_date(value: Any) -> date | None:
    """The next follow-up: an aggregate over a Date column is text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _custom(value: Any) -> dict[str, Any] | None:
    """Custom fields from the raw column: JSON text on SQLite (decoded here, but for the
    usual empty ``{}``), already decoded by the PostgreSQL driver."""
    if isinstance(value, str):
        return json.loads(value) if value not in _EMPTY_JSON else None
    return value if isinstance(value, dict) else None


def _iso_time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


# --- CSV ------------------------------------------------------------------------------


def _csv(session: Session, stmt: Select[Any], tally: ExportTally) -> Iterator[str]:
    # The header names every custom key, so they are gathered first (one column).
    keys_stmt = stmt.with_only_columns(_RAW_CUSTOM).order_by(None)
    custom_keys: set[str] = set()
    for (raw,) in session.connection().execute(keys_stmt):
        custom_keys.update(_custom(raw) or ())
    keys = sorted(custom_keys)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(f"custom.{k}" for k in keys)])
    for chunk in _leads(session, stmt, tally):
        writer.writerows(_csv_row(item, keys) for item in chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _csv_row(item: ExportedLead, keys: list[str]) -> list[str]:
    cells = [
        str(item.id),
        item.name or "",
        item.given_name or "",
        item.family_name or "",
        item.email or "",
        item.phone or "",
        item.company or "",
        item.title or "",
        item.city or "",
        item.country or "",
        item.source or "",
        ", ".join(item.tags),
        item.birthday,
        item.stage,
        item.temperature,
        item.budget,
        item.authority,
        item.need,
        item.timeline,
        "yes" if item.do_not_contact else "no",
        item.created_at.isoformat(timespec="seconds"),
        item.updated_at.isoformat(timespec="seconds"),
        _iso_time(item.last_contact_at) or "",
        item.next_followup.isoformat() if item.next_followup else "",
        item.lost_reason or "",
    ]
    if keys:
        custom = item.custom or {}
        cells.extend(str(custom.get(k, "")) for k in keys)
    return [f"'{c}" if c and c[0] in _FORMULA_START else c for c in cells]


# --- JSON -----------------------------------------------------------------------------


def _json(session: Session, stmt: Select[Any], tally: ExportTally) -> Iterator[str]:
    """A JSON array of ``as_dict()`` shapes, as ``json.dumps(indent=2)`` lays each out."""
    yield "["
    first = True
    for chunk in _leads(session, stmt, tally):
        parts = [json_object(item) for item in chunk]
        yield ("\n" if first else ",\n") + ",\n".join(parts)
        first = False
    yield "\n]\n"


def json_object(item: ExportedLead) -> str:
    """One lead of the JSON export: ``as_dict()`` laid out by ``json.dumps(indent=2)``, one
    level in (inside the array), without the cost of json's pure-Python indenting encoder."""
    q = _quote
    contact = ",\n    ".join(
        f'"{name}": {_json_text(getattr(item, name))}' for name in CONTACT_FIELDS
    )
    last = _json_text(_iso_time(item.last_contact_at))
    nxt = _json_text(item.next_followup.isoformat() if item.next_followup else None)
    return (
        f'  {{\n    "id": {item.id},\n    "name": {q(item.name)},\n    {contact},\n'
        f'    "tags": {_json_value(item.tags)},\n'
        f'    "birthday": {_json_text(item.birthday or None)},\n'
        f'    "stage": {q(item.stage)},\n    "temperature": {q(item.temperature)},\n'
        f'    "bant": {{\n      "budget": {q(item.budget)},\n'
        f'      "authority": {q(item.authority)},\n      "need": {q(item.need)},\n'
        f'      "timeline": {q(item.timeline)}\n    }},\n'
        f'    "do_not_contact": {"true" if item.do_not_contact else "false"},\n'
        f'    "custom": {_json_value(dict(item.custom or {}))},\n'
        f'    "created_at": "{item.created_at.isoformat(timespec="seconds")}",\n'
        f'    "updated_at": "{item.updated_at.isoformat(timespec="seconds")}",\n'
        f'    "last_contact": {last},\n    "next_followup": {nxt},\n'
        f'    "lost_reason": {_json_text(item.lost_reason)}\n  }}'
    )


def _json_text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


def _json_value(value: Any) -> str:
    """``value`` as json.dumps writes it with an indent of 2, at the depth of a lead's keys."""
    if type(value) is list and all(type(v) is str for v in value):  # tags
        if not value:
            return "[]"
        return "[\n      " + ",\n      ".join(map(_quote, value)) + "\n    ]"
    if type(value) is dict and all(type(k) is type(v) is str for k, v in value.items()):
        if not value:
            return "{}"
        pairs = ",\n      ".join(f"{_quote(k)}: {_quote(v)}" for k, v in value.items())
        return "{\n      " + pairs + "\n    }"
    return _JSON_BLOCK.encode(value).replace("\n", "\n    ")


# --- vCard 3.0 ------------------------------------------------------------------------


def _vcards(session: Session, stmt: Select[Any], tally: ExportTally) -> Iterator[str]:
    for chunk in _leads(session, stmt, tally):
        yield "".join(vcard_text(item) for item in chunk)


# --- iCalendar ------------------------------------------------------------------------


def _calendar(
    session: Session, stmt: Select[Any], tally: ExportTally, now: datetime, alarm_days: int
) -> Iterator[str]:
    yield CALENDAR_HEAD
    for chunk in _leads(session, stmt, tally, tags=False, followups=True):
        text = "".join(ics_events(item, now, alarm_days) for item in chunk)
        tally.events += text.count(EVENT_BEGIN)
        yield text
    yield CALENDAR_END
