"""The TUI Reports screen on the fixed dataset: snapshots and keys."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from prospectr.db import open_database, session_scope
from prospectr.tui.screens.reports import ReportsScreen

from .dataset import TODAY, build


class ReportsApp(App[None]):
    """A bare app that opens the Reports screen over a plain base screen."""

    def __init__(self, engine: Engine, today: date) -> None:
        super().__init__()
        self.engine = engine
        self.today = today
        self.animation_level = "none"  # the tab underline must not be caught mid-slide

    def compose(self) -> ComposeResult:
        yield Static("base screen", id="base")

    def on_mount(self) -> None:
        self.push_screen(ReportsScreen(self.engine, self.today))


@pytest.fixture
def report_engine(tmp_path: Path) -> Iterator[Engine]:
    """The dataset in a temp file (the screen reads it from a worker thread)."""
    engine = open_database(f"sqlite:///{tmp_path / 'reports.db'}")
    with session_scope(engine) as s:
        build(s)
    yield engine
    engine.dispose()


async def settle(pilot: Pilot[Any]) -> None:
    """Let the report worker finish and the screen redraw."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def screen_text(app: App[Any]) -> str:
    """The visible screen as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def test_snapshot_funnel(snap_compare: Any, report_engine: Engine) -> None:
    assert snap_compare(
        ReportsApp(report_engine, TODAY), terminal_size=(120, 36), run_before=settle
    )


def test_snapshot_stale_at_80_columns(snap_compare: Any, report_engine: Engine) -> None:
    async def to_stale(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("right")
        await settle(pilot)

    assert snap_compare(
        ReportsApp(report_engine, TODAY), terminal_size=(80, 24), run_before=to_stale
    )


def test_keys_switch_sections_weeks_and_close(report_engine: Engine) -> None:
    async def scenario() -> None:
        app = ReportsApp(report_engine, TODAY)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ReportsScreen)
            text = screen_text(app)
            assert "Funnel  12 leads" in text
            assert "66.7% → qualified" in text

            await pilot.press("right")
            await settle(pilot)
            assert app.screen.query_one(TabbedContent).active == "tab-sources"
            assert "1,350.24" in screen_text(app)

            await pilot.press("left", "left")
            await settle(pilot)
            assert app.screen.query_one(TabbedContent).active == "tab-customers"
            assert "Wei Chen" in screen_text(app)

            await pilot.press("left", "w")
            await settle(pilot)
            text = screen_text(app)
            assert "trend by week" in text
            assert "per week, 2026-W37 to 2026-W48" in text

            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, ReportsScreen)
            assert "base screen" in screen_text(app)

    asyncio.run(scenario())


def test_user_text_is_shown_literally(report_engine: Engine) -> None:
    from prospectr.domain.leads import add_lead

    with session_scope(report_engine) as s:
        add_lead(
            s, now=datetime(2026, 11, 20, 12, 0), name="[bold]Mallory[/bold]", source="[red]ads"
        )

    async def scenario() -> None:
        app = ReportsApp(report_engine, TODAY)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("right")
            await settle(pilot)
            assert "[red]ads" in screen_text(app)

    asyncio.run(scenario())
