"""The import screen (i): preview a file, import it, errors inline; screen and rows."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import func, select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from prospectr.db import session_scope
from prospectr.domain import importer
from prospectr.models import ImportBatch, ImportItem, Lead, LeadTag
from prospectr.tui.app import ProspectrApp
from prospectr.tui.screens import import_file as screen_module
from prospectr.tui.screens.help import HelpScreen
from prospectr.tui.screens.import_file import ImportScreen
from prospectr.tui.screens.leads import LeadsScreen

from .conftest import lead_named, press, run, screen_text, settle, started

AppFactory = Callable[..., ProspectrApp]
SIZE = (120, 40)

PEOPLE = (
    "Name,Email,Phone,Company\n"
    "Nguyễn Văn An,an@example.vn,+84 90 123 4567,Phở 24\n"
    "Ольга Смирнова,olga@example.ru,,ООО Ромашка\n"  # noqa: RUF001 (Cyrillic on purpose)
    "Mark [bold]Reyes[/bold],mark@example.com,,\n"
    "Bad Email,[red]not-an-email[/red],,\n"
)
NAMES = ("Nguyễn Văn An", "Ольга Смирнова", "Mark [bold]Reyes[/bold]")


@pytest.fixture
def people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CSV of three good rows (Vietnamese, Cyrillic, markup in a name) and one bad email.

    The tests run in its folder, so they type short relative paths (Pilot types slowly).
    """
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def counts(engine: Engine) -> tuple[int, int]:
    """(leads, import batches) in the database."""
    with session_scope(engine, write=False) as s:
        leads = s.exec(select(func.count()).select_from(Lead)).one()
        batches = s.exec(select(func.count()).select_from(ImportBatch)).one()
    return leads, batches


async def open_import(pilot: Pilot[Any], app: ProspectrApp, path: str = "") -> ImportScreen:
    """Press i, type ``path`` into the file field."""
    await press(pilot, "i")
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    assert screen.focused is screen.query_one("#import-path", Input)
    if path:
        await press(pilot, *path)
    return screen


def status(screen: ImportScreen) -> str:
    return str(screen.query_one("#import-status", Static).render())


def summary(screen: ImportScreen) -> str:
    """The summary as plain text (its long lines unwrapped)."""
    return str(screen.query_one("#import-report", Static).render())


def error_line(screen: ImportScreen) -> str:
    error = screen.query_one("#import-error", Static)
    return str(error.render()) if error.display else ""


async def until(pilot: Pilot[Any], ready: Callable[[], bool]) -> None:
    """Let the app run until ``ready()`` (workers may still be busy)."""
    for _ in range(500):
        if ready():
            return
        await pilot.pause(0.01)
    raise AssertionError("the screen never got there")


def test_preview_shows_the_dry_run_and_writes_nothing(
    make_app: AppFactory, tui_engine: Engine, people: Path
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app, SIZE) as pilot:
            screen = await open_import(pilot, app, people.name)
            await press(pilot, "enter")
            assert app.screen is screen
            text = screen_text(app)
            assert "dry run: nothing was written (people.csv: csv, utf-8)" in text
            assert "would import 3, merge 0, skip 0, reject 1 (4 records)" in text
            assert "rejected: 1 invalid email" in text
            assert "line 5: invalid email: '[red]not-an-email[/red]'" in text
            for column, target in (("Name", "name"), ("Email", "email"), ("Company", "company")):
                assert f"  {column} -> {target}" in text
            assert "first rows as they would be stored:" in text
            assert "Nguyễn Văn An | an@example.vn | +84 90 123 4567 | Phở 24 | [new]" in text
            assert "Ольга Смирнова | olga@example.ru | ООО Ромашка | [new]" in text  # noqa: RUF001
            # Markup in a name is the name: shown with its brackets, not as bold.
            assert "Mark [bold]Reyes[/bold] | mark@example.com | [new]" in text
            assert "ctrl+s imports" in status(screen)
            assert error_line(screen) == ""
        assert counts(tui_engine) == (0, 0)
        assert not (people.parent / "people.rejects.csv").exists()

    run(scenario())


