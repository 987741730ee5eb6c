"""The today agenda: birthdays, overdue and due follow-ups, hot leads with no next step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session

from prospectr.domain import (
    add_followup,
    agenda,
    complete_followup,
    hot_without_next_step,
    move_lead,
    qualify,
    record_sale,
    resolve_stage,
)
from prospectr.models import Lead

from ..conftest import NOW, TODAY

HOT = {"need": "yes", "budget": "yes", "timeline": "yes"}


def make_hot(session: Session, make_lead: Callable[..., Lead], name: str) -> Lead:
    lead = make_lead(name)
    qualify(session, lead, now=NOW, answers=HOT)
    return lead


def test_empty_agenda(session: Session, make_lead: Callable[..., Lead]) -> None:
    make_lead("Quiet")
    result = agenda(session, today=TODAY)
    assert result.empty
    assert result.as_dict() == {
        "today": "2026-11-24",
        "birthdays": [],
        "overdue": [],
        "due_today": [],
        "hot_no_next_step": [],
        "totals": {"birthdays": 0, "overdue": 0, "due_today": 0, "hot_no_next_step": 0},
    }


def test_agenda_limit_keeps_totals(session: Session, make_lead: Callable[..., Lead]) -> None:
    for i in range(5):
        make_lead(f"Soon {i}", birthday=f"11-{25 + i}")
    result = agenda(session, today=TODAY, limit=2)
    assert [b.name for b in result.birthdays] == ["Soon 0", "Soon 1"]
    assert result.totals["birthdays"] == 5
    assert result.more("birthdays") == 3
    assert result.as_dict()["totals"]["birthdays"] == 5


def test_agenda_sections(session: Session, make_lead: Callable[..., Lead]) -> None:
    bday = make_lead("Birthday Bảo", birthday="1990-11-30")
    make_lead("Far Birthday", birthday="12-25")
    late = make_lead("Late Lan")
    due = make_lead("Due Dũng")
    future = make_lead("Future Phúc")
    overdue_item = add_followup(session, late, due=TODAY - timedelta(days=2), now=NOW, text="call")
    today_item = add_followup(session, due, due=TODAY, now=NOW, text="send price list")
    add_followup(session, future, due=TODAY + timedelta(days=1), now=NOW)
    done = add_followup(session, due, due=TODAY - timedelta(days=9), now=NOW)
    complete_followup(session, done, now=NOW)

    hot_alone = make_hot(session, make_lead, "Hot Hà")
    hot_planned = make_hot(session, make_lead, "Hot Planned")
    add_followup(session, hot_planned, due=TODAY + timedelta(days=10), now=NOW)
    hot_parked = make_hot(session, make_lead, "Hot Parked")
    move_lead(
        session,
        hot_parked,
        resolve_stage(session, "not-now"),
        now=NOW,
        followup_due=TODAY + timedelta(days=60),
    )
    hot_won = make_hot(session, make_lead, "Hot Won")
    record_sale(session, hot_won, amount="10", on=TODAY, now=NOW)
    hot_done = make_hot(session, make_lead, "Hot Done Followup")
    finished = add_followup(session, hot_done, due=TODAY - timedelta(days=1), now=NOW)
    complete_followup(session, finished, now=NOW)
    warm = make_lead("Warm Only")
    qualify(session, warm, now=NOW, answers={"need": "yes"})

    result = agenda(session, today=TODAY)
    assert not result.empty
    assert [(b.name, b.on, b.turns) for b in result.birthdays] == [
        ("Birthday Bảo", TODAY + timedelta(days=6), 36)
    ]
    assert [(f.id, lead.id) for f, lead in result.overdue] == [(overdue_item.id, late.id)]
    assert [(f.id, lead.id) for f, lead in result.due_today] == [(today_item.id, due.id)]
    assert {lead.name for lead in result.hot} == {"Hot Hà", "Hot Done Followup"}
    data = result.as_dict()
    assert data["overdue"] == [
        {
            "id": overdue_item.id,
            "lead_id": late.id,
            "name": "Late Lan",
            "due": "2026-11-22",
            "text": "call",
            "days_overdue": 2,
        }
    ]
    assert data["due_today"][0]["days_overdue"] == 0
    assert data["birthdays"][0]["lead_id"] == bday.id
    assert {h["id"] for h in data["hot_no_next_step"]} == {hot_alone.id, hot_done.id}


def test_birthday_window_of_the_agenda(session: Session, make_lead: Callable[..., Lead]) -> None:
    make_lead("In three weeks", birthday="12-15")
    assert agenda(session, today=TODAY).birthdays == []
    wide = agenda(session, today=TODAY, birthday_days=30)
    assert [b.name for b in wide.birthdays] == ["In three weeks"]


def test_hot_lead_gets_off_the_list_once_a_followup_is_planned(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_hot(session, make_lead, "Hot")
    assert [h.id for h in hot_without_next_step(session)] == [lead.id]
    add_followup(session, lead, due=TODAY + timedelta(days=3), now=NOW)
    assert hot_without_next_step(session) == []


def test_hot_without_next_step_is_limited(session: Session, make_lead: Callable[..., Lead]) -> None:
    for i in range(4):
        make_hot(session, make_lead, f"Hot {i}")
    assert len(hot_without_next_step(session, limit=3)) == 3
