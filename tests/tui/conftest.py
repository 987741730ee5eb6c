"""TUI fixtures: a temp-file database, a fixed dataset, the app with a frozen clock.

The suite has no asyncio plugin: Pilot scenarios are ``async def`` functions run
with ``asyncio.run`` from plain tests (see ``run``).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import Engine
from sqlmodel import col, select
from textual.pilot import Pilot

from prospectr import domain
from prospectr.db import open_database, session_scope
from prospectr.models import Lead
from prospectr.tui.app import ProspectrApp

NOW = datetime(2026, 11, 24, 10, 0, 0)
TODAY: date = NOW.date()
# The path the help and the first-run screen show in snapshots (the real file is a temp one).
SHOWN_DB = "sqlite:////home/owner/.local/share/prospectr/prospectr.db"


def run(scenario: Awaitable[None]) -> None:
    """Run one Pilot scenario to the end."""
    asyncio.run(scenario)  # type: ignore[arg-type]


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@asynccontextmanager
async def started(
    app: ProspectrApp, size: tuple[int, int] = (120, 36)
) -> AsyncIterator[Pilot[Any]]:
    """The app running headless (notifications kept), once its first screen has settled."""
    async with app.run_test(size=size, notifications=True) as pilot:
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press ``keys``, then let the workers finish and the screen catch up."""
    await pilot.press(*keys)
    await settle(pilot)


def screen_text(app: ProspectrApp) -> str:
    """The visible screen as plain text (what a person reads)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


@pytest.fixture
def tui_engine(tmp_path: Path) -> Iterator[Engine]:
    """An empty database in a temp file (workers read it from other threads)."""
    engine = open_database(f"sqlite:///{tmp_path / 't.db'}", now=NOW)
    yield engine
    engine.dispose()


@pytest.fixture
def make_app(tui_engine: Engine) -> Callable[..., ProspectrApp]:
    """``make_app()``: the app on the temp database, frozen at 2026-11-24 10:00, no blink."""

    def factory(db_label: str = SHOWN_DB) -> ProspectrApp:
        return ProspectrApp(engine=tui_engine, db_label=db_label, clock=lambda: NOW, blink=False)

    return factory


def seed(engine: Engine) -> dict[str, int]:
    """The fixed dataset of the snapshots and flows; returns lead ids by short name."""
    ids: dict[str, int] = {}
    with session_scope(engine) as s:

        def add(key: str, days_ago: int = 0, **fields: Any) -> Lead:
            lead = domain.add_lead(s, now=NOW - timedelta(days=days_ago, hours=1), **fields)
            assert lead.id is not None
            ids[key] = lead.id
            return lead

        maria = add(
            "maria",
            3,
            name="Maria Santos",
            email="maria@example.com",
            phone="+63 917 123 4567",
            source="event",
            tags=["fair-2026"],
            birthday="1986-11-27",
            note="wants 3 cakes for December",
        )
        an = add("an", 10, name="Nguyễn Văn An", company="Phở 24", source="referral", city="Hà Nội")
        hanako = add("hanako", 20, name="田中 花子", company="東京商事", source="website")
        lilit = add("lilit", 5, name="Լիլիթ Հակոբյան", source="facebook", birthday="12-01")
        olga = add(
            "olga",
            40,
            name="Ольга Смирнова",
            company="ООО Ромашка",  # noqa: RUF001 (Cyrillic on purpose)
            source="referral",
        )
        mark = add("mark", 2, name="Mark [bold]Reyes[/bold]", source="walk-in")
        domain.qualify(
            s, hanako, now=NOW, answers={"budget": "yes", "need": "yes", "timeline": "yes"}
        )
        domain.qualify(s, olga, now=NOW, answers={"budget": "yes", "need": "yes"})
        domain.add_followup(
            s, an, due=TODAY - timedelta(days=4), now=NOW, text="call back about the menu"
        )
        domain.add_followup(s, olga, due=TODAY, now=NOW, text="send the price list")
        domain.add_followup(s, lilit, due=TODAY + timedelta(days=10), now=NOW, text="demo")
        domain.log_interaction(
            s,
            maria,
            kind="call",
            at=NOW - timedelta(days=1),
            text="Talked about the December order: three cakes, one with a photo print, "
            "delivery to the office before noon; she asked for a discount on the third cake "
            "and will confirm the flavours after talking to her sister.",
        )
        domain.record_sale(s, olga, amount="1250.00", on=TODAY - timedelta(days=1), now=NOW)
        stages = {st.key: st for st in domain.list_stages(s)}
        domain.move_lead(s, mark, stages["contacted"], now=NOW - timedelta(days=1))
        del lilit
    return ids


@pytest.fixture
def seeded(tui_engine: Engine) -> dict[str, int]:
    """The fixed dataset in the temp database."""
    return seed(tui_engine)


def lead_named(engine: Engine, name: str) -> Lead | None:
    """The lead with this exact name, read in a fresh session."""
    with session_scope(engine, write=False) as s:
        return s.exec(select(Lead).where(col(Lead.name) == name)).first()


RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