def test_import_writes_the_rows_and_shows_the_batch(
    make_app: AppFactory, tui_engine: Engine, people: Path
) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app, SIZE) as pilot:
            assert isinstance(app.screen, LeadsScreen)
            assert "No leads yet." in screen_text(app)
            screen = await open_import(pilot, app, people.name)
            await press(pilot, "tab", *"phone", "tab", *"Fair", "enter")
            assert "would import 3," in screen_text(app)
            assert counts(tui_engine) == (0, 0)
            await press(pilot, "ctrl+s")
            assert app.screen is screen
            text = summary(screen)
            rejects = people.parent / "people.rejects.csv"
            assert "batch #1 (people.csv: csv, utf-8)" in text
            assert "imported 3, merged 0, skipped 0, rejected 1 (4 records)" in text
            assert f"rejected: 1 invalid email (written to {rejects})" in text
            assert "undo with: prospectr import undo 1" in text
            assert "imported as batch #1" in status(screen)
            assert counts(tui_engine) == (3, 1)
            assert "invalid email" in rejects.read_text(encoding="utf-8-sig")
            below = app.screen_stack[-2]  # the list behind reloaded already
            assert isinstance(below, LeadsScreen)
            assert below.total_leads == 3

            # ctrl+s again does not import the same file twice by mistake.
            await press(pilot, "ctrl+s")
            assert "people.csv was just imported (batch #1)" in error_line(screen)
            assert counts(tui_engine) == (3, 1)

            await press(pilot, "escape")
            assert isinstance(app.screen, LeadsScreen)
            text = screen_text(app)
            assert "3 of 3 leads" in text
            for name in NAMES:
                assert name in text
        with session_scope(tui_engine, write=False) as s:
            leads = {lead.id: lead for lead in s.exec(select(Lead))}
            created = s.exec(select(ImportItem.lead_id).where(ImportItem.batch_id == 1)).all()
            tags = s.exec(select(LeadTag.lead_id, LeadTag.tag)).all()
        assert sorted(str(leads[i].name) for i in created) == sorted(NAMES)
        assert {lead.name: lead.source for lead in leads.values()} == dict.fromkeys(NAMES, "fair")
        assert sorted(tags) == sorted((i, "phone") for i in leads)

    run(scenario())


def test_on_duplicate_choice_reaches_the_import(
    make_app: AppFactory, tui_engine: Engine, people: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.csv"
    again.write_text("Name,Email,City\nOlga S.,olga@example.ru,Kazan\n", encoding="utf-8")

    async def scenario() -> None:
        app = make_app()
        async with started(app, SIZE) as pilot:
            await open_import(pilot, app, people.name)
            await press(pilot, "ctrl+s")
            await press(pilot, "escape")
            screen = await open_import(pilot, app, again.name)
            await press(pilot, "enter")
            assert "would import 0, merge 0, skip 1, reject 0 (1 record)" in screen_text(app)
            # Duplicates: skip -> merge (skip, update, merge), then preview and import.
            await press(pilot, "tab", "tab", "tab", "enter", "down", "down", "enter")
            assert "changed since the preview" in status(screen)
            await press(pilot, "shift+tab", "shift+tab", "shift+tab", "enter")
            assert "would import 0, merge 1, skip 0, reject 0 (1 record)" in screen_text(app)
            await press(pilot, "ctrl+s")
            assert "imported 0, merged 1, skipped 0, rejected 0 (1 record)" in screen_text(app)
        lead = lead_named(tui_engine, "Ольга Смирнова")
        assert lead is not None
        assert lead.city == "Kazan"
        assert counts(tui_engine) == (3, 2)

    run(scenario())


def test_a_missing_file_is_said_under_the_field(
    make_app: AppFactory, tui_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))

    async def scenario() -> None:
        app = make_app()
        async with started(app, SIZE) as pilot:
            screen = await open_import(pilot, app, "~/nope.csv")
            hint = screen.query_one("#import-path-hint", Static)
            assert hint.display
            assert hint.has_class("-error")
            assert str(hint.render()) == f"no such file: {tmp_path / 'nope.csv'}"
            assert "no such file:" in screen_text(app)  # long paths wrap under the field
            await press(pilot, "enter")
            assert app.screen is screen
            assert screen.report is None
            assert not screen.busy
            # Once the file is there, ~ is expanded and the hint says to what.
            (tmp_path / "nope.csv").write_text(PEOPLE, encoding="utf-8")
            await press(pilot, "backspace", "v")
            assert not hint.has_class("-error")
            assert str(tmp_path / "nope.csv") in str(hint.render())
            await press(pilot, "enter")
            assert "would import 3," in screen_text(app)
        assert counts(tui_engine) == (0, 0)

    run(scenario())


