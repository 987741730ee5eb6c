"""Reports: one tab per section, each a table with its chart (bars, sparklines).

Self-contained: the screen gets the engine and today's date, reads the whole
report in a thread worker with its own short session, and draws it with the
same renderings as ``prospectr report``, fitted to the width of the screen:
a table too wide first shrinks its bars, then drops them, then wraps its words;
a number is never cut. Keys: left/right switch sections, up/down/page keys
scroll, ``w`` switches the trend between months and weeks, ``r`` (or ``R``)
reads again, escape closes.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane, Tabs

from prospectr.charts import BAR_EIGHTHS, FULL, LIGHT
from prospectr.db import session_scope
from prospectr.domain.reports import SECTIONS, Report, build_report
from prospectr.errors import ProspectrError
from prospectr.report_view import (
    TITLES,
    render_customers,
    render_funnel,
    render_lost,
    render_sources,
    render_stale,
    render_trend,
    render_velocity,
)

STALE_ROWS = 50
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
            return self.words(self.bars(renderable))
        return renderable

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


class ReportBody(VerticalScroll, can_focus=False):
    """The scrolling body of one section (the screen scrolls it, the tabs keep focus)."""


class ReportsScreen(Screen[None]):
    """Funnel, sources, velocity, stale, lost, trend and customers, a tab each."""

    DEFAULT_CSS = """
    ReportsScreen {
        background: $surface;
    }
    ReportsScreen #reports-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    ReportsScreen TabbedContent {
        height: 1fr;
    }
    ReportsScreen TabPane {
        padding: 0 1;
    }
    ReportsScreen ReportBody {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    ReportsScreen .report-section {
        height: auto;
        padding: 1 0 0 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("left", "tab(-1)", "Previous", show=False),
        Binding("right", "tab(1)", "Next", show=False),
        Binding("r", "refresh", "Refresh"),
        # The app's R opens the reports: here it reads them again instead of stacking another.
        Binding("R", "refresh", "Refresh", show=False),
        Binding("w", "toggle_by", "Month/week"),
        Binding("up", "scroll('up')", show=False),
        Binding("down", "scroll('down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("pagedown", "scroll('page_down')", show=False),
        Binding("home", "scroll('home')", show=False),
        Binding("end", "scroll('end')", show=False),
    ]

    def __init__(self, engine: Engine, today: date) -> None:
        super().__init__()
        self.engine = engine
        self.today = today
        self.by = "month"
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="reports-title")
        with TabbedContent(id="reports-tabs"):
            for name in SECTIONS:
                with TabPane(TITLES[name], id=f"tab-{name}"), ReportBody(id=f"scroll-{name}"):
                    yield Static(
                        Text("reading…", style="dim"), id=f"body-{name}", classes="report-section"
                    )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(Tabs).focus()
        self.load()

    def _title(self) -> Text:
        return Text.assemble(
            ("Reports", "bold"),
            (f"  today {self.today.isoformat()}  ·  trend by {self.by}", "dim"),
        )

    @work(thread=True, exclusive=True, group="reports", exit_on_error=False)
    def load(self) -> None:
        """Read every section in a worker, then draw them."""
        try:
            with session_scope(self.engine, write=False) as s:
                report = build_report(s, today=self.today, by=self.by, stale_limit=STALE_ROWS)
        except (ProspectrError, SQLAlchemyError) as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.show, report)

    def show(self, report: Report) -> None:
        """Draw each section in its tab."""
        self.report = report
        renderers: dict[str, Any] = {
            "funnel": render_funnel,
            "sources": render_sources,
            "velocity": render_velocity,
            "stale": lambda x: render_stale(x, STALE_ROWS),
            "lost": render_lost,
            "trend": render_trend,
            "customers": render_customers,
        }
        for name, section in report.sections.items():
            self.query_one(f"#body-{name}", Static).update(Fitted(renderers[name](section)))
        self.query_one("#reports-title", Static).update(self._title())

    def action_close(self) -> None:
        """Back to where the screen was opened from."""
        self.dismiss(None)

    def action_refresh(self) -> None:
        """Read the report again (after changes made elsewhere)."""
        self.load()

    def action_toggle_by(self) -> None:
        """Trend by month or by week."""
        self.by = "week" if self.by == "month" else "month"
        self.load()

    def action_tab(self, step: int) -> None:
        """Show the previous (-1) or next (1) section."""
        tabs = self.query_one(TabbedContent)
        names = list(SECTIONS)
        current = tabs.active.removeprefix("tab-") if tabs.active else names[0]
        tabs.active = f"tab-{names[(names.index(current) + step) % len(names)]}"
        self.query_one(Tabs).focus()

    def action_scroll(self, how: str) -> None:
        """Scroll the section on show."""
        active = self.query_one(TabbedContent).active.removeprefix("tab-")
        body = self.query_one(f"#scroll-{active}", ReportBody)
        getattr(body, f"scroll_{how}")(animate=False)
