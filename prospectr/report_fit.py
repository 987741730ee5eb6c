"""Report tables fitted to a width, for the terminal and the TUI alike.

A table too wide first shrinks its bar columns (keeping their proportions),
then drops them, then narrows and wraps its word columns, then the titles over
its numbers: a number, id or date is never cut to an ellipsis.
"""

from __future__ import annotations

import math
from dataclasses import replace

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

from prospectr.charts import BAR_EIGHTHS, FULL, LIGHT

# A bar column narrower than this is dropped rather than shrunk.
MIN_BAR = 6
# Words columns (names, stages) shrink to this, or to their longest number.
MIN_TEXT = 8
# Measuring width: wide enough for any table's natural width.
_UNBOUNDED = 10_000
_BAR_CHARS = frozenset(FULL + LIGHT + BAR_EIGHTHS.strip())


def _plain(cell: RenderableType) -> str:
    if isinstance(cell, Text):
        return cell.plain
    return cell if isinstance(cell, str) else ""


def _is_bar_column(column: Column) -> bool:
    """A chart column: no title, every cell a bar (or empty)."""
    return column.header == "" and all(
        isinstance(cell, Text) and set(cell.plain) <= _BAR_CHARS for cell in column.cells
    )


def _scaled_bar(cell: RenderableType, factor: float, width: int) -> Text:
    """A bar ``factor`` times as long, at most ``width`` cells (light part included)."""
    assert isinstance(cell, Text)
    plain = cell.plain
    solid = sum(8 if ch == FULL else BAR_EIGHTHS.index(ch) for ch in plain if ch != LIGHT)
    eighths = min(round(solid * factor), 8 * width)
    if solid and not eighths:
        eighths = 1
    full, part = divmod(eighths, 8)
    out = FULL * full + (BAR_EIGHTHS[part] if part else "")
    if LIGHT in plain:
        out += LIGHT * max(0, min(round(len(plain) * factor), width) - len(out))
    return Text(out, style=cell.style)


def _number_width(column: Column) -> int:
    """The widest number in a column: its words holding a digit (never cut)."""
    words = [w for cell in column.cells for w in _plain(cell).split()]
    return max((cell_len(w) for w in words if any(ch.isdigit() for ch in w)), default=0)


class _Fit:
    """Fits rich tables to a width: bars shrink, then go; then words wrap (numbers stay whole)."""

    def __init__(self, console: Console, options: ConsoleOptions) -> None:
        self.console = console
        self.room = options.max_width
        self.wide = options.update_width(_UNBOUNDED)

    def width(self, renderable: RenderableType) -> int:
        return Measurement.get(self.console, self.wide, renderable).maximum

    def column_width(self, column: Column) -> int:
        return max(self.width(cell) for cell in (column.header, *column.cells))

    def __call__(self, renderable: RenderableType) -> RenderableType:
        if isinstance(renderable, Group):
            return Group(*(self(part) for part in renderable.renderables), fit=renderable.fit)
        if isinstance(renderable, Table) and self.width(renderable) > self.room:
            return self.fit_table(self.bars(renderable))
        return renderable

    def fit_table(self, table: Table) -> RenderableType:
        """Narrow the words; when even that is too wide, leave out the last columns, and say so.

        Cutting a number would show a wrong figure; leaving its column out shows
        none. The columns kept get the width the left-out ones had.
        """
        fitted = self.words(table)
        columns = list(table.columns)
        left_out: list[str] = []
        while len(columns) > 2 and self.width(fitted) > self.room:
            gone = columns.pop()
            left_out.insert(0, " ".join(_plain(gone.header).split()) or "chart")
            fitted = self.words(self.rebuilt(table, columns))
        if not left_out:
            return fitted
        note = Text(f"(too narrow for: {', '.join(left_out)})", style="dim")
        return Group(fitted, note)

    def rebuilt(self, table: Table, columns: list[Column]) -> Table:
        out = Table(
            *[replace(c, _index=i) for i, c in enumerate(columns)],
            box=table.box,
            pad_edge=table.pad_edge,
            show_edge=table.show_edge,
            padding=table.padding,
            show_header=table.show_header,
            header_style=table.header_style,
            expand=False,
        )
        out.rows = list(table.rows)
        return out

    def bars(self, table: Table) -> Table:
        """Shrink the bar columns by what is too much, or drop them when too little is left."""
        bars = [i for i, c in enumerate(table.columns) if _is_bar_column(c)]
        if not bars:
            return table
        excess = self.width(table) - self.room
        widths = {i: self.column_width(table.columns[i]) for i in bars}
        total = sum(widths.values())
        if total - excess < MIN_BAR * len(bars):
            kept = [c for i, c in enumerate(table.columns) if i not in widths]
            return self.rebuilt(table, kept)
        columns = list(table.columns)
        for i, natural in widths.items():
            if not natural:
                continue
            width = math.floor(natural * (total - excess) / total)
            factor = width / natural
            cells: list[RenderableType] = [
                _scaled_bar(cell, factor, width) for cell in columns[i].cells
            ]
            columns[i] = replace(columns[i], _cells=cells)
        return self.rebuilt(table, columns)

    def words(self, table: Table) -> Table:
        """Narrow the word columns, then the titles of number columns; numbers stay whole."""
        excess = self.width(table) - self.room
        if excess <= 0:
            return table
        columns = list(table.columns)
        widths = [self.column_width(c) for c in columns]
        numbers = [c.justify == "right" for c in columns]
        floors = []
        for column, width, number in zip(columns, widths, numbers, strict=True):
            if number:
                cells = max((self.width(cell) for cell in column.cells), default=0)
                floors.append(max(cells, min(width, 4)))
            else:
                floors.append(max(_number_width(column), min(width, MIN_TEXT)))
        narrowed = list(widths)
        for phase in (False, True):  # words first, then the titles over numbers
            while excess > 0:
                can = [i for i, n in enumerate(numbers) if n == phase and narrowed[i] > floors[i]]
                if not can:
                    break
                widest = max(can, key=lambda i: narrowed[i])
                narrowed[widest] -= 1
                excess -= 1
        columns = [
            replace(c, width=w, no_wrap=False) if w < natural else c
            for c, w, natural in zip(columns, narrowed, widths, strict=True)
        ]
        return self.rebuilt(table, columns)


class Fitted:
    """A report section drawn to the width it is given (see ``_Fit``)."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield _Fit(console, options)(self.renderable)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, _Fit(console, options)(self.renderable))
