"""Pilot tests: each flow end to end, asserting the screen and the database rows."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import OptionList

from prospectr import domain
from prospectr.db import open_database, session_scope
from prospectr.models import FollowUp, Interaction, Lead, Sale, StageHistory
from prospectr.tui.app import ProspectrApp
from prospectr.tui.screens.board import BoardScreen
from prospectr.tui.screens.detail import LeadDetailScreen
from prospectr.tui.screens.form import FormScreen
from prospectr.tui.screens.import_file import ImportScreen
from prospectr.tui.screens.leads import LeadsScreen
from prospectr.tui.screens.today import TodayScreen
from prospectr.tui.widgets.lead_table import LeadTable

from .conftest import NOW, TODAY, lead_named, press, run, screen_text, settle, started

AppFactory = Callable[..., ProspectrApp]
SIZE = (120, 36)


def stage_of(engine: Engine, lead_id: int) -> str:
    with session_scope(engine, write=False) as s:
        return domain.lead_detail(s, domain.get_lead(s, lead_id)).stage.name


async def open_lead(pilot: Pilot[Any], app: ProspectrApp, text: str) -> None:
    """From anywhere: go to the list, search for ``text``, open the first match."""
    await press(pilot, "2")
    await press(pilot, "slash", *text, "enter")
    await press(pilot, "enter")
    assert isinstance(app.screen, LeadDetailScreen)


def agenda_text(app: ProspectrApp) -> str:
    options = app.screen.query_one(OptionList)
    return "\n".join(
        str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
    )


def test_first_run_says_what_to_do(make_app: AppFactory) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app, size=(80, 24)) as pilot:
            assert isinstance(app.screen, LeadsScreen)
            text = screen_text(app)
            assert "No leads yet." in text
            assert "a  add a lead" in text
            assert "i  import a file" in text
            assert "?  every key" in text
            assert "/home/owner/.local/share/prospectr/prospectr.db" in text
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, ImportScreen)

    run(scenario())


def test_add_lead_with_inline_validation(make_app: AppFactory, tui_engine: Engine) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "a")
            form = app.screen
            assert isinstance(form, FormScreen)
            await pilot.press(*"Maria Santos", "tab", "tab", *"maria@")
            await pilot.pause()
            assert "invalid email" in screen_text(app)
            await press(pilot, "enter")
            assert app.screen is form  # refused: nothing written
            assert lead_named(tui_engine, "Maria Santos") is None
            await pilot.press(*"example.com", "tab", "tab", *"event", "tab", *"fair-2026, VIP")
            await pilot.press("tab", *"03-15")
            await pilot.pause()
            text = screen_text(app)
            assert "invalid email" not in text
            assert "birthday 15 March (year unknown)" in text
            assert "tags: fair-2026, vip" in text
            await press(pilot, "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            lead = lead_named(tui_engine, "Maria Santos")
            assert lead is not None
            assert lead.email == "maria@example.com"
            assert lead.source == "event"
            assert (lead.bday_month, lead.bday_day, lead.bday_year) == (3, 15, None)
            text = screen_text(app)
            assert "Maria Santos" in text
            assert "fair-2026, vip" in text
            assert "15 March (year unknown)" in text

    run(scenario())


def test_duplicate_offers_to_open_existing(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await pilot.press("a")
            await press(pilot, *"M. Santos", "tab", "tab", *"MARIA@example.com", "enter")
            text = screen_text(app)
            assert "Possible duplicate: email maria@example.com is already on lead" in text
            assert "Open existing" in text
            await press(pilot, "enter")  # the focused "Open existing" button
            assert isinstance(app.screen, LeadDetailScreen)
            assert app.screen.lead_id == seeded["maria"]
            assert lead_named(tui_engine, "M. Santos") is None

    run(scenario())


def test_qualify_with_four_keystrokes(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "maria")
            await pilot.press("b")
            await pilot.pause()
            assert "Budget: can and will they spend money?" in screen_text(app)
            await press(pilot, "y", "question_mark", "y", "y")
            assert isinstance(app.screen, LeadDetailScreen)
            text = screen_text(app)
            assert "[qualified]" in text
            assert "hot: need, budget and timeline are all 'yes'" in text
            assert "BANT: three or more yes" in text  # the automatic move, in the history

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        lead = domain.get_lead(s, seeded["maria"])
        assert (lead.budget, lead.authority, lead.need, lead.timeline) == (
            "yes",
            "unknown",
            "yes",
            "yes",
        )
    assert stage_of(tui_engine, seeded["maria"]) == "qualified"


@pytest.mark.parametrize(
    ("key", "text", "kind"),
    [("c", "asked for the [red]catalogue[/red]", "call"), ("n", "prefers email", "note")],
)
def test_log_a_call_or_a_note(
    make_app: AppFactory,
    tui_engine: Engine,
    seeded: dict[str, int],
    key: str,
    text: str,
    kind: str,
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "website")
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            # The kind is chosen by the key: typing goes straight into "What was said".
            await press(pilot, *text, "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            assert text in screen_text(app)

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        items = list(
            s.exec(select(Interaction).where(col(Interaction.lead_id) == seeded["hanako"]))
        )
        assert [(i.kind, i.text, i.at) for i in items] == [(kind, text, NOW)]
        # A call is a contact; a note is what was said, not a contact.
        contacted = NOW if kind != "note" else None
        assert domain.get_lead(s, seeded["hanako"]).last_contact_at == contacted


def test_move_on_the_board(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "3")
            assert isinstance(app.screen, BoardScreen)
            text = screen_text(app)
            assert "new (3)" in text
            assert "contacted (1)" in text
            # The first column has focus; move its first lead on to the next stage.
            first = app.screen.query(OptionList).first()
            assert first.has_focus
            lead_id = app.screen.current_lead_id()
            assert lead_id is not None
            await press(pilot, "right_square_bracket")
            text = screen_text(app)
            assert "new (2)" in text
            assert "qualified (2)" in text
            assert app.screen.current_lead_id() == lead_id  # the highlight followed the lead
            assert stage_of(tui_engine, lead_id) == "qualified"
            # And back with [
            await press(pilot, "left_square_bracket")
            assert stage_of(tui_engine, lead_id) == "new"

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        moves = s.exec(select(StageHistory).where(col(StageHistory.from_stage_id).is_not(None)))
        assert len(list(moves)) >= 2


def test_move_to_lost_asks_for_a_reason(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "facebook")
            await pilot.press("m")
            await pilot.pause()
            await press(pilot, *["down"] * 5, "enter")  # new qualified contacted nurturing won lost
            assert isinstance(app.screen, FormScreen)
            await press(pilot, "enter")  # no reason: the domain refuses
            assert "moving to lost needs a reason" in screen_text(app)
            assert stage_of(tui_engine, seeded["lilit"]) == "new"
            await press(pilot, *"price", "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            assert "[lost]" in screen_text(app)

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        assert domain.get_lead(s, seeded["lilit"]).lost_reason == "price"


def test_not_now_asks_for_a_followup_date(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "maria")
            await press(pilot, "m", *["down"] * 6, "enter")
            assert isinstance(app.screen, FormScreen)
            await pilot.press(*"jan 8")
            await pilot.pause()
            assert "Friday 2027-01-08" in screen_text(app)
            await press(pilot, "tab", *"after the holidays", "enter")
            assert "[not-now]" in screen_text(app)

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        items = list(s.exec(select(FollowUp).where(col(FollowUp.lead_id) == seeded["maria"])))
        assert [(f.due.isoformat(), f.text) for f in items] == [
            ("2027-01-08", "after the holidays")
        ]


def test_today_first_then_finish_and_snooze(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            assert isinstance(app.screen, TodayScreen)  # something is due: today comes first
            text = screen_text(app)
            assert "Overdue follow-ups" in text
            assert "call back about the menu  4 days overdue" in text
            assert "turns 40" in text
            # The cursor starts on the overdue follow-up: finish it.
            await press(pilot, "x")
            assert "call back about the menu" not in agenda_text(app)
            # Next: the one due today; snooze it to Friday.
            await pilot.press("z")
            await pilot.pause()
            await press(pilot, *["backspace"] * 8, *"friday", "enter")
            assert "send the price list" not in agenda_text(app)

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        done = s.exec(select(FollowUp).where(col(FollowUp.lead_id) == seeded["an"])).one()
        assert done.done_at == NOW
        snoozed = s.exec(select(FollowUp).where(col(FollowUp.lead_id) == seeded["olga"])).one()
        assert snoozed.due == TODAY + timedelta(days=3)
        assert snoozed.done_at is None


def test_schedule_then_finish_from_detail(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "website")
            await pilot.press("f", *"-2d")
            await pilot.pause()
            assert "Sunday 2026-11-22 (past: overdue already)" in screen_text(app)
            await press(pilot, *["backspace"] * 3, *"+3d")
            assert "Friday 2026-11-27" in screen_text(app)
            assert "overdue" not in screen_text(app)
            await press(pilot, "tab", *"send samples", "enter")
            assert "send samples" in screen_text(app)
            await press(pilot, "x")
            assert "done 2026-11-24" in screen_text(app)

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        item = s.exec(select(FollowUp).where(col(FollowUp.lead_id) == seeded["hanako"])).one()
        assert (item.due.isoformat(), item.text, item.done_at) == (
            "2026-11-27",
            "send samples",
            NOW,
        )


def test_record_a_sale(make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "maria")
            await pilot.press("dollar_sign", *"12.345")
            await pilot.pause()
            assert "amount has more than two decimals" in screen_text(app)
            await press(pilot, "enter")
            assert isinstance(app.screen, FormScreen)
            await press(pilot, "backspace", "tab", "tab", *"3 cakes", "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            text = screen_text(app)
            assert "[won]" in text
            assert "customer" in text
            assert "12.34" in text

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        sales = list(s.exec(select(Sale).where(col(Sale.lead_id) == seeded["maria"])))
        assert [(x.amount_cents, x.description, x.date) for x in sales] == [
            (1234, "3 cakes", TODAY)
        ]


def test_delete_asks_first(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "ольга")
            await pilot.press("d")
            await pilot.pause()
            assert "Delete #" in screen_text(app)
            await press(pilot, "n")
            assert isinstance(app.screen, LeadDetailScreen)
            assert lead_named(tui_engine, "Ольга Смирнова") is not None
            await press(pilot, "d", "y")
            assert isinstance(app.screen, LeadsScreen)
            table = app.screen.query_one(LeadTable)
            assert table.total == 0  # the search for her finds nothing now

    run(scenario())
    assert lead_named(tui_engine, "Ольга Смирнова") is None
    with session_scope(tui_engine, write=False) as s:
        orphans = s.exec(select(Sale).where(col(Sale.lead_id) == seeded["olga"]))
        assert list(orphans) == []


def test_search_folds_accents_and_filters(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2")
            table = app.screen.query_one(LeadTable)
            assert table.total == 6
            await press(pilot, "slash", *"NGUYEN")
            assert [table.row_at(i).name for i in range(table.total)] == ["Nguyễn Văn An"]  # type: ignore[union-attr]
            assert "1 of 6 leads" in screen_text(app)
            await pilot.press("escape")  # leaves the search box
            await press(pilot, "escape")  # clears the search
            assert table.total == 6
            await press(pilot, "F")
            form = app.screen
            assert isinstance(form, FormScreen)
            form.query_one("#f-temperature").value = "hot"  # type: ignore[attr-defined]
            await press(pilot, "ctrl+s")
            assert [table.row_at(i).name for i in range(table.total)] == ["田中 花子"]  # type: ignore[union-attr]
            assert "temperature: hot" in screen_text(app)

    run(scenario())


def test_sort_cycles_and_header_click(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2")
            table = app.screen.query_one(LeadTable)
            await press(pilot, "s")  # name -> company
            assert table.sort == "company"
            first = table.row_at(0)
            assert first is not None
            assert first.company == "Phở 24"
            await press(pilot, "S")
            assert table.descending
            await pilot.click(LeadTable, offset=(2, 0))  # the Name title
            await settle(pilot)
            assert (table.sort, table.descending) == ("name", False)

    run(scenario())


def test_refresh_shows_changes_made_elsewhere(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2")
            assert "Grace Cruz" not in screen_text(app)
            with session_scope(tui_engine) as s:  # as the CLI would, from another process
                domain.add_lead(s, now=NOW, name="Grace Cruz")
            await press(pilot, "r")
            assert "Grace Cruz" in screen_text(app)
            assert "7 of 7 leads" in screen_text(app)

    run(scenario())


def test_user_text_is_literal(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2")
            assert "Mark [bold]Reyes[/bold]" in screen_text(app)

    run(scenario())


def test_help_palette_and_reports(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            text = screen_text(app)
            assert "Database: /home/owner/.local/share/prospectr/prospectr.db" in text
            assert "Reports" in text
            await pilot.press("escape")
            titles = [c.title for c in app.get_system_commands(app.screen)]
            for title in ("Today", "Leads", "Board", "Reports", "Add lead", "Refresh", "Help"):
                assert title in titles
            assert "Schedule a follow-up" in titles  # the screen's own actions
            await press(pilot, "R")
            if importlib.util.find_spec("prospectr.tui.screens.reports") is None:
                assert any(n.message == "Reports are not available yet" for n in app._notifications)
            else:
                assert type(app.screen).__name__ == "ReportsScreen"

    run(scenario())


def test_keys_do_nothing_behind_a_modal(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await open_lead(pilot, app, "maria")
            await pilot.press("d")
            await pilot.pause()
            await pilot.press("3", "a", "question_mark")
            await pilot.pause()
            assert type(app.screen).__name__ == "ConfirmScreen"
            assert app.current_mode == "leads"

    run(scenario())


def test_large_list_is_paged(make_app: AppFactory, tui_engine: Engine) -> None:
    with session_scope(tui_engine) as s:
        for i in range(250):
            domain.add_lead(s, now=NOW, name=f"Lead {i:03d}")

    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            table = app.screen.query_one(LeadTable)
            assert table.total == 250
            assert set(table._pages) == {0}  # only the first page was read
            await press(pilot, "end")
            assert table.current is not None
            assert table.current.name == "Lead 249"
            assert 2 in table._pages
            assert 1 not in table._pages

    run(scenario())
    with session_scope(tui_engine, write=False) as s:
        assert len(list(s.exec(select(Lead.id)))) == 250


def test_board_starts_on_the_open_lead(
    make_app: AppFactory, tui_engine: Engine, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            # Mark is in "contacted", the board's third column; the first one has focus
            # when nothing is open.
            await open_lead(pilot, app, "reyes")
            await press(pilot, "3")
            board = app.screen
            assert isinstance(board, BoardScreen)
            assert board.current_lead_id() == seeded["mark"]
            focused = board.query(OptionList).filter(".board-list")
            assert [o.has_focus for o in focused] == [False, False, True, False]
            # The keys act on it: ] moves Mark on, and the highlight follows him.
            await press(pilot, "right_square_bracket")
            assert stage_of(tui_engine, seeded["mark"]) == "nurturing"
            assert board.current_lead_id() == seeded["mark"]
            # From Today's agenda too (the first line is An's overdue follow-up).
            await press(pilot, "1")
            assert isinstance(app.screen, TodayScreen)
            await press(pilot, "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            assert app.screen.lead_id == seeded["an"]
            await press(pilot, "3")
            assert app.screen is board
            assert board.current_lead_id() == seeded["an"]
            assert stage_of(tui_engine, seeded["an"]) == "new"
            # A card opened from the board and moved there: back on the board, it is
            # highlighted in its new column.
            await press(pilot, "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            await press(pilot, "right_square_bracket")
            await press(pilot, "3")
            assert app.screen is board
            assert stage_of(tui_engine, seeded["an"]) == "qualified"
            assert board.current_lead_id() == seeded["an"]

    run(scenario())


def test_board_without_an_open_lead_starts_on_the_first_column(
    make_app: AppFactory, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "2", "down", "down")  # a highlighted row is not an open lead
            await press(pilot, "3")
            board = app.screen
            assert isinstance(board, BoardScreen)
            first = board.query(OptionList).filter(".board-list").first()
            assert first.has_focus
            assert first.highlighted == 0

    run(scenario())


def test_mode_keys_land_on_the_main_screen(make_app: AppFactory, seeded: dict[str, int]) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            assert isinstance(app.screen, TodayScreen)
            await press(pilot, "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            await press(pilot, "3")
            assert isinstance(app.screen, BoardScreen)
            await press(pilot, "1")
            assert isinstance(app.screen, TodayScreen)
            assert "Overdue follow-ups" in screen_text(app)
            assert app.screen_stack == [app.screen]
            # The same key in the same mode closes the lead too.
            await press(pilot, "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            await press(pilot, "1")
            assert isinstance(app.screen, TodayScreen)
            # The list and the board alike.
            await open_lead(pilot, app, "maria")
            await press(pilot, "2")
            assert isinstance(app.screen, LeadsScreen)
            await press(pilot, "3", "enter")
            assert isinstance(app.screen, LeadDetailScreen)
            await press(pilot, "2")
            assert isinstance(app.screen, LeadsScreen)
            await press(pilot, "3")
            assert isinstance(app.screen, BoardScreen)
            # The reports screen closes as well.
            await press(pilot, "R")
            await press(pilot, "3")
            assert isinstance(app.screen, BoardScreen)
            assert app.screen_stack == [app.screen]

    run(scenario())


def test_a_mode_command_leaves_an_open_form_alone(
    make_app: AppFactory, seeded: dict[str, int]
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            await press(pilot, "a")
            assert isinstance(app.screen, FormScreen)
            await press(pilot, *"Half typed")
            form = app.screen
            app.action_goto("board")  # what the command palette's Board command runs
            await pilot.pause()
            assert app.screen is form
            assert form.values()["name"] == "Half typed"

    run(scenario())


def test_birthday_reads_as_in_the_cli(
    db_url: str, cli: Callable[..., Any], make_app: AppFactory
) -> None:
    assert cli("add", "Lilit", "--birthday", "12-01").exit_code == 0
    assert cli("add", "Maria", "--birthday", "1986-11-27").exit_code == 0
    shown = {name: cli("show", name).stdout for name in ("Lilit", "Maria")}
    assert "1 December (year unknown)" in shown["Lilit"]
    assert "27 November 1986" in shown["Maria"]
    engine = open_database(db_url, now=NOW)

    async def scenario() -> None:
        app = ProspectrApp(engine=engine, db_label=db_url, clock=lambda: NOW, blink=False)
        async with started(app) as pilot:
            await open_lead(pilot, app, "lilit")
            text = screen_text(app)
            assert "Birthday" in text
            assert "1 December (year unknown)" in text
            assert "--12-01" not in text
            await open_lead(pilot, app, "maria")
            text = screen_text(app)
            assert "27 November 1986" in text
            assert "1986-11-27" not in text

    try:
        run(scenario())
    finally:
        engine.dispose()


def test_lead_fields_keep_their_columns_apart(make_app: AppFactory, seeded: dict[str, int]) -> None:
    labels = ("Source", "Stage since", "Last contact", "Created", "Birthday")

    async def scenario() -> None:
        app = make_app()
        async with started(app) as pilot:
            for name in ("reyes", "facebook"):  # short values: walk-in, facebook, demo
                await open_lead(pilot, app, name)
                lines = screen_text(app).splitlines()
                fields = [ln for ln in lines if any(f" {label} " in ln for label in labels)]
                assert fields
                for line in fields:
                    for label in labels:
                        at = line.find(label, 2)
                        if at > 2:
                            assert line[at - 2 : at] == "  ", line
            assert any(re.search(r"2026-12-04 +demo  +open", ln) for ln in lines)

    run(scenario())
