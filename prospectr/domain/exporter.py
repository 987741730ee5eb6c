"""Exporting leads: CSV, JSON, vCard 3.0 and iCalendar, with the filters of ``list``.

- CSV: one row per lead; cells that start with ``=``, ``+``, ``-`` or ``@`` get a
  leading ``'`` so a spreadsheet shows them as text instead of running them as
  formulas (prospectr's import removes that guard again).
- vCard 3.0 (``vobject``): reads back through ``prospectr import`` as the same
  leads; a birthday without a year is written ``--MM-DD``.
- iCalendar (``icalendar``): each birthday as a yearly all-day event with an
  alarm ``alarm_days`` before (at 09:00), each open follow-up as an all-day
  event on its date. UIDs are stable, so a calendar that subscribes updates
  the events instead of duplicating them.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from prospectr.domain import text as t
from prospectr.domain.bant import BANT, answers_of, lead_temperature
from prospectr.domain.dates import occurrence
from prospectr.domain.search import LeadQuery, list_leads
from prospectr.domain.views import contact_fields, iso_birthday
from prospectr.errors import InvalidInput
from prospectr.models import FollowUp, Lead, LeadTag, Stage

EXPORT_FORMATS = ("csv", "json", "vcf", "ics")
DEFAULT_ALARM_DAYS = 3
MAX_ALARM_DAYS = 60
CSV_COLUMNS = (
    "id", "name", "given_name", "family_name", "email", "phone", "company", "title", "city",
    "country", "source", "tags", "birthday", "stage", "temperature", "budget", "authority",
    "need", "timeline", "do_not_contact", "created_at", "updated_at", "last_contact",
    "next_followup",
)  # fmt: skip
_CHUNK = 500
_FORMULA_START = ("=", "+", "-", "@")


@dataclass
class ExportedLead:
    """A lead with what an export needs beside its columns."""

    lead: Lead
    tags: list[str]
    stage: str
    next_followup: date | None
    followups: list[FollowUp]

    @property
    def birthday(self) -> str:
        """``1986-03-15``, ``--03-15`` without a year, or "" when unknown."""
        return iso_birthday(self.lead) or ""

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape of an exported lead."""
        lead = self.lead
        return {
            "id": lead.id,
            "name": lead.name,
            **contact_fields(lead),
            "tags": self.tags,
            "birthday": self.birthday or None,
            "stage": self.stage,
            "temperature": lead_temperature(lead),
            "bant": answers_of(lead),
            "do_not_contact": lead.do_not_contact,
            "custom": dict(lead.custom or {}),
            "created_at": lead.created_at.isoformat(timespec="seconds"),
            "updated_at": lead.updated_at.isoformat(timespec="seconds"),
            "last_contact": lead.last_contact_at.isoformat(timespec="seconds")
            if lead.last_contact_at
            else None,
            "next_followup": self.next_followup.isoformat() if self.next_followup else None,
        }


def neutralise(cell: str) -> str:
    """Guard a CSV cell against spreadsheet formula injection."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def iter_export(
    session: Session,
    query: LeadQuery,
    fmt: str,
    *,
    today: date,
    now: datetime,
    alarm_days: int = DEFAULT_ALARM_DAYS,
) -> Iterator[str]:
    """The export of the leads matching ``query``, as text chunks to write in order."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    if not 0 <= alarm_days <= MAX_ALARM_DAYS:
        raise InvalidInput(f"--alarm-days must be between 0 and {MAX_ALARM_DAYS}")
    rows = list_leads(session, query, today=today, limit=None)
    ids = [r.id for r in rows]
    nexts = {r.id: r.next_followup for r in rows}
    # Exports may land on a terminal: nothing stored may act on it (see text.inert).
    if fmt == "csv":
        return map(t.inert, _csv(session, ids, nexts))
    if fmt == "json":
        return map(t.json_inert, _json(session, ids, nexts))
    if fmt == "vcf":
        return map(t.inert, _vcards(session, ids, nexts))
    items = list(_leads(session, ids, nexts, followups=True))
    return iter([t.inert(ics_text(items, now, alarm_days))])


def _leads(
    session: Session, ids: list[int], nexts: dict[int, date | None], *, followups: bool = False
) -> Iterator[ExportedLead]:
    stages = {s.id: s.name for s in session.exec(select(Stage))}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        leads = {
            lead.id: lead for lead in session.exec(select(Lead).where(col(Lead.id).in_(chunk)))
        }
        tags: dict[int, list[str]] = {i: [] for i in chunk}
        for lead_id, tag in session.exec(
            select(LeadTag.lead_id, LeadTag.tag)
            .where(col(LeadTag.lead_id).in_(chunk))
            .order_by(col(LeadTag.tag))
        ):
            tags[lead_id].append(tag)
        open_items: dict[int, list[FollowUp]] = {i: [] for i in chunk}
        if followups:
            for item in session.exec(
                select(FollowUp)
                .where(col(FollowUp.lead_id).in_(chunk), col(FollowUp.done_at).is_(None))
                .order_by(col(FollowUp.due), col(FollowUp.id))
            ):
                open_items[item.lead_id].append(item)
        for lead_id in chunk:
            lead = leads[lead_id]
            yield ExportedLead(
                lead=lead,
                tags=tags[lead_id],
                stage=stages.get(lead.stage_id, ""),
                next_followup=nexts.get(lead_id),
                followups=open_items[lead_id],
            )


