"""The TUI shows hostile stored text literally: markup as typed, no escape byte on screen."""

from __future__ import annotations

import sqlite3
import unicodedata
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from prospectr.db import open_database

from .test_escapes import ESCAPES, HOSTILE_NOTE, INVISIBLE_CHARS

pytestmark = pytest.mark.sqlite_only

NAME = "Boss [bold red]Raw[/] " + ESCAPES[0] + ESCAPES[1] + " \u202eevil\u202c A\u200bB"


def _hostile_engine(path: Path) -> Any:
    engine = open_database(f"sqlite:///{path}")
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(
            "INSERT INTO lead (id, name, name_key, company, stage_id, budget, authority, need,"
            " timeline, do_not_contact, search_text, created_at, updated_at)"
            " VALUES (1, ?, 'boss', ?, 1, 'yes', 'unknown', 'yes', 'yes', 0, 'boss raw',"
            " '2026-11-01 09:00:00', '2026-11-01 09:00:00')",
            (NAME, "Co" + ESCAPES[2] + "[link=http://evil.example]click[/link]"),
        )
        conn.execute(
            "INSERT INTO interaction (lead_id, kind, at, text) VALUES (1, 'call', ?, ?)",
            ("2026-11-20 10:00:00", HOSTILE_NOTE),
        )
        conn.commit()
    return engine


def _check(screen: str) -> None:
    assert "\x1b" not in screen
    assert "\x9b" not in screen
    assert not INVISIBLE_CHARS & set(screen)
    controls = [ch for ch in screen if unicodedata.category(ch) == "Cc" and ch != "\n"]
    assert controls == []


def test_tui_lists_and_details_render_hostile_text_literally(tmp_path: Path) -> None:
    pytest.importorskip("prospectr.tui.app")
    from prospectr.tui.app import ProspectrApp
    from prospectr.tui.screens.detail import LeadDetailScreen

    from ..tui.conftest import NOW, run, screen_text, settle

    engine = _hostile_engine(tmp_path / "prospectr.db")
    seen: dict[str, str] = {}

    async def scenario() -> None:
        app = ProspectrApp(engine=engine, db_label="test", clock=lambda: NOW, blink=False)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            seen["list"] = screen_text(app)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, LeadDetailScreen)
            seen["detail"] = screen_text(app)

    try:
        run(scenario())
    finally:
        engine.dispose()
    for where, screen in seen.items():
        _check(screen)
        assert "[bold red]Raw[/]" in screen, where
    assert "[link=http://evil.example]click[/link]" in seen["detail"]
    assert "[bold red]Boss[/]" in seen["detail"]  # from the note
