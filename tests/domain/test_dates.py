"""The one date parser and the birthday parser, against a frozen today."""

from __future__ import annotations

from datetime import date

import pytest

from prospectr.domain.dates import Birthday, next_occurrence, occurrence, parse_birthday, parse_date
from prospectr.errors import InvalidInput

TODAY = date(2026, 11, 24)  # a Tuesday
FRIDAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO and day-first numeric forms
        ("2026-12-01", date(2026, 12, 1)),
        ("2027-1-5", date(2027, 1, 5)),
        ("01.12.2026", date(2026, 12, 1)),
        ("1/12/26", date(2026, 12, 1)),
        # month-day with a dash: the next such day, today included
        ("12-01", date(2026, 12, 1)),
        ("11-24", date(2026, 11, 24)),
        ("11-23", date(2027, 11, 23)),
        ("--12-01", date(2026, 12, 1)),
        # day first with a slash: 1/12 is the 1st of December
        ("1/12", date(2026, 12, 1)),
        ("1/1", date(2027, 1, 1)),
        # month names
        ("1 Dec", date(2026, 12, 1)),
        ("Dec 1 2026", date(2026, 12, 1)),
        ("15 March", date(2027, 3, 15)),
        ("Jan 31", date(2027, 1, 31)),
        # words
        ("today", TODAY),
        ("  TODAY ", TODAY),
        ("tomorrow", date(2026, 11, 25)),
        ("yesterday", date(2026, 11, 23)),
        ("next week", date(2026, 12, 1)),
        ("next month", date(2026, 12, 24)),
        # weekday names: the next one, never today unless "this"
        ("friday", FRIDAY),
        ("Fri", FRIDAY),
        ("next friday", FRIDAY),
        ("tuesday", date(2026, 12, 1)),
        ("this tuesday", TODAY),
        ("monday", date(2026, 11, 30)),
        # offsets
        ("+3d", date(2026, 11, 27)),
        ("+2w", date(2026, 12, 8)),
        ("+1m", date(2026, 12, 24)),
        ("+1y", date(2027, 11, 24)),
        ("-2d", date(2026, 11, 22)),
        ("in 3 days", date(2026, 11, 27)),
        ("in 1 week", date(2026, 12, 1)),
        ("in 2 months", date(2027, 1, 24)),
    ],
)
def test_parse_date_forms(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_next_friday_on_a_friday_is_a_week_later() -> None:
    assert parse_date("next friday", FRIDAY) == date(2026, 12, 4)
    assert parse_date("this friday", FRIDAY) == FRIDAY


def test_plus_one_month_clamps_to_the_end_of_month() -> None:
    assert parse_date("+1m", date(2027, 1, 31)) == date(2027, 2, 28)


def test_feb_29_month_day_skips_to_the_next_leap_year() -> None:
    assert parse_date("02-29", TODAY) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # no year: the last such day, today included (a call made, a sale done)
        ("20 Nov", date(2026, 11, 20)),
        ("11-24", TODAY),
        ("11-25", date(2025, 11, 25)),
        ("--12-01", date(2025, 12, 1)),
        ("1/12", date(2025, 12, 1)),
        ("Jan 31", date(2026, 1, 31)),
        ("29 Feb", date(2024, 2, 29)),
        # weekday names: the last one, today included; "last" means before today
        ("friday", date(2026, 11, 20)),
        ("tuesday", TODAY),
        ("last tuesday", date(2026, 11, 17)),
        ("last monday", date(2026, 11, 23)),
        # explicit dates, offsets and "next"/"this" mean what they say
        ("2026-12-01", date(2026, 12, 1)),
        ("yesterday", date(2026, 11, 23)),
        ("-1w", date(2026, 11, 17)),
        ("next friday", FRIDAY),
        ("this tuesday", TODAY),
    ],
)
def test_parse_date_of_something_past(text: str, expected: date) -> None:
    assert parse_date(text, TODAY, past=True) == expected


def test_last_weekday_is_understood_without_past() -> None:
    assert parse_date("last friday", TODAY) == date(2026, 11, 20)
    assert parse_date("29 Feb", TODAY) == date(2028, 2, 29)


@pytest.mark.parametrize(
    "text",
    [
        "1990-02-30",
        "2026-02-29",
        "31/4",
        "march",
        "foo",
        "2026-13-01",
        "13-01",
        "32 Dec",
        "+d",
        "",
        "   ",
        "12:30",
        "Dec 1 2026 10:00",
        "next",
    ],
)
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03-15", Birthday(3, 15, None)),
        ("--03-15", Birthday(3, 15, None)),
        ("--02-29", Birthday(2, 29, None)),
        ("02-29", Birthday(2, 29, None)),
        ("2000-02-29", Birthday(2, 29, 2000)),
        ("1986-03-15", Birthday(3, 15, 1986)),
        ("15 March", Birthday(3, 15, None)),
        ("March 15 1990", Birthday(3, 15, 1990)),
        ("15/3", Birthday(3, 15, None)),
        ("15.03.1990", Birthday(3, 15, 1990)),
    ],
)
def test_parse_birthday(text: str, expected: Birthday) -> None:
    assert parse_birthday(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text", ["2001-02-29", "02-30", "13-01", "31/4", "march", "foo", "", "1800-01-01"]
)
def test_parse_birthday_refuses(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_birthday(text, today=TODAY)


def test_birthday_string_forms() -> None:
    assert str(Birthday(3, 15)) == "--03-15"
    assert str(Birthday(3, 15, 1986)) == "1986-03-15"
    assert Birthday(12, 31).md == 1231


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2027, date(2027, 2, 28)), (2028, date(2028, 2, 29)), (2100, date(2100, 2, 28))],
)
def test_feb_29_occurrence(year: int, expected: date) -> None:
    assert occurrence(2, 29, year) == expected


def test_next_occurrence_includes_today_and_wraps() -> None:
    assert next_occurrence(11, 24, TODAY) == TODAY
    assert next_occurrence(11, 23, TODAY) == date(2027, 11, 23)
    assert next_occurrence(2, 29, TODAY) == date(2027, 2, 28)