def test_a_file_the_domain_refuses_is_one_error_line(
    make_app: AppFactory, tui_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("  \n", encoding="utf-8")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")

    async def scenario() -> None:
        app = make_app()
        async with started(app, SIZE) as pilot:
            screen = await open_import(pilot, app, empty.name)
            await press(pilot, "enter")
            assert error_line(screen) == "empty.csv is empty"
            assert "Traceback" not in screen_text(app)
            assert not screen.busy
            await press(pilot, "ctrl+s")
            assert error_line(screen) == "empty.csv is empty"
            assert "rolled back" in status(screen)
            screen.query_one("#import-path", Input).value = str(binary)
            await press(pilot, "enter")
            assert error_line(screen) == "photo.csv is not a text file (binary data)"
            assert app.screen is screen
        assert counts(tui_engine) == (0, 0)

    run(scenario())


def test_i_is_ignored_while_a_modal_is_open(make_app: AppFactory) -> None:
    async def scenario() -> None:
        app = make_app()
        async with started(app, SIZE) as pilot:
            await press(pilot, "question_mark")
            assert isinstance(app.screen, HelpScreen)
            await press(pilot, "i")
            assert isinstance(app.screen, HelpScreen)
            await press(pilot, "escape")
            screen = await open_import(pilot, app)
            await press(pilot, "tab", "tab", "tab", "tab")  # to the Preview button
            await press(pilot, "i")
            assert app.screen is screen
            assert sum(isinstance(s, ImportScreen) for s in app.screen_stack) == 1
            await press(pilot, "escape")
            assert isinstance(app.screen, LeadsScreen)

    run(scenario())


def test_the_screen_answers_while_the_import_works(
    make_app: AppFactory, tui_engine: Engine, people: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import runs in a worker: progress shows, keys work, Esc waits for a real import."""
    release = threading.Event()

    def slow_import(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        if progress is not None:
            progress(500, 1000)
        release.wait(10)
        return importer.import_file(*args, progress=progress, **kwargs)

    monkeypatch.setattr(screen_module, "import_file", slow_import)

    async def scenario() -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = await open_import(pilot, app, people.name)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "500 of 1,000 records" in status(screen))
            assert status(screen) == "importing: 500 of 1,000 records"
            assert screen.busy
            await pilot.press("tab", *"typed")
            await pilot.pause()
            assert screen.query_one("#import-tag", Input).value == "typed"
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen  # a real import finishes before the screen closes
            assert "importing: the summary comes when it is done" in status(screen)
            release.set()
            await until(pilot, lambda: not screen.busy)
            await settle(pilot)
            assert "imported 3, merged 0, skipped 0, rejected 1" in screen_text(app)
            assert counts(tui_engine) == (3, 1)

            # A preview stops when the screen closes; it never writes.
            release.clear()
            await press(pilot, "escape")
            screen = await open_import(pilot, app, people.name)
            await pilot.press("enter")
            await until(pilot, lambda: "previewing: 500 of 1,000" in status(screen))
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, LeadsScreen)
            release.set()
            await asyncio.sleep(0.05)
            await settle(pilot)
        assert counts(tui_engine) == (3, 1)

    run(scenario())
