"""Search by a phone number as displayed, tag filters that ignore accents, dates as typed.

Phone numbers are stored as digits (``phone_key``, also in ``search_text``); a
query written the way a phone shows them ("+63 917 123 4567") must find them.
Tags are stored case-folded with their accents; ``--tag "ha noi"`` must find
"Hà Nội" the way ``--city`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session

from prospectr.domain import LeadQuery, list_leads
from prospectr.domain.activity import log_interaction
from prospectr.domain.dates import Birthday, parse_birthday, parse_date
from prospectr.domain.reports import ReportFilter, build_report
from prospectr.domain.search import matching_tags
from prospectr.errors import InvalidInput
from prospectr.models import Lead

from ..conftest import NOW, TODAY


def names(session: Session, **query: object) -> list[str]:
    rows = list_leads(session, LeadQuery(**query), today=TODAY, limit=None)  # type: ignore[arg-type]
    return [r.name for r in rows]


# --- phones as displayed -------------------------------------------------------------


@pytest.fixture
def phones(session: Session, make_lead: Callable[..., Lead]) -> None:
    make_lead("Maria Santos", phone="+63 917 123 4567", tags=["fair-2026"])
    make_lead("Иван Петров", phone="+7 916 123-45-67", city="Москва")
    make_lead("Արամ Պետրոսյան", phone="+374 91 123456")
    notes = make_lead("Nguyễn Văn An", city="Hà Nội")
    log_interaction(session, notes, text="Call back on 555 0100, room 12", at=NOW)


@pytest.mark.usefixtures("phones")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # as a phone shows them: spaces, dashes, a leading +, brackets, dots
        ("+63 917 123 4567", ["Maria Santos"]),
        ("+639171234567", ["Maria Santos"]),
        ("(917) 123-4567", ["Maria Santos"]),
        ("917.123.4567", ["Maria Santos"]),
        ("916 123-45-67", ["Иван Петров"]),
        ("+7 (916) 123-45-67", ["Иван Петров"]),
        # part of a number finds every phone holding those digits
        ("123-45-67", ["Maria Santos", "Иван Петров"]),
        ("374 91 123456", ["Արամ Պետրոսյան"]),
        ("+374 91 123456", ["Արամ Պետրոսյան"]),
        # with other words: the run of phone characters is one number
        ("maria +63 917 123 4567", ["Maria Santos"]),
        ("+63 917 123 4567 SANTOS", ["Maria Santos"]),
        ("ivan +63 917 123 4567", []),
        ("иван 916 123-45-67", ["Иван Петров"]),
        # digits that no phone holds
        ("+1 555 123 4567", []),
        ("916 123-45-68", []),
        # what each word finds is still found: note text, tags, short numbers
        ("555 0100", ["Nguyễn Văn An"]),
        ("room 12", ["Nguyễn Văn An"]),
        ("2026", ["Maria Santos"]),
        ("fair-2026", ["Maria Santos"]),
        # everything else stays case- and accent-insensitive
        ("NGUYỄN van", ["Nguyễn Văn An"]),
        ("ha noi", ["Nguyễn Văn An"]),
        ("МОСКВА", ["Иван Петров"]),  # noqa: RUF001
    ],
)
def test_search_finds_a_phone_as_displayed(
    session: Session, query: str, expected: list[str]
) -> None:
    assert names(session, text=query) == expected


@pytest.mark.usefixtures("phones")
def test_a_phone_run_needs_three_digits_to_be_read_as_one_number(session: Session) -> None:
    # "+63 9" is 639, the start of Maria's digits; "+6 3" has two digits, too
    # few for a number: its words are matched as typed, and no text holds "+6".
    assert names(session, text="+63 9") == ["Maria Santos"]
    assert names(session, text="+6 3") == []


@pytest.mark.usefixtures("phones")
def test_phone_search_combines_with_filters(session: Session) -> None:
    assert names(session, text="+63 917 123 4567", tag="fair-2026") == ["Maria Santos"]
    assert names(session, text="+63 917 123 4567", city="москва") == []


# --- tags: case and accents folded -----------------------------------------------------


@pytest.fixture
def tagged(make_lead: Callable[..., Lead]) -> None:
    make_lead("Nguyễn Văn An", tags=["Hà Nội"], source="Referral")
    make_lead("Trần Thị Dũng", tags=["ha noi", "vip"], source="Event")
    make_lead("Иван Петров", tags=["Москва"])
    make_lead("Nobody Tagged")


@pytest.mark.usefixtures("tagged")
@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("ha noi", ["Nguyễn Văn An", "Trần Thị Dũng"]),
        ("HA NOI", ["Nguyễn Văn An", "Trần Thị Dũng"]),
        ("Hà Nội", ["Nguyễn Văn An", "Trần Thị Dũng"]),
        ("  hà   NỘI ", ["Nguyễn Văn An", "Trần Thị Dũng"]),
        ("москва", ["Иван Петров"]),
        ("VIP", ["Trần Thị Dũng"]),
        ("hanoi", []),
        ("ha", []),
    ],
)
def test_tag_filter_folds_case_and_accents(session: Session, tag: str, expected: list[str]) -> None:
    assert names(session, tag=tag) == expected


@pytest.mark.usefixtures("tagged")
def test_matching_tags_puts_the_tag_as_typed_first(session: Session) -> None:
    assert matching_tags(session, "HA NOI") == ["ha noi", "hà nội"]
    assert matching_tags(session, "Hà Nội") == ["hà nội", "ha noi"]
    assert matching_tags(session, "hanoi") == []
    assert matching_tags(session, "   ") == []


@pytest.mark.usefixtures("tagged")
def test_report_tag_filter_folds_accents(session: Session) -> None:
    report = build_report(
        session, today=TODAY, sections=["sources"], flt=ReportFilter(tag="HA NOI")
    )
    rows = [(r.source, r.leads) for r in report.sections["sources"].rows]
    assert rows == [("event", 1), ("referral", 1)]
    # The filter names a stored tag, so no "no lead has the tag" hint is given.
    assert report.flt.tag == "ha noi"
    assert report.notes == []
    assert report.as_dict()["filters"]["tag"] == "ha noi"


@pytest.mark.usefixtures("tagged")
def test_report_tag_filter_names_the_stored_spelling(session: Session) -> None:
    report = build_report(
        session, today=TODAY, sections=["sources"], flt=ReportFilter(tag="moskva")
    )
    assert report.notes == ["no lead has the tag 'moskva' (tags: ha noi, hà nội, vip, москва)"]
    upper = ReportFilter(tag="МОСКВА")  # noqa: RUF001
    report = build_report(session, today=TODAY, sections=["sources"], flt=upper)
    assert report.flt.tag == "москва"
    assert [(r.source, r.leads) for r in report.sections["sources"].rows] == [("(none)", 1)]
    assert report.notes == []


# --- dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027/01/08", date(2027, 1, 8)),
        ("2027/1/8", date(2027, 1, 8)),
        ("2027.01.08", date(2027, 1, 8)),
        # the forms that already worked read the same day
        ("08.01.2027", date(2027, 1, 8)),
        ("2027-1-8", date(2027, 1, 8)),
        ("8/1/2027", date(2027, 1, 8)),
    ],
)
def test_year_first_dates_with_slashes_or_dots(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027/01/32", "not a real date: '2027/01/32'"),
        ("2027/13/01", "not a real date: '2027/13/01'"),
        ("2027/01-08", "not a date: '2027/01-08'"),
        ("2027.01/08", "not a date: '2027.01/08'"),
    ],
)
def test_year_first_dates_are_checked(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, TODAY)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # read day first these have no such month, month first they are real
        ("03/15", "not a real date: '03/15' (day first: 15/03)"),
        ("12/31/2027", "not a real date: '12/31/2027' (day first: 31/12/2027)"),
        ("1.13.27", "not a real date: '1.13.27' (day first: 13.1.27)"),
        ("02/29/2028", "not a real date: '02/29/2028' (day first: 29/02/2028)"),
        # impossible either way: no hint
        ("02/29/2027", "not a real date: '02/29/2027'"),
        ("31/02", "not a real date: '31/02'"),
        ("13/13", "not a real date: '13/13'"),
        ("02/30", "not a real date: '02/30'"),
    ],
)
def test_a_month_first_date_names_its_day_first_form(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, TODAY)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("03/15", "not a real date: '03/15' (day first: 15/03)"),
        ("03/15/1986", "not a real date: '03/15/1986' (day first: 15/03/1986)"),
        ("03/15/86", "not a real date: '03/15/86' (day first: 15/03/86)"),
        ("02/29", "not a real date: '02/29' (day first: 29/02)"),
        ("02/29/1987", "not a real date: '02/29/1987'"),
        ("31/02", "not a real date: '31/02'"),
    ],
)
def test_a_month_first_birthday_names_its_day_first_form(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_birthday(text, today=TODAY)
    assert str(caught.value) == message


def test_birthdays_year_first_with_slashes() -> None:
    assert parse_birthday("1986/03/15", today=TODAY) == Birthday(3, 15, 1986)
    assert parse_birthday("15/03", today=TODAY) == Birthday(3, 15, None)