def _csv(session: Session, ids: list[int], nexts: dict[int, date | None]) -> Iterator[str]:
    custom_keys: dict[str, None] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for custom in session.exec(select(Lead.custom).where(col(Lead.id).in_(chunk))):
            for key in sorted(custom or {}):
                custom_keys.setdefault(key, None)
    keys = sorted(custom_keys)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(f"custom.{k}" for k in keys)])
    for n, item in enumerate(_leads(session, ids, nexts), start=1):
        data = item.as_dict()
        cells = [_csv_cell(c, data, item) for c in CSV_COLUMNS]
        cells.extend(str(data["custom"].get(k, "")) for k in keys)
        writer.writerow([neutralise(c) for c in cells])
        if n % _CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_cell(column: str, data: dict[str, Any], item: ExportedLead) -> str:
    if column == "tags":
        return ", ".join(item.tags)
    if column in BANT:
        return str(data["bant"][column])
    value = data.get(column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _json(session: Session, ids: list[int], nexts: dict[int, date | None]) -> Iterator[str]:
    yield "["
    for n, item in enumerate(_leads(session, ids, nexts)):
        body = json.dumps(item.as_dict(), ensure_ascii=False, indent=2)
        yield ("," if n else "") + "\n" + "\n".join("  " + line for line in body.splitlines())
    yield "\n]\n"


# --- vCard --------------------------------------------------------------------------


def _vcards(session: Session, ids: list[int], nexts: dict[int, date | None]) -> Iterator[str]:
    for item in _leads(session, ids, nexts):
        yield vcard_text(item)


def vcard_text(item: ExportedLead) -> str:
    """One lead as a vCard 3.0."""
    import vobject  # type: ignore[import-untyped]

    lead = item.lead
    card = vobject.vCard()
    card.add("version").value = "3.0"
    card.add("uid").value = f"prospectr-lead-{lead.id}"
    card.add("fn").value = lead.name or lead.company or ""
    card.add("n").value = vobject.vcard.Name(
        family=lead.family_name or "", given=lead.given_name or ""
    )
    if not lead.name and lead.company:
        card.add("x-abshowas").value = "COMPANY"
    if lead.company:
        card.add("org").value = [lead.company]
    if lead.title:
        card.add("title").value = lead.title
    if lead.email:
        email = card.add("email")
        email.value = lead.email
        email.type_param = "INTERNET"
    if lead.phone:
        card.add("tel").value = lead.phone
    if lead.city or lead.country:
        card.add("adr").value = vobject.vcard.Address(
            city=lead.city or "", country=lead.country or ""
        )
    if item.birthday:
        card.add("bday").value = item.birthday
    if item.tags:
        card.add("categories").value = item.tags
    if lead.source:
        card.add("x-prospectr-source").value = lead.source
    card.add("x-prospectr-stage").value = item.stage
    if lead.custom:
        card.add("x-prospectr-custom").value = json.dumps(lead.custom, ensure_ascii=False)
    return str(card.serialize())


# --- iCalendar ------------------------------------------------------------------------


def ics_text(items: list[ExportedLead], now: datetime, alarm_days: int) -> str:
    """Birthdays (yearly, with an alarm) and open follow-ups as one calendar."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//prospectr//leads//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "prospectr")
    stamp = now.astimezone(UTC)
    for item in items:
        lead = item.lead
        name = lead.name or lead.company or f"#{lead.id}"
        if lead.bday_month is not None and lead.bday_day is not None:
            event = Event()
            event.add("uid", f"prospectr-birthday-{lead.id}@prospectr")
            event.add("dtstamp", stamp)
            start = _birthday_start(lead.bday_month, lead.bday_day, lead.bday_year, now.date())
            event.add("dtstart", start)
            event.add("dtend", start + timedelta(days=1))
            rule: dict[str, Any] = {"freq": "yearly"}
            if (lead.bday_month, lead.bday_day) == (2, 29):
                rule.update(bymonth=2, bymonthday=-1)  # Feb 28 in common years
            event.add("rrule", rule)
            event.add("summary", f"Birthday: {name}")
            if lead.bday_year:
                event.add("description", f"born {lead.bday_year}")
            event.add("transp", "TRANSPARENT")
            event.add("categories", ["birthday"])
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Birthday of {name} in {alarm_days} day(s)")
            alarm.add("trigger", timedelta(days=-alarm_days, hours=9))
            event.add_component(alarm)
            cal.add_component(event)
        for followup in item.followups:
            event = Event()
            event.add("uid", f"prospectr-followup-{followup.id}@prospectr")
            event.add("dtstamp", stamp)
            event.add("dtstart", followup.due)
            event.add("dtend", followup.due + timedelta(days=1))
            summary = f"Follow up: {name}"
            event.add("summary", f"{summary}: {followup.text}" if followup.text else summary)
            event.add("categories", ["follow-up"])
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", timedelta(hours=9))
            event.add_component(alarm)
            cal.add_component(event)
    return str(cal.to_ical().decode("utf-8"))


def _birthday_start(month: int, day: int, year: int | None, today: date) -> date:
    """The first day of the yearly event: the birth date, else this year's celebration."""
    if year:
        return date(year, month, day)
    if (month, day) == (2, 29):
        leap = today.year
        while not calendar.isleap(leap):
            leap -= 1
        return date(leap, 2, 29)
    return occurrence(month, day, today.year)
