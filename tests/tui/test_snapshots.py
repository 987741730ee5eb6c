"""Snapshots of each screen at 80x24 and 120x36: a fixed dataset, a frozen date, no blink.

Update after an intended change with ``pytest tests/tui --snapshot-update`` and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from prospectr.tui.app import ProspectrApp
from prospectr.tui.screens.detail import LeadDetailScreen

from .conftest import settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 36), id="120x36")]
AppFactory = Callable[..., ProspectrApp]
Snap = Callable[..., bool]


def keys(*presses: str) -> Callable[[Pilot[Any]], Any]:
    """A run_before that waits for data, presses keys, and waits again."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
class TestToday:
    def test_today(
        self, snap_compare: Snap, make_app: AppFactory, seeded: dict[str, int], size: Any
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES)
class TestLeads:
    def test_leads(
        self, snap_compare: Snap, make_app: AppFactory, seeded: dict[str, int], size: Any
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=keys("2"))

    def test_first_run(self, snap_compare: Snap, make_app: AppFactory, size: Any) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES)
class TestDetail:
    def test_detail(
        self, snap_compare: Snap, make_app: AppFactory, seeded: dict[str, int], size: Any
    ) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await keys("2")(pilot)
            pilot.app.push_screen(LeadDetailScreen(seeded["maria"]))
            await settle(pilot)

        assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
class TestBoard:
    def test_board(
        self, snap_compare: Snap, make_app: AppFactory, seeded: dict[str, int], size: Any
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=keys("3"))


@pytest.mark.parametrize("size", SIZES)
class TestForms:
    def test_add_form(
        self, snap_compare: Snap, make_app: AppFactory, seeded: dict[str, int], size: Any
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=keys("2", "a"))


@pytest.mark.parametrize("size", SIZES)
class TestHelp:
    def test_help(
        self, snap_compare: Snap, make_app: AppFactory, seeded: dict[str, int], size: Any
    ) -> None:
        assert snap_compare(make_app(), terminal_size=size, run_before=keys("2", "question_mark"))
