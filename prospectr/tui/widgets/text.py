"""Showing stored values: always literal (never markup), never raw control bytes."""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text

from prospectr.domain.text import visible

# Styles of the derived temperature (the value itself comes from the domain).
TEMPERATURE_STYLE = {"hot": "bold red", "warm": "yellow", "cold": "cyan", "unknown": "dim"}
TEMPERATURE_LABEL = {"hot": "hot", "warm": "warm", "cold": "cold", "unknown": "?"}


def safe(value: object) -> str:
    """Text safe for a terminal: control characters shown as visible escapes."""
    return visible(value)


def lit(value: object, style: str = "") -> Text:
    """A rich Text that shows ``value`` literally."""
    return Text(safe(value), style=style)


def day(value: date | None) -> str:
    """A date as ISO ``YYYY-MM-DD`` (empty for None)."""
    return value.isoformat() if value else ""


def moment(value: datetime | None) -> str:
    """A time as ``YYYY-MM-DD HH:MM`` (empty for None)."""
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def temperature_text(temp: str, *, short: bool = True) -> Text:
    """The temperature as a coloured word ("?" for unknown when ``short``)."""
    label = TEMPERATURE_LABEL.get(temp, temp) if short else temp
    return Text(label, style=TEMPERATURE_STYLE.get(temp, ""))
