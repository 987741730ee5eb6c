"""vCard and iCalendar text written by prospectr: escaping, folding at 75 octets, exact cards.

The writers replaced vobject's and icalendar's serializers (for speed); these
tests pin what they write, and that both libraries still read it back.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from prospectr.domain.export_cards import (
    content_lines,
    duration,
    escape,
    fold,
    ics_events,
    vcard_text,
)
from prospectr.domain.exporter import LEAD_COLUMNS, ExportedLead, OpenFollowUp

STAMP_NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def lead(**values: Any) -> ExportedLead:
    """An exported lead with empty columns but those given."""
    base: dict[str, Any] = {f.name: None for f in fields(ExportedLead)}
    base.update(
        id=7,
        name="",
        budget="unknown",
        authority="unknown",
        need="unknown",
        timeline="unknown",
        do_not_contact=False,
        created_at=datetime(2026, 11, 24, 10, 0),
        updated_at=datetime(2026, 11, 24, 10, 0),
        stage="new",
        tags=[],
        followups=[],
    )
    base.update(values)
    return ExportedLead(**base)


def physical_lines(text: str) -> list[bytes]:
    assert text.endswith("\r\n")
    return text.encode("utf-8").split(b"\r\n")[:-1]


def test_exported_lead_fields_follow_the_selected_columns() -> None:
    names = [f.name for f in fields(ExportedLead)]
    assert names[: len(LEAD_COLUMNS)] == list(LEAD_COLUMNS)
    assert names[len(LEAD_COLUMNS) :] == ["stage", "next_followup", "tags", "followups"]


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("plain text", "plain text"),
        ("Smith, Jones; Partners", "Smith\\, Jones\\; Partners"),
        ("C:\\temp\\New", "C:\\\\temp\\\\New"),
        ("two\nlines", "two\\nlines"),
        ("crlf\r\nand lone\rcr", "crlf\\nand lone\\ncr"),
        ("\\,", "\\\\\\,"),
        ("Hà Nội, Việt Nam", "Hà Nội\\, Việt Nam"),
    ],
)
def test_escape(value: str, escaped: str) -> None:
    assert escape(value) == escaped


def test_short_lines_are_not_folded() -> None:
    assert (
        content_lines(["BEGIN:VCARD", "FN:" + "a" * 72]) == "BEGIN:VCARD\r\nFN:" + "a" * 72 + "\r\n"
    )
    assert content_lines([]) == ""


def test_a_long_vietnamese_line_folds_at_75_octets_between_characters() -> None:
    company = "Công ty TNHH Thương mại và Dịch vụ Xuất Nhập khẩu Bánh kẹo Hà Nội"
    line = f"ORG:{company}"
    assert len(line) < 75 < len(line.encode())  # short in characters, long in octets
    text = content_lines([line])
    assert text == (
        "ORG:Công ty TNHH Thương mại và Dịch vụ Xuất Nhập khẩu Bánh\r\n  kẹo Hà Nội\r\n"
    )
    assert [len(p) for p in physical_lines(text)] == [75, 17]
    assert text.replace("\r\n ", "") == line + "\r\n"


def test_a_long_cjk_line_folds_on_character_boundaries() -> None:
    text = content_lines(["FN:" + "東京菓子株式会社" * 4])
    assert text == "FN:" + "東京菓子株式会社" * 3 + "\r\n 東京菓子株式会社\r\n"
    assert [len(p) for p in physical_lines(text)] == [75, 25]
    for part in physical_lines(text):
        part.decode("utf-8")  # no character cut in two


def test_four_octet_characters_and_many_folds() -> None:
    line = "FN:" + "😀" * 40
    text = content_lines([line])
    parts = physical_lines(text)
    assert [len(p) for p in parts] == [75, 1 + 18 * 4, 1 + 4 * 4]
    assert all(p.startswith(b" ") for p in parts[1:])
    assert text.replace("\r\n ", "") == line + "\r\n"


def test_a_fold_never_separates_a_backslash_from_what_it_escapes() -> None:
    line = "NOTE:" + "a" * 69 + "\\,b"  # the backslash is the 75th octet
    assert fold(line) == "NOTE:" + "a" * 69 + "\r\n \\,b"
    # An escaped backslash that ends exactly at octet 75 is a whole pair: cut after it.
    line = "NOTE:" + "a" * 68 + "\\\\x"
    assert fold(line) == "NOTE:" + "a" * 68 + "\\\\\r\n x"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=9), "PT9H"),
        (timedelta(days=-1, hours=9), "-PT15H"),
        (timedelta(days=-3, hours=9), "-P2DT15H"),
        (timedelta(days=-60, hours=9), "-P59DT15H"),
        (timedelta(days=2), "P2D"),
        (timedelta(hours=1, seconds=5), "PT1H0M5S"),
    ],
)
def test_duration_as_the_icalendar_library_writes_it(delta: timedelta, text: str) -> None:
    from icalendar import vDuration

    assert duration(delta) == text
    assert vDuration(delta).to_ical().decode() == text  # type: ignore[no-untyped-call]


def test_vcard_escapes_every_text_value() -> None:
    item = lead(
        name='Smith, John; "JJ" \\ Jr',
        given_name="John;Paul",
        family_name="Smith, Jr.",
        email="jj@example.com",
        phone="+1 555 0100, ext. 7",
        company="A;B\\C, Ltd",
        title="Head, Sales\nNorth",
        city="Hà Nội",
        country="Việt Nam",
        source="trade, fair",
        bday_month=3,
        bday_day=15,
        tags=["fair, 2026", "vip"],
        custom={"size": "=SUM(A1:A9)", "note, x": "a; b\\c"},
        stage="not; now",
    )
    assert vcard_text(item) == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "UID:prospectr-lead-7\r\n"
        "ADR:;;;Hà Nội;;;Việt Nam\r\n"
        "BDAY:--03-15\r\n"
        "CATEGORIES:fair\\, 2026,vip\r\n"
        "EMAIL;TYPE=INTERNET:jj@example.com\r\n"
        'FN:Smith\\, John\\; "JJ" \\\\ Jr\r\n'
        "N:Smith\\, Jr.;John\\;Paul;;;\r\n"
        "ORG:A\\;B\\\\C\\, Ltd\r\n"
        "TEL:+1 555 0100\\, ext. 7\r\n"
        "TITLE:Head\\, Sales\\nNorth\r\n"
        'X-PROSPECTR-CUSTOM:{"size": "=SUM(A1:A9)"\\, "note\\, x": "a\\; b\\\\\\\\c"}\r\n'
        "X-PROSPECTR-SOURCE:trade\\, fair\r\n"
        "X-PROSPECTR-STAGE:not\\; now\r\n"
        "END:VCARD\r\n"
    )


def test_vcard_reads_back_through_vobject() -> None:
    import vobject  # type: ignore[import-untyped]

    item = lead(
        name="Nguyễn Văn An, Jr.; \\x",
        company="Công ty TNHH Thương mại và Dịch vụ Xuất Nhập khẩu Bánh kẹo Hà Nội",
        title="Head, Sales\nNorth",
        tags=["a,b", "c;d"],
    )
    card = vobject.readOne(vcard_text(item))
    assert card.fn.value == "Nguyễn Văn An, Jr.; \\x"
    assert card.org.value == ["Công ty TNHH Thương mại và Dịch vụ Xuất Nhập khẩu Bánh kẹo Hà Nội"]
    assert card.title.value == "Head, Sales\nNorth"
    assert card.categories.value == ["a,b", "c;d"]


def test_vcard_of_a_company_without_a_person() -> None:
    item = lead(company="Bakery Supplies Inc.", phone="-2 8700 1234")
    assert vcard_text(item) == (
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "UID:prospectr-lead-7\r\n"
        "FN:Bakery Supplies Inc.\r\n"
        "N:;;;;\r\n"
        "ORG:Bakery Supplies Inc.\r\n"
        "TEL:-2 8700 1234\r\n"
        "X-ABSHOWAS:COMPANY\r\n"
        "X-PROSPECTR-STAGE:new\r\n"
        "END:VCARD\r\n"
    )


def test_ics_events_of_a_leap_day_birthday_and_a_follow_up() -> None:
    item = lead(
        name="Trần, Thị; Hà",
        bday_month=2,
        bday_day=29,
        followups=[OpenFollowUp(12, date(2026, 12, 1), "call; then send prices, v2")],
    )
    assert ics_events(item, STAMP_NOW, 1) == (
        "BEGIN:VEVENT\r\n"
        "SUMMARY:Birthday: Trần\\, Thị\\; Hà\r\n"
        "DTSTART;VALUE=DATE:20240229\r\n"  # no year: the latest leap day
        "DTEND;VALUE=DATE:20240301\r\n"
        "DTSTAMP:20261124T100000Z\r\n"
        "UID:prospectr-birthday-7@prospectr\r\n"
        "RRULE:FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2\r\n"
        "CATEGORIES:birthday\r\n"
        "TRANSP:TRANSPARENT\r\n"
        "BEGIN:VALARM\r\n"
        "ACTION:DISPLAY\r\n"
        "DESCRIPTION:Birthday of Trần\\, Thị\\; Hà in 1 day\r\n"
        "TRIGGER:-PT15H\r\n"
        "END:VALARM\r\n"
        "END:VEVENT\r\n"
        "BEGIN:VEVENT\r\n"
        "SUMMARY:Follow up: Trần\\, Thị\\; Hà: call\\; then send prices\\, v2\r\n"
        "DTSTART;VALUE=DATE:20261201\r\n"
        "DTEND;VALUE=DATE:20261202\r\n"
        "DTSTAMP:20261124T100000Z\r\n"
        "UID:prospectr-followup-12@prospectr\r\n"
        "CATEGORIES:follow-up\r\n"
        "BEGIN:VALARM\r\n"
        "ACTION:DISPLAY\r\n"
        "DESCRIPTION:Follow up: Trần\\, Thị\\; Hà\r\n"
        "TRIGGER:PT9H\r\n"
        "END:VALARM\r\n"
        "END:VEVENT\r\n"
    )


def test_ics_birthday_with_a_year_and_a_long_name() -> None:
    from icalendar import Calendar

    name = "Nguyễn Thị Minh Khai " * 4
    item = lead(name=name.strip(), bday_year=1990, bday_month=5, bday_day=17)
    events = ics_events(item, STAMP_NOW, 3)
    assert "DTSTART;VALUE=DATE:19900517\r\n" in events
    assert "DESCRIPTION:born 1990\r\n" in events
    assert "TRIGGER:-P2DT15H\r\n" in events
    assert max(len(p) for p in physical_lines(events)) <= 75
    cal = Calendar.from_ical("BEGIN:VCALENDAR\r\n" + events + "END:VCALENDAR\r\n")
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Birthday: {name.strip()}"
    assert event.subcomponents[0].decoded("TRIGGER") == timedelta(days=-3, hours=9)


def test_a_lead_without_birthday_or_follow_up_has_no_event() -> None:
    assert ics_events(lead(name="Ann"), STAMP_NOW, 3) == ""


def test_ics_has_no_birthday_alarm_for_who_asked_not_to_be_contacted() -> None:
    item = lead(
        name="Нина",
        bday_month=3,
        bday_day=15,
        do_not_contact=True,
        followups=[OpenFollowUp(3, date(2026, 12, 1), "")],
    )
    events = ics_events(item, STAMP_NOW, 3)
    assert events.count("BEGIN:VEVENT") == 1
    assert "Birthday" not in events
    assert "SUMMARY:Follow up: Нина\r\n" in events
    item.do_not_contact = False
    assert "DESCRIPTION:Birthday of Нина in 3 days\r\n" in ics_events(item, STAMP_NOW, 3)
