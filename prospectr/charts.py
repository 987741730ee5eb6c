"""Terminal charts as plain strings: horizontal bars and sparklines.

Shared by the CLI and the TUI (each wraps the strings in its own styled text).
Only the standard library: no rich, no textual.
"""

from __future__ import annotations

from collections.abc import Sequence

# Eighths of a cell, so a bar's length is exact to 1/8 of a character.
BAR_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"
LIGHT = "░"
SPARKS = "▁▂▃▄▅▆▇█"


def bar(value: float, maximum: float, width: int) -> str:
    """A bar ``width * value / maximum`` cells long (at least one eighth when value > 0)."""
    if width <= 0 or maximum <= 0 or value <= 0:
        return ""
    eighths = round(min(value, maximum) / maximum * width * 8)
    eighths = max(eighths, 1)
    full, part = divmod(eighths, 8)
    return FULL * full + (BAR_EIGHTHS[part] if part else "")


def range_bar(low: float, high: float, maximum: float, width: int) -> str:
    """A solid bar up to ``low`` continued by a light one up to ``high`` (median, then p90)."""
    solid = bar(low, maximum, width)
    if maximum <= 0 or width <= 0:
        return solid
    total = round(min(high, maximum) / maximum * width)
    return solid + LIGHT * max(0, total - len(solid))


def sparkline(values: Sequence[float]) -> str:
    """One character per value, from ``▁`` (zero) to ``█`` (the largest value)."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    last = len(SPARKS) - 1
    return "".join(SPARKS[round(max(v, 0) / top * last)] for v in values)
