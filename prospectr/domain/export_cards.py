"""vCard 3.0 and iCalendar text of exported leads, written by hand for speed.

vobject's and icalendar's serializers cost about 0.6 ms a card, more than the
rest of an export together; both libraries still read these files (the import,
the tests). Properties come in the order those libraries wrote them, so exports
stay comparable with earlier ones. Both formats share these rules:

- text values escape backslash, semicolon, comma and line breaks (``\\\\``, ``\\;``,
  ``\\,``, ``\\n``; a CR LF pair is one line break), as RFC 2426/6350 and RFC 5545 say;
- a line longer than 75 octets of UTF-8 is folded: CR LF and one space, so that no
  physical line passes 75 octets (the space counts); a fold never splits a UTF-8
  character, nor a backslash from the character it escapes;
- every line ends with CR LF.
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from prospectr.domain.dates import occurrence
from prospectr.domain.text import plural

if TYPE_CHECKING:
    from prospectr.domain.exporter import ExportedLead

FOLD_OCTETS = 75
_TEXT_SPECIALS = re.compile(r"[\\;,\r\n]")
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": "\\n"})


def escape(value: str) -> str:
    """A TEXT value escaped for a vCard or iCalendar content line."""
    if not _TEXT_SPECIALS.search(value):
        return value
    return value.replace("\r\n", "\n").translate(_TEXT_ESCAPES)


def content_lines(lines: list[str]) -> str:
    """``lines`` as content lines: each folded at 75 octets, each ending with CR LF."""
    if not lines:
        return ""
    if max(map(len, lines)) <= FOLD_OCTETS:
        text = "\r\n".join(lines)
        if text.isascii():  # the usual card or event: nothing to fold
            return text + "\r\n"
    return "".join(
        [
            line + "\r\n"
            if len(line) <= FOLD_OCTETS and (line.isascii() or len(line.encode()) <= FOLD_OCTETS)
            else fold(line) + "\r\n"
            for line in lines
        ]
    )


def fold(line: str) -> str:
    """``line`` split into physical lines of at most 75 octets joined by CR LF and a space."""
    parts: list[str] = []
    start = 0  # where the current physical line starts in ``line``
    size = 0  # its octets so far
    budget = FOLD_OCTETS
    escaping = False  # the previous character is a backslash that escapes this one
    for i, ch in enumerate(line):
        code = ord(ch)
        octets = 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        if size + octets > budget:
            cut = i - 1 if escaping and i - 1 > start else i
            parts.append(line[start:cut])
            size = i - cut  # the moved backslash, if any
            start = cut
            budget = FOLD_OCTETS - 1  # after the leading space
        size += octets
        escaping = not escaping and ch == "\\"
    parts.append(line[start:])
    return "\r\n ".join(parts)


def duration(delta: timedelta) -> str:
    """An RFC 5545 DURATION, as the icalendar library writes it: ``-P2DT15H``, ``PT9H``."""
    sign = ""
    if delta.days < 0:
        sign, delta = "-", -delta
    clock = ""
    if delta.seconds:
        hours, rest = divmod(delta.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        clock = "T"
        if hours:
            clock += f"{hours}H"
        if minutes or (hours and seconds):
            clock += f"{minutes}M"
        if seconds:
            clock += f"{seconds}S"
    if delta.days == 0 and clock:
        return f"{sign}P{clock}"
    return f"{sign}P{delta.days}D{clock}"


# --- vCard 3.0 ----------------------------------------------------------------

_JSON_LINE = json.JSONEncoder(ensure_ascii=False)  # as json.dumps writes it


def vcard_text(item: ExportedLead) -> str:
    """One lead as a vCard 3.0 (RFC 2426): escaped, folded at 75 octets, CRLF line ends.

    Properties come in the order vobject writes them (VERSION, UID, then by name),
    so exports stay comparable with earlier ones.
    """
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:prospectr-lead-{item.id}"]
    if item.city or item.country:
        lines.append(f"ADR:;;;{escape(item.city or '')};;;{escape(item.country or '')}")
    if item.bday_month is not None and item.bday_day is not None:
        lines.append(f"BDAY:{item.birthday}")
    if item.tags:
        lines.append("CATEGORIES:" + ",".join(escape(tag) for tag in item.tags))
    if item.email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(item.email)}")
    lines.append(f"FN:{escape(item.name or item.company or '')}")
    given, family = item.given_name or "", item.family_name or ""
    if not (given or family) and item.name:
        # Phones build the shown name from N: a name captured whole goes in the
        # given-name part (the import reads such an N as adding nothing to FN).
        given = item.name
    lines.append(f"N:{escape(family)};{escape(given)};;;")
    if item.company:
        lines.append(f"ORG:{escape(item.company)}")
    if item.phone:
        lines.append(f"TEL:{escape(item.phone)}")
    if item.title:
        lines.append(f"TITLE:{escape(item.title)}")
    if not item.name and item.company:
        lines.append("X-ABSHOWAS:COMPANY")
    if item.custom:
        lines.append(f"X-PROSPECTR-CUSTOM:{escape(_JSON_LINE.encode(item.custom))}")
    if item.do_not_contact:
        lines.append("X-PROSPECTR-DNC:yes")
    if item.source:
        lines.append(f"X-PROSPECTR-SOURCE:{escape(item.source)}")
    lines.append(f"X-PROSPECTR-STAGE:{escape(item.stage)}")
    if item.lost_reason:
        lines.append(f"X-PROSPECTR-LOST-REASON:{escape(item.lost_reason)}")
    if item.next_followup:
        lines.append(f"X-PROSPECTR-NEXT-FOLLOWUP:{item.next_followup.isoformat()}")
    lines.append("END:VCARD")
    return content_lines(lines)


# --- iCalendar ---------------------------------------------------------------

CALENDAR_HEAD = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//prospectr//leads//EN\r\n"
    "CALSCALE:GREGORIAN\r\nX-WR-CALNAME:prospectr\r\n"
)
CALENDAR_END = "END:VCALENDAR\r\n"
# The line each event starts with (text values never hold a line break: they are escaped).
EVENT_BEGIN = "BEGIN:VEVENT\r\n"


def ics_events(item: ExportedLead, now: datetime, alarm_days: int) -> str:
    """The VEVENTs of one lead (RFC 5545): its birthday, then its open follow-ups by date.

    Properties come in the order the icalendar library writes them, so exports
    stay comparable with earlier ones.
    """
    name = escape(item.name or item.company or f"#{item.id}")
    stamp = _ics_stamp(now)
    lines: list[str] = []
    # No birthday alarm for who asked not to be contacted (as on the today screen).
    if item.bday_month is not None and item.bday_day is not None and not item.do_not_contact:
        start = _birthday_start(item.bday_month, item.bday_day, item.bday_year, now.date())
        rule = "FREQ=YEARLY"
        if (item.bday_month, item.bday_day) == (2, 29):
            rule += ";BYMONTHDAY=-1;BYMONTH=2"  # Feb 28 in common years
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:Birthday: {name}",
            f"DTSTART;VALUE=DATE:{_ics_date(start)}",
            f"DTEND;VALUE=DATE:{_ics_date(start + timedelta(days=1))}",
            f"DTSTAMP:{stamp}",
            f"UID:prospectr-birthday-{item.id}@prospectr",
            f"RRULE:{rule}",
            "CATEGORIES:birthday",
        ]
        if item.bday_year:
            lines.append(f"DESCRIPTION:born {item.bday_year}")
        lines += [
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:Birthday of {name} in {plural(alarm_days, 'day')}",
            f"TRIGGER:{duration(timedelta(days=-alarm_days, hours=9))}",
            "END:VALARM",
            "END:VEVENT",
        ]
    for followup in item.followups:
        summary = f"Follow up: {name}"
        lines += [
            "BEGIN:VEVENT",
            f"SUMMARY:{summary}: {escape(followup.text)}"
            if followup.text
            else f"SUMMARY:{summary}",
            f"DTSTART;VALUE=DATE:{_ics_date(followup.due)}",
            f"DTEND;VALUE=DATE:{_ics_date(followup.due + timedelta(days=1))}",
            f"DTSTAMP:{stamp}",
            f"UID:prospectr-followup-{followup.id}@prospectr",
            "CATEGORIES:follow-up",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{summary}",
            "TRIGGER:PT9H",
            "END:VALARM",
            "END:VEVENT",
        ]
    return content_lines(lines)


def _ics_date(day: date) -> str:
    return day.isoformat().replace("-", "")


@lru_cache(maxsize=4)
def _ics_stamp(now: datetime) -> str:
    """DTSTAMP: ``now`` in UTC (a naive time is local), to the second."""
    u = now.astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


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
