"""What needs attention today: birthdays, due follow-ups, hot leads with no next step."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_
from sqlmodel import Session, col, select

from prospectr.domain.activity import due_followups
from prospectr.domain.dates import md_ranges, occurrence
from prospectr.domain.leads import display_name
from prospectr.domain.qualify import temperature_clause
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


def upcoming_birthdays(
    session: Session, *, today: date, days: int = DEFAULT_BIRTHDAY_DAYS
) -> list[UpcomingBirthday]:
    """Birthdays celebrated from ``today`` to ``today + days`` (inclusive), in date order.

    Selected with range conditions on the indexed ``bday_md`` column, so only the
    matching leads are read.
    """
    days = max(0, min(days, MAX_BIRTHDAY_DAYS))
    end = today + timedelta(days=days)
    ranges = md_ranges(today, end)
    conds = [col(Lead.bday_md).between(lo, hi) for lo, hi in ranges]
    stmt = select(  # type: ignore[call-overload, misc]
        Lead.id, Lead.name, Lead.company, Lead.bday_month, Lead.bday_day, Lead.bday_year
    ).where(or_(*conds))
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
    found.sort(key=lambda b: (b.on, b.name.casefold(), b.lead_id))
    return found


def hot_without_next_step(session: Session, *, limit: int = 50) -> list[Lead]:
    """Hot leads in an open stage with no open follow-up: someone should call them."""
    open_followup = exists().where(
        and_(col(FollowUp.lead_id) == col(Lead.id), col(FollowUp.done_at).is_(None))
    )
    stmt = (
        select(Lead)
        .join(Stage, col(Stage.id) == col(Lead.stage_id))
        .where(col(Stage.kind) == "open", temperature_clause("hot"), ~open_followup)
        .order_by(col(Lead.updated_at).desc())
        .limit(limit)
    )
    return list(session.exec(stmt))


@dataclass
class Agenda:
    """The today screen: what to do now."""

    today: date
    birthdays: list[UpcomingBirthday] = field(default_factory=list)
    overdue: list[tuple[FollowUp, Lead]] = field(default_factory=list)
    due_today: list[tuple[FollowUp, Lead]] = field(default_factory=list)
    hot: list[Lead] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing needs attention."""
        return not (self.birthdays or self.overdue or self.due_today or self.hot)

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
        }


def agenda(session: Session, *, today: date, birthday_days: int = DEFAULT_BIRTHDAY_DAYS) -> Agenda:
    """Everything due today: birthdays in the window, overdue and due follow-ups, hot leads."""
    result = Agenda(today=today)
    result.birthdays = upcoming_birthdays(session, today=today, days=birthday_days)
    for item in due_followups(session, today=today):
        (result.overdue if item[0].due < today else result.due_today).append(item)
    result.hot = hot_without_next_step(session)
    return result
