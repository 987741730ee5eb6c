"""Upcoming birthdays: window, new year, Feb 29, age turned, and an indexed query."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from prospectr.domain import upcoming_birthdays
from prospectr.domain.reminders import count_upcoming_birthdays
from prospectr.models import Lead


def _names(found: list[Any]) -> list[str]:
    return [b.name for b in found]


@pytest.fixture
def people(make_lead: Callable[..., Lead]) -> dict[str, Lead]:
    spec = {
        "Dec 27": "12-27",
        "Dec 28": "12-28",
        "Dec 31 1990": "1990-12-31",
        "Jan 5 1980": "1980-01-05",
        "Jan 11": "01-11",
        "Jan 12": "01-12",
        "Feb 28": "02-28",
        "Feb 29 2000": "2000-02-29",
        "Mar 1": "03-01",
    }
    leads = {name: make_lead(name, birthday=bday) for name, bday in spec.items()}
    leads["no birthday"] = make_lead("no birthday")
    return leads


def test_window_crosses_the_new_year_in_date_order(
    session: Session, people: dict[str, Lead]
) -> None:
    found = upcoming_birthdays(session, today=date(2026, 12, 28), days=14)
    assert _names(found) == ["Dec 28", "Dec 31 1990", "Jan 5 1980", "Jan 11"]
    assert [b.on for b in found] == [
        date(2026, 12, 28),
        date(2026, 12, 31),
        date(2027, 1, 5),
        date(2027, 1, 11),
    ]
    assert [b.in_days for b in found] == [0, 3, 8, 14]
    assert [b.turns for b in found] == [None, 36, 47, None]
    assert found[2].as_dict() == {
        "lead_id": people["Jan 5 1980"].id,
        "name": "Jan 5 1980",
        "date": "2027-01-05",
        "birthday": "1980-01-05",
        "turns": 47,
        "in_days": 8,
    }
    assert found[0].as_dict()["birthday"] == "--12-28"


def test_default_window_is_fourteen_days(session: Session, people: dict[str, Lead]) -> None:
    found = upcoming_birthdays(session, today=date(2026, 12, 28))
    assert _names(found)[-1] == "Jan 11"


def test_days_zero_is_today_only(session: Session, people: dict[str, Lead]) -> None:
    assert _names(upcoming_birthdays(session, today=date(2026, 12, 28), days=0)) == ["Dec 28"]
    assert upcoming_birthdays(session, today=date(2026, 12, 29), days=0) == []


def test_feb_29_is_celebrated_on_feb_28_in_a_common_year(
    session: Session, people: dict[str, Lead]
) -> None:
    found = upcoming_birthdays(session, today=date(2027, 2, 20), days=14)
    assert _names(found) == ["Feb 28", "Feb 29 2000", "Mar 1"]
    feb29 = found[1]
    assert feb29.on == date(2027, 2, 28)
    assert feb29.turns == 27
    assert feb29.as_dict()["birthday"] == "2000-02-29"


def test_feb_29_window_ending_on_feb_28_includes_it(
    session: Session, people: dict[str, Lead]
) -> None:
    found = upcoming_birthdays(session, today=date(2027, 2, 28), days=0)
    assert _names(found) == ["Feb 28", "Feb 29 2000"]
    assert upcoming_birthdays(session, today=date(2027, 3, 1), days=0)[0].name == "Mar 1"
    assert len(upcoming_birthdays(session, today=date(2027, 3, 1), days=0)) == 1


def test_feb_29_is_celebrated_on_feb_29_in_a_leap_year(
    session: Session, people: dict[str, Lead]
) -> None:
    found = upcoming_birthdays(session, today=date(2028, 2, 20), days=14)
    assert [(b.name, b.on) for b in found] == [
        ("Feb 28", date(2028, 2, 28)),
        ("Feb 29 2000", date(2028, 2, 29)),
        ("Mar 1", date(2028, 3, 1)),
    ]
    assert found[1].turns == 28
    assert _names(upcoming_birthdays(session, today=date(2028, 2, 28), days=0)) == ["Feb 28"]


def test_feb_29_in_a_window_that_crosses_into_a_leap_year(
    session: Session, people: dict[str, Lead]
) -> None:
    found = upcoming_birthdays(session, today=date(2027, 12, 20), days=80)
    feb29 = next(b for b in found if b.name == "Feb 29 2000")
    assert feb29.on == date(2028, 2, 29)
    assert [b.on for b in found] == sorted(b.on for b in found)


@pytest.fixture
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def grab(_conn: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    yield statements
    event.remove(engine, "before_cursor_execute", grab)


@pytest.mark.sqlite_only
def test_birthday_query_uses_the_index_and_returns_only_matches(
    session: Session, make_lead: Callable[..., Lead], captured: list[tuple[str, Any]]
) -> None:
    for month in range(1, 13):
        for day in (1, 10, 20):
            make_lead(f"m{month} d{day}", birthday=f"{month:02d}-{day:02d}")
    session.flush()
    captured.clear()
    found = upcoming_birthdays(session, today=date(2026, 12, 28), days=14)
    assert _names(found) == ["m1 d1", "m1 d10"]
    selects = [(s, p) for s, p in captured if "bday_md" in s and s.lstrip().startswith("SELECT")]
    assert len(selects) == 1
    statement, params = selects[0]
    conn = session.connection()
    plan = " ".join(
        str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
    )
    assert "ix_lead_bday" in plan
    assert "SCAN lead" not in plan.replace("USING INDEX", "")
    rows = conn.exec_driver_sql(statement, params).fetchall()
    assert len(rows) == 2  # the database returned only the matching leads


def test_no_birthdays_when_no_lead_has_one(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    make_lead("Nobody")
    assert upcoming_birthdays(session, today=date(2026, 11, 24), days=366) == []


def test_a_whole_year_lists_every_birthday_once(session: Session, people: dict[str, Lead]) -> None:
    found = upcoming_birthdays(session, today=date(2026, 12, 28), days=365)
    assert sorted(_names(found)) == sorted(n for n in people if n != "no birthday")
    assert found[0].name == "Dec 28"
    assert found[0].on == date(2026, 12, 28)
    assert [b.on for b in found] == sorted(b.on for b in found)


def test_who_asked_not_to_be_contacted_has_no_birthday_reminder(
    session: Session, people: dict[str, Lead]
) -> None:
    people["Dec 28"].do_not_contact = True
    session.add(people["Dec 28"])
    session.flush()
    found = upcoming_birthdays(session, today=date(2026, 12, 28), days=3)
    assert _names(found) == ["Dec 31 1990"]
    assert count_upcoming_birthdays(session, today=date(2026, 12, 28), days=3) == 1
