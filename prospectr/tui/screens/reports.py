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

from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane, Tabs

from prospectr.db import session_scope
from prospectr.domain.reports import SECTIONS, Report, build_report
from prospectr.errors import ProspectrError
from prospectr.report_fit import Fitted
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
