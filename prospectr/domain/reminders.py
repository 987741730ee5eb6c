"""What needs attention today: birthdays, due follow-ups, hot leads with no next step."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from prospectr.domain.bant import temperature_clause
from prospectr.domain.dates import md_ranges, occurrence
from prospectr.domain.leads import display_name
from prospectr.models import FollowUp, Lead, Stage

DEFAULT_BIRTHDAY_DAYS = 14
MAX_BIRTHDAY_DAYS = 366


@dataclass
class UpcomingBirthday:
    """A birthday in the window: when it is celebrated and the age turned (if the year is known)."""

    lead_id: int
    name: str
    on: date
    month: int
    day: int
    year: int | None
    turns: int | None
    in_days: int

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` shape."""
        return {
            "lead_id": self.lead_id,
            "name": self.name,
            "date": self.on.isoformat(),
            "birthday": f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
            if self.year
            else f"--{self.month:02d}-{self.day:02d}",
            "turns": self.turns,
            "in_days": self.in_days,
        }


def _birthday_window(today: date, days: int) -> tuple[date, ColumnElement[bool], list[Any]]:
    """The window's end, its condition on the indexed ``bday_md``, and its date order.

    Order: this year's part of the window (md >= today's) before next year's; a
    Feb 29 birthday sorts as Feb 28 in a common year, when it is celebrated.
    """
    days = max(0, min(days, MAX_BIRTHDAY_DAYS))
    end = today + timedelta(days=days)
    md = col(Lead.bday_md)
    cond = and_(
        or_(*(md.between(lo, hi) for lo, hi in md_ranges(today, end))),
        # Who asked not to be contacted gets no card: their birthday is not a reminder.
        col(Lead.do_not_contact).is_(False),
    )
    start_md = today.month * 100 + today.day
    feb29_this = 229 if calendar.isleap(today.year) else 228
    feb29_next = 229 if calendar.isleap(today.year + 1) else 228
    segment = case((md >= start_md, 0), else_=1)
    day_key = case((and_(md == 229, md >= start_md), feb29_this), (md == 229, feb29_next), else_=md)
    return end, cond, [segment, day_key, col(Lead.name_key), col(Lead.id)]


def upcoming_birthdays(
    session: Session, *, today: date, days: int = DEFAULT_BIRTHDAY_DAYS, limit: int | None = None
) -> list[UpcomingBirthday]:
    """Birthdays celebrated from ``today`` to ``today + days`` (inclusive), in date order.

    Selected and ordered in the database with range conditions on the indexed
    ``bday_md`` column, so only the (first ``limit``) matching leads are read.
    """
    end, cond, order = _birthday_window(today, days)
    stmt = (
        select(  # type: ignore[call-overload, misc]
            Lead.id, Lead.name, Lead.company, Lead.bday_month, Lead.bday_day, Lead.bday_year
        )
        .where(cond)
        .order_by(*order)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    found: list[UpcomingBirthday] = []
    for lead_id, name, company, month, day, year in session.exec(stmt):
        for y in (today.year, today.year + 1):
            on = occurrence(month, day, y)
            if today <= on <= end:
                found.append(
                    UpcomingBirthday(
                        lead_id=lead_id,
                        name=name or company or "",
                        on=on,
                        month=month,
                        day=day,
                        year=year,
                        turns=(y - year) if year else None,
                        in_days=(on - today).days,
                    )
                )
                break
    return found


def count_upcoming_birthdays(
    session: Session, *, today: date, days: int = DEFAULT_BIRTHDAY_DAYS
) -> int:
    """How many birthdays ``upcoming_birthdays`` would list without a limit."""
    _end, cond, _order = _birthday_window(today, days)
    return _count(session, Lead, [cond])


def _hot_conditions() -> list[ColumnElement[bool]]:
    open_followup = exists().where(
        and_(col(FollowUp.lead_id) == col(Lead.id), col(FollowUp.done_at).is_(None))
    )
    open_stage = select(Stage.id).where(col(Stage.kind) == "open")
    return [col(Lead.stage_id).in_(open_stage), temperature_clause("hot"), ~open_followup]


def hot_without_next_step(session: Session, *, limit: int | None = 50) -> list[Lead]:
    """Hot leads in an open stage with no open follow-up: someone should call them."""
    stmt = select(Lead).where(*_hot_conditions()).order_by(col(Lead.updated_at).desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def _count(session: Session, model: Any, conds: list[ColumnElement[bool]]) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*conds)).one())


