"""Pilot tests for what a first use of the workspace ran into.

Today's totals and its cursor at the ends, the board's arrow keys on a narrow
terminal, the reports screen (R on it, numbers at 60 columns), Escape on a form
with typed data, an empty search result, and the hints on an empty database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from textual.widgets import Button, Input, OptionList

from prospectr import domain
from prospectr.db import session_scope
from prospectr.domain.reports import build_report
from prospectr.models import FollowUp
from prospectr.report_view import amount, pct
from prospectr.tui.app import ProspectrApp
from prospectr.tui.screens import leads as leads_screen
from prospectr.tui.screens.board import COLUMN_MIN, BoardColumn, BoardScreen
from prospectr.tui.screens.confirm import ConfirmScreen
from prospectr.tui.screens.form import FormScreen
from prospectr.tui.screens.leads import NO_LEADS, NO_MATCH, LeadsScreen
from prospectr.tui.screens.reports import ReportsScreen
from prospectr.tui.screens.today import TodayScreen

from .conftest import NOW, TODAY, lead_named, press, run, screen_text, settle, started

AppFactory = Callable[..., ProspectrApp]
SIZE = (120, 36)


def agenda_lines(app: ProspectrApp) -> list[str]:
    options = app.screen.query_one("#today-list", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def highlighted_id(app: ProspectrApp) -> str | None:
    options = app.screen.query_one("#today-list", OptionList)
    assert options.highlighted is not None
    return options.get_option_at_index(options.highlighted).id


def top(app: ProspectrApp) -> object:
    """The screen on top (a plain object, so checks after key presses are not narrowed)."""
    return app.screen


def toasts(app: ProspectrApp) -> list[str]:
    return [n.message for n in app._notifications]


# --- 1. Today's section titles count everything; a cut section says how many more --------


def test_today_shows_totals_and_what_was_left_out(make_app: AppFactory, tui_engine: Engine) -> None:
    with session_scope(tui_engine) as s:
        for i in range(21):
            late = domain.add_lead(s, now=NOW, name=f"Late {i:02d}")
            domain.add_followup(s, late, due=TODAY - timedelta(days=2), now=NOW, text="late")
        for i in range(23):
            due = domain.add_lead(s, now=NOW, name=f"Due {i:02d}")
            domain.add_followup(s, due, due=TODAY, now=NOW, text="today")
        for i in range(22):
            domain.add_lead(s, now=NOW, name=f"Born {i:02d}", birthday="1990-11-26")
        for i in range(25):
            hot = domain.add_lead(s, now=NOW, name=f"Hot {i:02d}")
            domain.qualify(
                s, hot, now=NOW, answers={"budget": "yes", "need": "yes", "timeline": "yes"}
            )

    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            assert isinstance(app.screen, TodayScreen)
            lines = agenda_lines(app)
            for title, total, more in (
                ("Overdue follow-ups", 21, 1),
                ("Due today", 23, 3),
                ("Birthdays", 22, 2),
                ("Hot, no next step", 25, 5),
            ):
                at = lines.index(f"{title}  {total}")
                # 20 items listed, then the note, then the next section.
                assert lines[at + 21].strip() == f"… and {more} more: press 2 for the list"
            notes = app.screen.query_one("#today-list", OptionList)
            for i in range(notes.option_count):
                if "more: press 2" in str(notes.get_option_at_index(i).prompt):
                    assert notes.get_option_at_index(i).disabled
            assert not any("Late 20" in line for line in lines)  # the 21st is not listed
            # The cursor skips the notes: from the last overdue line, down is "Due today".
            await press(pilot, *["down"] * 19)
            highlighted = app.screen.query_one("#today-list", OptionList).highlighted
            assert highlighted is not None
            assert "Late 19" in lines[highlighted]
            await press(pilot, "down")
            highlighted = app.screen.query_one("#today-list", OptionList).highlighted
            assert highlighted is not None
            assert lines[highlighted].startswith("today      Due 00")

    run(scenario())


def test_today_uncut_sections_have_no_note(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app):
            lines = agenda_lines(app)
            assert "Overdue follow-ups  1" in lines
            assert "Birthdays  2" in lines
            assert not any("more: press 2" in line for line in lines)

    run(scenario())


# --- 2. The cursor stops at the ends of a list ---------------------------------------------


def test_today_cursor_stops_at_the_last_line(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            first = highlighted_id(app)
            assert first is not None
            assert first.startswith("f:")
            assert first.endswith(f":{seeded['an']}")
            await press(pilot, "up")  # at the top: stays
            assert highlighted_id(app) == first
            await press(pilot, "end")
            last = highlighted_id(app)
            assert last == f"h:{seeded['hanako']}"
            await press(pilot, "down", "down")  # at the bottom: stays (used to wrap to An)
            assert highlighted_id(app) == last
            await press(pilot, "x")  # on a hot lead: x completes nothing
            assert "highlight a follow-up first" in toasts(app)

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        an = s.exec(select(FollowUp).where(col(FollowUp.lead_id) == seeded["an"])).one()
        assert an.done_at is None


def test_board_column_cursor_stops_at_the_ends(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    with session_scope(tui_engine) as s:
        for name in ("Ana", "Ben"):
            domain.add_lead(s, now=NOW, name=name)

    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "3")
            first = app.screen.query(".board-list").results(OptionList).__next__()
            assert first.has_focus
            assert first.highlighted == 0
            await press(pilot, "up")
            assert first.highlighted == 0
            await press(pilot, "end")
            last = first.option_count - 1
            await press(pilot, "down")
            assert first.highlighted == last

    run(scenario())


# --- 3. Left and right switch board columns at any width --------------------------------------


def test_board_arrows_switch_columns_on_a_narrow_terminal(
    make_app: AppFactory, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app, size=(60, 20)) as pilot:
            await press(pilot, "3")
            board = app.screen
            assert isinstance(board, BoardScreen)
            columns = list(board.query(BoardColumn))
            names = [c.data.name for c in columns]
            assert names == ["new", "qualified", "contacted", "nurturing"]

            def focused() -> str:
                for column in columns:
                    if column.query_one(OptionList).has_focus:
                        return column.data.name
                return ""

            def whole_on_screen(column: BoardColumn) -> bool:
                region = column.region
                return region.x >= 0 and region.right <= 60

            for column in columns:
                assert COLUMN_MIN <= column.region.width <= 60
            assert focused() == "new"
            for name in names[1:]:
                await press(pilot, "right")
                assert focused() == name
                current = next(c for c in columns if c.data.name == name)
                assert whole_on_screen(current)
            await press(pilot, "right")  # the last column: stays
            assert focused() == "nurturing"
            for name in reversed(names[:-1]):
                await press(pilot, "left")
                assert focused() == name
                current = next(c for c in columns if c.data.name == name)
                assert whole_on_screen(current)
            # Back at full width the columns share it again.
            await pilot.resize_terminal(120, 30)
            await settle(pilot)
            assert sum(c.region.width + 1 for c in columns) == 120

    run(scenario())


# --- 4. R on the reports screen reads them again (no second screen) ----------------------


def test_r_on_reports_does_not_stack_reports(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "R")
            assert isinstance(app.screen, ReportsScreen)
            depth = len(app.screen_stack)
            await press(pilot, "R")
            await press(pilot, "R")
            assert isinstance(app.screen, ReportsScreen)
            assert len(app.screen_stack) == depth
            app.action_reports()  # what the command palette's "Reports" entry calls
            await settle(pilot)
            assert len(app.screen_stack) == depth
            await press(pilot, "escape")
            assert isinstance(app.screen, TodayScreen)

    run(scenario())


# --- 5. Reports at 60 columns keep every number whole ------------------------------------------


def test_reports_at_60_columns_keep_numbers_whole(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    with session_scope(tui_engine, write=False) as s:
        report = build_report(s, today=TODAY, by="month", stale_limit=50)
    funnel = report.sections["funnel"]
    sources = report.sections["sources"]

    async def scenario() -> None:
        app = make_app()
        async with started(app, size=(60, 30)) as pilot:
            await press(pilot, "R")
            text = screen_text(app)
            assert "reached" in text
            assert "share" in text
            lines = text.splitlines()
            for row in funnel.rows:
                line = next(x for x in lines if x.strip().startswith(row.stage + " "))
                assert f" {row.reached} " in line
                assert pct(row.share) in line
            assert "█" in text  # the bar shrank to fit; it is still drawn
            assert "100.0%" in text
            await press(pilot, "right")
            text = screen_text(app)
            for row in sources.rows:
                line = next(x for x in text.splitlines() if x.strip().startswith(row.source))
                for number in (str(row.leads), pct(row.conversion), amount(row.revenue_cents)):
                    assert f" {number}" in line, (number, line)
            assert "1,250.00" in text
            # Wide enough, the table is drawn as the CLI draws it (full-length bars).
            await pilot.resize_terminal(120, 30)
            await press(pilot, "left")
            assert "█" * 24 in screen_text(app)

    run(scenario())


# --- 6. Escape on a changed form asks first ----------------------------------------------------


def test_escape_on_a_changed_form_asks_before_discarding(
    make_app: AppFactory, tui_engine: Engine
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            # Untouched: Escape closes at once.
            await press(pilot, "a")
            assert isinstance(app.screen, FormScreen)
            await press(pilot, "escape")
            assert isinstance(app.screen, LeadsScreen)
            # Typed into: Escape asks, "No" has the focus and keeps the form as it was.
            await press(pilot, "a")
            form = app.screen
            assert isinstance(form, FormScreen)
            await press(pilot, *"Maria Santos")
            await press(pilot, "escape")
            assert isinstance(app.screen, ConfirmScreen)
            assert "Discard changes?" in screen_text(app)
            assert isinstance(app.focused, Button)
            assert app.focused.id == "no"
            await press(pilot, "enter")
            assert top(app) is form
            assert form.query_one("#f-name", Input).value == "Maria Santos"
            await press(pilot, "escape", "n")
            assert top(app) is form
            # Typed back to what it was: nothing to lose, it closes at once.
            await press(pilot, *["backspace"] * len("Maria Santos"))
            await press(pilot, "escape")
            assert isinstance(app.screen, LeadsScreen)
            # y discards.
            await press(pilot, "a")
            await press(pilot, *"Maria Santos")
            await press(pilot, "escape", "y")
            assert isinstance(app.screen, LeadsScreen)

    run(scenario())
    assert lead_named(tui_engine, "Maria Santos") is None


def test_escape_on_an_untouched_log_form_closes_it(
    make_app: AppFactory, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2", "c")
            assert isinstance(app.screen, FormScreen)  # kind and date filled in: not a change
            await press(pilot, "escape")
            assert isinstance(app.screen, LeadsScreen)
            await press(pilot, "c", *"asked for a quote", "escape")
            assert isinstance(app.screen, ConfirmScreen)

    run(scenario())


# --- 7. A search that matches nothing says so -------------------------------------------------


def test_empty_search_result_says_how_to_clear_it(
    make_app: AppFactory, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2", "slash", *"zzzz")
            assert NO_MATCH in screen_text(app)
            await press(pilot, "escape")
            text = screen_text(app)
            assert NO_MATCH not in text
            assert "Maria Santos" in text

    run(scenario())


# --- 8. Lead keys with no lead: one hint, not a stack ------------------------------------------


@pytest.fixture
def lasting_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hints that stay up for the whole test (a slow run must not see one expire)."""
    monkeypatch.setattr(leads_screen, "HINT_S", 600.0)


def test_lead_keys_on_an_empty_database_say_once_how_to_start(
    make_app: AppFactory, lasting_hints: None
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            assert isinstance(app.screen, LeadsScreen)
            await press(pilot, "c", "b", "right_square_bracket", "x", "e", "d")
            assert toasts(app) == [NO_LEADS]
            await press(pilot, "3", "c", "b")
            await press(pilot, "1", "x", "c")
            assert toasts(app) == [NO_LEADS]

    run(scenario())


def test_lead_keys_with_no_match_warn_once(
    make_app: AppFactory, seeded: dict[str, int], lasting_hints: None
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2", "slash", *"zzzz", "enter")
            await press(pilot, "c", "b", "e")
            assert toasts(app) == ["no lead selected"]

    run(scenario())
