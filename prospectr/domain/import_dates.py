"""Birthdays in import files: day-first or month-first, decided per column.

A column whose values include ``25/12/1980`` is day-first; one with
``12/25/1980`` is month-first. A value such as ``05/01/1979`` in a column that
never settles the order is ambiguous: it is left empty with a warning (never
guessed) unless the caller forces an order (``--dayfirst`` / ``--monthfirst``).
The date itself is then checked by ``prospectr.domain.dates.parse_birthday``,
the same rule as ``prospectr add --birthday``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from prospectr.domain.dates import Birthday, birth_year, parse_birthday
from prospectr.errors import InvalidInput

DAYFIRST = "dayfirst"
MONTHFIRST = "monthfirst"
ORDERS = (DAYFIRST, MONTHFIRST)

_PAIR_RE = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})(?:\2(\d{2}|\d{4}))?$")
_YMD_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_BASIC_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NOYEAR_RE = re.compile(r"^--(\d{2})-?(\d{2})$")
# Outlook writes an unset birthday as 0/0/00.
_ZERO_RE = re.compile(r"^0{1,2}[/.\-]0{1,2}[/.\-]0{2,4}$")


def strip_time(value: str) -> str:
    """``1985-03-15T00:00:00Z`` or ``3/15/1985 12:00:00 AM`` -> the date part."""
    text = value.strip()
    for sep in ("T", " "):
        head = text.split(sep, 1)[0]
        if head != text and (_YMD_RE.match(head) or _PAIR_RE.match(head) or _BASIC_RE.match(head)):
            return head
    return text


def _pair(value: str) -> tuple[int, int, str | None] | None:
    """The two leading numbers (and the year text) of ``d/m/y`` or ``m/d/y``."""
    m = _PAIR_RE.match(value)
    if not m:
        return None
    if m.group(2) == "-" and m.group(4) is None:
        return None  # "03-15" is month-day, as everywhere in prospectr
    return int(m.group(1)), int(m.group(3)), m.group(4)


def ambiguous_order(value: str) -> bool:
    """A ``d/m/y`` or ``m/d/y`` value whose two numbers could each be the month (05/01/1979)."""
    pair = _pair(strip_time(value))
    return pair is not None and pair[0] != pair[1] and pair[0] <= 12 and pair[1] <= 12


def column_order(values: Iterable[str], forced: str | None = None) -> str | None:
    """The day/month order of a column: forced, or settled by its values, else None.

    None also when the column holds both orders (each value then decides alone).
    """
    if forced:
        return forced
    day = month = False
    for value in values:
        pair = _pair(strip_time(value))
        if pair is None:
            continue
        a, b, _ = pair
        if a > 12 >= b:
            day = True
        elif b > 12 >= a:
            month = True
    if day and not month:
        return DAYFIRST
    if month and not day:
        return MONTHFIRST
    return None


def mixed_orders(values: Iterable[str]) -> bool:
    """True when a column holds both day-first and month-first dates."""
    day = month = False
    for value in values:
        pair = _pair(strip_time(value))
        if pair:
            day = day or pair[0] > 12 >= pair[1]
            month = month or pair[1] > 12 >= pair[0]
    return day and month


class BirthdayReader:
    """Turns raw birthday cells into ``Birthday`` values, with a cache (values repeat).

    ``read`` returns the birthday or None (empty, or ambiguous: then ``warning``
    tells why) and raises InvalidInput for an impossible date or one after
    ``today`` (a birthday in the future): the row is then rejected.
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self._cache: dict[tuple[str, str | None], Birthday | str | InvalidInput | None] = {}

    def read(self, value: str, order: str | None) -> tuple[Birthday | None, str | None]:
        """The birthday in ``value`` read with ``order``, and a warning when left empty."""
        key = (value, order)
        if key not in self._cache:
            try:
                self._cache[key] = self._read(value, order)
            except InvalidInput as exc:
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, InvalidInput):
            raise found
        if isinstance(found, str):
            return None, found
        return found, None

    def _read(self, value: str, order: str | None) -> Birthday | str | None:
        raw = value.strip()
        text = strip_time(raw)
        if not text or _ZERO_RE.match(text):
            return None
        if m := _NOYEAR_RE.match(text):
            return self._checked(f"--{m.group(1)}-{m.group(2)}", raw)
        if m := _BASIC_RE.match(text):
            return self._checked(f"{m.group(1)}-{m.group(2)}-{m.group(3)}", raw)
        if m := _YMD_RE.match(text):
            return self._checked(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", raw)
        pair = _pair(text)
        if pair is None:
            return self._checked(text, raw)
        a, b, year_text = pair
        if a != b and order is None:
            if a > 12 >= b:
                order = DAYFIRST
            elif b > 12 >= a:
                order = MONTHFIRST
            elif a <= 12 and b <= 12:
                return (
                    f"birthday {raw!r} is ambiguous (day/month order unknown): left empty;"
                    " use --dayfirst or --monthfirst"
                )
        day, month = (a, b) if order == DAYFIRST else (b, a)
        if year_text is None:
            return self._checked(f"--{month:02d}-{day:02d}", raw)
        # A two-digit birth year is in the past: 79 -> 1979, 05 -> 2005.
        year = birth_year(year_text, month, day, self.today)
        return self._checked(f"{year:04d}-{month:02d}-{day:02d}", raw)

    def _checked(self, text: str, original: str) -> Birthday:
        """``parse_birthday`` of the normalised ``text``; errors quote the cell as written."""
        try:
            return parse_birthday(text, today=self.today)
        except InvalidInput as exc:
            message = str(exc).replace(repr(text), repr(original))
            raise InvalidInput(message) from None