def _followups(
    session: Session, conds: list[ColumnElement[bool]], limit: int | None
) -> list[tuple[FollowUp, Lead]]:
    stmt = (
        select(FollowUp, Lead)
        .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
        .where(col(FollowUp.done_at).is_(None), *conds)
        .order_by(col(FollowUp.due), col(Lead.name_key), col(FollowUp.id))
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(f, lead) for f, lead in session.exec(stmt)]


@dataclass
class Agenda:
    """The today screen: what to do now."""

    today: date
    birthdays: list[UpcomingBirthday] = field(default_factory=list)
    overdue: list[tuple[FollowUp, Lead]] = field(default_factory=list)
    due_today: list[tuple[FollowUp, Lead]] = field(default_factory=list)
    hot: list[Lead] = field(default_factory=list)
    # How many items each section has in all (the lists may be cut at ``limit``).
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing needs attention."""
        return not (self.birthdays or self.overdue or self.due_today or self.hot)

    def more(self, section: str) -> int:
        """How many items of a section were left out of its list."""
        shown = len(getattr(self, section))
        return max(0, self.totals.get(section, shown) - shown)

    def as_dict(self) -> dict[str, Any]:
        """The stable ``today --json`` shape."""

        def fu(item: tuple[FollowUp, Lead]) -> dict[str, Any]:
            f, lead = item
            return {
                "id": f.id,
                "lead_id": lead.id,
                "name": display_name(lead),
                "due": f.due.isoformat(),
                "text": f.text,
                "days_overdue": (self.today - f.due).days,
            }

        return {
            "today": self.today.isoformat(),
            "birthdays": [b.as_dict() for b in self.birthdays],
            "overdue": [fu(x) for x in self.overdue],
            "due_today": [fu(x) for x in self.due_today],
            "hot_no_next_step": [{"id": h.id, "name": display_name(h)} for h in self.hot],
            "totals": {
                "birthdays": self.totals.get("birthdays", len(self.birthdays)),
                "overdue": self.totals.get("overdue", len(self.overdue)),
                "due_today": self.totals.get("due_today", len(self.due_today)),
                "hot_no_next_step": self.totals.get("hot", len(self.hot)),
            },
        }


def agenda(
    session: Session,
    *,
    today: date,
    birthday_days: int = DEFAULT_BIRTHDAY_DAYS,
    limit: int | None = 20,
) -> Agenda:
    """Everything due today: birthdays in the window, overdue and due follow-ups, hot leads.

    Each section lists at most ``limit`` items (None: all); ``totals`` counts them all.
    """
    result = Agenda(today=today)
    result.birthdays = upcoming_birthdays(session, today=today, days=birthday_days, limit=limit)
    overdue = [col(FollowUp.due) < today]
    due_today = [col(FollowUp.due) == today]
    result.overdue = _followups(session, overdue, limit)
    result.due_today = _followups(session, due_today, limit)
    result.hot = hot_without_next_step(session, limit=limit)
    open_fu = [col(FollowUp.done_at).is_(None)]
    result.totals = {
        "birthdays": count_upcoming_birthdays(session, today=today, days=birthday_days)
        if len(result.birthdays) == limit
        else len(result.birthdays),
        "overdue": _count(session, FollowUp, [*open_fu, *overdue])
        if len(result.overdue) == limit
        else len(result.overdue),
        "due_today": _count(session, FollowUp, [*open_fu, *due_today])
        if len(result.due_today) == limit
        else len(result.due_today),
        "hot": _count(session, Lead, _hot_conditions())
        if len(result.hot) == limit
        else len(result.hot),
    }
    return result
