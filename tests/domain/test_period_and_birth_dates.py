"""Report periods whose end has no year, and birthdays that cannot be in the future."""

from __future__ import annotations

from datetime import date

import pytest

from prospectr.domain.dates import Birthday, parse_birthday, parse_period
from prospectr.domain.import_dates import BirthdayReader
from prospectr.errors import InvalidInput
from tests.conftest import TODAY

DEC_20 = date(2026, 12, 20)


@pytest.mark.parametrize(
    ("today", "since", "until", "expected"),
    [
        # In December, "dec 1".."dec 31" is this December (the end was Dec 2025).
        (DEC_20, "dec 1", "dec 31", (date(2026, 12, 1), date(2026, 12, 31))),
        (DEC_20, "12-01", "12-31", (date(2026, 12, 1), date(2026, 12, 31))),
        (DEC_20, "1/12", "31/12", (date(2026, 12, 1), date(2026, 12, 31))),
        (DEC_20, "2026-12-01", "December 31", (date(2026, 12, 1), date(2026, 12, 31))),
        # Across the new year: the first Jan 5 on or after the start.
        (date(2027, 1, 3), "dec 25", "jan 5", (date(2026, 12, 25), date(2027, 1, 5))),
        # Feb 29: the first one on or after the start.
        (date(2027, 3, 10), "2027-03-01", "29 feb", (date(2027, 3, 1), date(2028, 2, 29))),
        # An end without a year already on or after the start keeps its past reading.
        (TODAY, "nov 1", "nov 20", (date(2026, 11, 1), date(2026, 11, 20))),
        (TODAY, "nov 1", "11-01", (date(2026, 11, 1), date(2026, 11, 1))),
        # Ends with a year, and words, mean what they say (the report refuses the first).
        (DEC_20, "dec 1", "2025-12-31", (date(2026, 12, 1), date(2025, 12, 31))),
        (DEC_20, "dec 1", "31/12/25", (date(2026, 12, 1), date(2025, 12, 31))),
        (DEC_20, "dec 1", "-30d", (date(2026, 12, 1), date(2026, 11, 20))),
        # One end alone.
        (DEC_20, None, "dec 31", (None, date(2025, 12, 31))),
        (DEC_20, "dec 1", None, (date(2026, 12, 1), None)),
        (DEC_20, None, None, (None, None)),
    ],
)
def test_parse_period(
    today: date,
    since: str | None,
    until: str | None,
    expected: tuple[date | None, date | None],
) -> None:
    assert parse_period(since, until, today) == expected


def test_parse_period_refuses_what_parse_date_refuses() -> None:
    with pytest.raises(InvalidInput, match="not a real date: '31/02'"):
        parse_period("dec 1", "31/02", DEC_20)
    with pytest.raises(InvalidInput, match="not a date: 'someday'"):
        parse_period("someday", "dec 31", DEC_20)


@pytest.mark.parametrize(
    "text", ["2030-01-01", "2026-11-25", "25/11/2026", "Nov 25 2026", "2026-12-31"]
)
def test_a_birthday_after_today_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_birthday(text, today=TODAY)
    assert str(caught.value) == f"birthday in the future: {text!r}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24", Birthday(11, 24, 2026)),  # born today
        ("11-25", Birthday(11, 25, None)),  # no year: just a day of the year
        ("1986-03-15", Birthday(3, 15, 1986)),
        # A two-digit year is the latest year that does not put the birthday after today.
        ("24/11/26", Birthday(11, 24, 2026)),
        ("25/11/26", Birthday(11, 25, 1926)),
        ("15/3/86", Birthday(3, 15, 1986)),
    ],
)
def test_birthdays_up_to_today_are_kept(text: str, expected: Birthday) -> None:
    assert parse_birthday(text, today=TODAY) == expected


def test_import_rejects_a_future_birthday_like_an_impossible_one() -> None:
    reader = BirthdayReader(TODAY)
    for cell in ("2030-01-01", "11/25/2026", "20301231", "2030-01-01T00:00:00Z"):
        with pytest.raises(InvalidInput) as caught:
            reader.read(cell, "monthfirst")
        assert str(caught.value) == f"birthday in the future: {cell!r}"
    # Read again from the cache: the same refusal.
    with pytest.raises(InvalidInput, match="birthday in the future: '2030-01-01'"):
        reader.read("2030-01-01", "monthfirst")
    assert str(reader.read("11/24/2026", "monthfirst")[0]) == "2026-11-24"
    assert str(reader.read("11/25/26", "monthfirst")[0]) == "1926-11-25"
    assert str(reader.read("11/24/26", "monthfirst")[0]) == "2026-11-24"
