"""The one date parser, and birthday arithmetic.

Every rule takes ``today`` as an argument, so tests can freeze it.

Accepted forms (case-insensitive):
- ISO: ``2026-12-01``, also with slashes or dots when the year comes first
  (``2026/12/01``, ``2026.12.01``); month-day with a dash: ``12-01`` or
  ``--12-01`` (the next such day for a due date; no year for a birthday);
- day first with a slash or dot: ``1/12``, ``01.12.2026``. A date that only
  makes sense month first (``03/15``) is refused with the day-first form to
  type: ``not a real date: '03/15' (day first: 15/03)``;
- month names in English: ``1 Dec``, ``Dec 1 2026``, ``15 March``;
- words: ``today``, ``tomorrow``, ``yesterday``, ``monday`` .. ``sunday``,
  ``next friday``, ``next week``, ``next month``;
- offsets: ``+3d``, ``+2w``, ``+1m``, ``+1y``, ``-2d``, ``in 3 days``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from prospectr.errors import InvalidInput

_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_OFFSET_RE = re.compile(r"^([+-])\s*(\d{1,4})\s*([dwmy])$")
_IN_RE = re.compile(r"^in\s+(\d{1,4})\s+(day|week|month|year)s?$")
# Year first: with dashes (ISO), slashes or dots, the same separator twice.
_ISO_RE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_MD_DASH_RE = re.compile(r"^(?:--)?(\d{1,2})-(\d{1,2})$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_SWAP_RE = re.compile(r"^(\d{1,2})([/.])(\d{1,2})")


@dataclass(frozen=True)
class Birthday:
    """A birthday: month and day always, the year only when known."""

    month: int
    day: int
    year: int | None = None

    def __str__(self) -> str:
        if self.year is None:
            return f"--{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    @property
    def md(self) -> int:
        """month * 100 + day: the indexed key of birthday windows."""
        return self.month * 100 + self.day


def _add(today: date, n: int, unit: str) -> date:
    from dateutil.relativedelta import relativedelta

    try:
        if unit == "d":
            return today + timedelta(days=n)
        if unit == "w":
            return today + timedelta(weeks=n)
        if unit == "m":
            return today + relativedelta(months=n)
        return today + relativedelta(years=n)
    except (ValueError, OverflowError):
        raise InvalidInput(f"date out of range: {n:+d}{unit} from {today.isoformat()}") from None


def _real_date(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"not a real date: {original!r}") from None


def _full_year(year_text: str, today: date) -> int:
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year <= today.year % 100 + 10 else 1900
    return year


def birth_year(year_text: str, month: int, day: int, today: date) -> int:
    """The year of a birthday as written; two digits: the latest year not putting it after today.

    On 2026-11-24, "86" is 1986, "26" is 2026 for 24 Nov and 1926 for 25 Nov.
    """
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000
        if (year, month, day) > (today.year, today.month, today.day):
            year -= 100
    return year


def _next_month_day(
    month: int, day: int, today: date, original: str, *, past: bool = False
) -> date:
    """The next date (today included) with this month and day; ``past``: the last one."""
    _check_month_day(month, day, original)
    years = range(today.year, today.year - 9, -1) if past else range(today.year, today.year + 9)
    for year in years:
        if month == 2 and day == 29 and not calendar.isleap(year):
            continue
        candidate = date(year, month, day)
        if (candidate <= today) if past else (candidate >= today):
            return candidate
    raise InvalidInput(f"not a real date: {original!r}")  # pragma: no cover


def _check_month_day(month: int, day: int, original: str) -> None:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2000, month)[1]:
        raise InvalidInput(f"not a real date: {original!r}")


def parse_date(text: str, today: date, *, past: bool = False) -> date:
    """Parse a date as users type it. Raises InvalidInput with the reason.

    A date without a year ("20 Nov", "11-20") and a bare weekday ("friday") mean
    the next one, today included: follow-ups are ahead. With ``past`` (when a
    call was made, a sale done, a report period) they mean the last one, today
    included, and "last friday" is understood too. Explicit dates and offsets
    ("+3d", "-1w", "next week") mean what they say either way.
    """
    return _parse(text, today, past=past)[0]


def parse_period(
    since: str | None, until: str | None, today: date
) -> tuple[date | None, date | None]:
    """The ends of a period (a report's ``--since`` / ``--until``); either may be absent.

    Both ends are read as past dates (:func:`parse_date` with ``past``). An end
    written without a year ("dec 31", "12-31", "31/12") that would then fall
    before the start is the first such day on or after the start instead: on
    20 Dec 2026, "dec 1".."dec 31" is this December, not Dec 2026..Dec 2025.
    Ends given with a year, offsets and words keep what they say (an end
    before its start is still refused where the period is used).
    """
    start = parse_date(since, today, past=True) if since else None
    if not until:
        return start, None
    end, month_day = _parse(until, today, past=True)
    if start is not None and month_day is not None and end < start:
        end = _next_month_day(*month_day, start, until)
    return start, end


def _parse(text: str, today: date, *, past: bool) -> tuple[date, tuple[int, int] | None]:
    """The date in ``text``, and its (month, day) when it was written without a year."""
    found = _parse_any(text, today, past=past)
    return found if isinstance(found, tuple) else (found, None)


def _parse_any(text: str, today: date, *, past: bool) -> date | tuple[date, tuple[int, int]]:
    original = text
    s = " ".join(text.strip().lower().split())
    if not s:
        raise InvalidInput("empty date")
    if s in ("today", "now"):
        return today
    if s in ("tomorrow", "tmr", "tmrw"):
        return today + timedelta(days=1)
    if s == "yesterday":
        return today - timedelta(days=1)
    if s == "next week":
        return today + timedelta(weeks=1)
    if s == "next month":
        return _add(today, 1, "m")
    if m := _OFFSET_RE.match(s):
        n = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
        return _add(today, n, m.group(3))
    if m := _IN_RE.match(s):
        return _add(today, int(m.group(1)), m.group(2)[0])
    words = s.split()
    if (
        words[-1] in _WEEKDAYS
        and len(words) <= 2
        and words[0] in ("last", words[-1])
        and (past or words[0] == "last")
    ):
        back = (today.weekday() - _WEEKDAYS[words[-1]]) % 7
        if back == 0 and words[0] == "last":
            back = 7
        return today - timedelta(days=back)
    if words[-1] in _WEEKDAYS and len(words) <= 2 and words[0] in ("next", "this", words[-1]):
        ahead = (_WEEKDAYS[words[-1]] - today.weekday()) % 7
        if ahead == 0 and words[0] != "this":
            ahead = 7
        return today + timedelta(days=ahead)
    if m := _ISO_RE.match(s):
        return _real_date(int(m.group(1)), int(m.group(3)), int(m.group(4)), original)
    year: int | None
    if m := _MD_DASH_RE.match(s):
        year, month, day = None, int(m.group(1)), int(m.group(2))
    elif m := _DMY_RE.match(s):
        day, month = int(m.group(1)), int(m.group(2))
        year = _full_year(m.group(3), today) if m.group(3) else None
        _refuse_month_first(day, month, year, s, original)
    else:
        day, month, year = _parse_words(s, original)
    if year is None:
        return _next_month_day(month, day, today, original, past=past), (month, day)
    return _real_date(year, month, day, original)


def _refuse_month_first(first: int, second: int, year: int | None, s: str, original: str) -> None:
    """Refuse "03/15", which has no 15th month day first, naming the day-first form ("15/03").

    Only when the numbers make a real date month first (``year``: that date's
    year read month first); any other impossible date is left to the usual check.
    """
    if second <= 12:
        return
    try:
        date(2000 if year is None else year, first, second)  # 2000: Feb 29 exists
    except ValueError:
        return
    day_first = _SWAP_RE.sub(r"\3\2\1", s)
    raise InvalidInput(f"not a real date: {original!r} (day first: {day_first})")


def _parse_words(s: str, original: str) -> tuple[int, int, int | None]:
    """Day, month and (maybe) year from text with an English month name."""
    if not re.search(r"[a-z]", s) or not re.search(r"\d", s):
        raise InvalidInput(f"not a date: {original!r}")
    from dateutil import parser as du

    try:
        # Two different defaults reveal whether the text named a day and a year.
        a = du.parse(s, default=datetime(2000, 1, 1), dayfirst=True)
        b = du.parse(s, default=datetime(2004, 1, 2), dayfirst=True)
    except (ValueError, OverflowError):
        raise InvalidInput(f"not a date: {original!r}") from None
    if a.time() != time(0, 0) or a.day != b.day:
        raise InvalidInput(f"not a date: {original!r}")
    year = a.year if a.year == b.year else None
    return a.day, a.month, year


def parse_birthday(text: str, *, today: date) -> Birthday:
    """Parse a birthday; the year is optional ("03-15", "15 March", "1986-03-15").

    Feb 29 without a year is valid; with a year it must be a leap year. A
    two-digit year is the latest such year not after ``today`` ("86" -> 1986,
    see :func:`birth_year`). A birthday with a year must not be after
    ``today``: nobody is born tomorrow.
    """
    original = text
    s = " ".join(text.strip().lower().split())
    if not s:
        raise InvalidInput("empty birthday")
    year: int | None
    if m := _ISO_RE.match(s):
        year, month, day = int(m.group(1)), int(m.group(3)), int(m.group(4))
    elif m := _MD_DASH_RE.match(s):
        year, month, day = None, int(m.group(1)), int(m.group(2))
    elif m := _DMY_RE.match(s):
        day, month = int(m.group(1)), int(m.group(2))
        year = birth_year(m.group(3), month, day, today) if m.group(3) else None
        # The year as it would be read month first (two digits depend on the day).
        first_year = birth_year(m.group(3), day, month, today) if m.group(3) else None
        _refuse_month_first(day, month, first_year, s, original)
    else:
        day, month, year = _parse_words(s, original)
    _check_month_day(month, day, original)
    if year is not None:
        born = _real_date(year, month, day, original)
        if not 1900 <= year <= 2100:
            raise InvalidInput(f"birth year out of range: {original!r}")
        if born > today:
            raise InvalidInput(f"birthday in the future: {original!r}")
    return Birthday(month, day, year)


def occurrence(month: int, day: int, year: int) -> date:
    """The day a birthday is celebrated in ``year``: Feb 29 falls on Feb 28 in common years."""
    if month == 2 and day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, month, day)


def next_occurrence(month: int, day: int, today: date) -> date:
    """The next celebration of a birthday, today included."""
    this_year = occurrence(month, day, today.year)
    return this_year if this_year >= today else occurrence(month, day, today.year + 1)


def md_ranges(start: date, end: date) -> list[tuple[int, int]]:
    """Inclusive ``month*100+day`` ranges covering the celebrations in [start, end].

    Crosses the new year by splitting; adds Feb 29 where Feb 28 of a common year
    is in the window (that is when Feb 29 birthdays are celebrated).
    """
    ranges: list[tuple[int, int]] = []
    if end < start:
        return ranges
    if (end - start).days >= 365:
        return [(101, 1231)]
    cursor = start
    while cursor <= end:
        seg_end = min(end, date(cursor.year, 12, 31))
        ranges.append((cursor.month * 100 + cursor.day, seg_end.month * 100 + seg_end.day))
        feb28 = date(cursor.year, 2, 28)
        if not calendar.isleap(cursor.year) and cursor <= feb28 <= seg_end:
            ranges.append((229, 229))
        cursor = seg_end + timedelta(days=1)
    return ranges
