"""The prospectr workspace: Today, Leads and Board modes over one engine.

The app holds an engine, never a session: every action opens a short
``session_scope`` and closes it before the event ends. Reads that can take
time run in thread workers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from prospectr import config
from prospectr.db import session_scope, translate_db_error
from prospectr.errors import ProspectrError
from prospectr.tui.screens.board import BoardScreen
from prospectr.tui.screens.leads import LeadsScreen
from prospectr.tui.screens.today import TodayScreen

T = TypeVar("T")

REPORTS_MODULE = "prospectr.tui.screens.reports"


class ProspectrApp(App[None]):
    """Keyboard-first workspace: today's agenda, the lead list, the pipeline board."""

    TITLE = "prospectr"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True

    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "today": TodayScreen,
        "leads": LeadsScreen,
        "board": BoardScreen,
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "goto('today')", "Today", show=False),
        Binding("2", "goto('leads')", "Leads", show=False),
        Binding("3", "goto('board')", "Board", show=False),
        Binding("R", "reports", "Reports"),
        Binding("a", "add_lead", "Add"),
        Binding("i", "import_file", "Import", show=False),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    # Actions that make no sense while a modal form is open.
    _SCREEN_LEVEL = frozenset(
        {"goto", "reports", "add_lead", "import_file", "refresh", "help", "quit"}
    )

    def __init__(
        self,
        *,
        engine: Engine,
        db_label: str,
        clock: Callable[[], datetime] | None = None,
        blink: bool = True,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.db_label = db_label
        self.clock: Callable[[], datetime] = clock or config.now
        # Input cursors blink unless turned off (snapshots need still frames).
        self.blink = blink
        self.startup_agenda: Any = None

    # --- clock and database ---------------------------------------------------------

    def now(self) -> datetime:
        """The current time (frozen in tests)."""
        return self.clock()

    def today(self) -> date:
        """Today's date (frozen in tests)."""
        return self.clock().date()

    @property
    def db_path(self) -> str:
        """The database file (or URL) for people to read."""
        from prospectr.server import shown

        path = config.sqlite_path(self.db_label)
        return str(path) if path is not None else shown(self.db_label)

    @contextmanager
    def unit(self, *, write: bool = True) -> Iterator[Session]:
        """One short unit of work."""
        with session_scope(self.engine, write=write) as session:
            yield session

    def guard(self, fn: Callable[[], T]) -> T | None:
        """Run ``fn``; show a ProspectrError or database error as a notification."""
        try:
            return fn()
        except ProspectrError as exc:
            self.error(str(exc))
        except SQLAlchemyError as exc:
            self.error(str(translate_db_error(exc)))
        return None

    def error(self, message: str) -> None:
        """Show an error (literal text)."""
        self.notify(message, severity="error", markup=False)

    def say(self, message: str) -> None:
        """Show a short confirmation (literal text)."""
        self.notify(message, markup=False, timeout=4)

    # --- start ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._choose_first_screen()

    @work(thread=True, exit_on_error=False)
    def _choose_first_screen(self) -> None:
        """Today first when anything is due, else the lead list."""
        from prospectr.domain import agenda

        try:
            with self.unit(write=False) as s:
                result = agenda(s, today=self.today())
        except (ProspectrError, SQLAlchemyError) as exc:
            self.call_from_thread(self.error, str(exc))
            self.call_from_thread(self._start_in, "leads")
            return
        self.startup_agenda = result
        self.call_from_thread(self._start_in, "leads" if result.empty else "today")

    def _start_in(self, mode: str) -> None:
        self.switch_mode(mode)

    # --- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in self._SCREEN_LEVEL and isinstance(self.screen, ModalScreen))

    def action_goto(self, mode: str) -> None:
        """Show the main screen of the today, leads or board mode.

        Screens opened on top of a mode (a lead's detail, the reports) close on the
        way out, so a mode key always lands on the agenda, the list or the board.
        The lead open in a detail stays the current one: the board highlights it.
        """
        from prospectr.tui.screens.base import ProspectrScreen
        from prospectr.tui.screens.detail import LeadDetailScreen

        if any(isinstance(screen, ModalScreen) for screen in self.screen_stack):
            return  # a form or question is open (the palette can get here): it stays
        here = self.screen
        lead_id = here.lead_id if isinstance(here, LeadDetailScreen) else None
        if self.current_mode == mode and len(self.screen_stack) <= 1:
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if self.current_mode != mode:
            self.switch_mode(mode)
        main = self.screen
        if lead_id is not None and isinstance(main, ProspectrScreen):
            main.show_lead(lead_id)

    def action_refresh(self) -> None:
        """Reload the screen from the database (shows changes made by the CLI)."""
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()
        self.say("refreshed")

    def action_add_lead(self) -> None:
        """Open the add-lead form; open the new lead's detail after saving."""
        from prospectr.tui.screens.lead_form import add_lead_form

        self.push_screen(add_lead_form(self), self._after_add)

    def _after_add(self, result: Any) -> None:
        from prospectr.tui.screens.detail import LeadDetailScreen
        from prospectr.tui.screens.form import OpenLead

        if isinstance(result, OpenLead):
            self.push_screen(LeadDetailScreen(result.lead_id))
        reload = getattr(self.screen, "reload", None)
        if callable(reload):
            reload()

    def action_import_file(self) -> None:
        """Open the import screen: preview a file (a dry run), then import it."""
        from prospectr.tui.screens.import_file import ImportScreen

        if any(isinstance(screen, ModalScreen) for screen in self.screen_stack):
            return  # a form or question is open (the palette can get here): it stays
        self.push_screen(ImportScreen())

    def action_help(self) -> None:
        """Show every key and the database path."""
        from prospectr.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def action_reports(self) -> None:
        """Open the reports screen."""
        try:
            module = importlib.import_module(REPORTS_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name != REPORTS_MODULE:
                raise
            self.notify("Reports are not available yet", severity="warning", markup=False)
            return
        if isinstance(self.screen, module.ReportsScreen):
            return  # already there (the palette can ask again): R on the screen reloads it
        self.push_screen(module.ReportsScreen(engine=self.engine, today=self.today()))

    # --- command palette ---------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Today", "Birthdays, due follow-ups, hot leads (1)", self._goto("today")
        )
        yield SystemCommand(
            "Leads", "The lead list with search and filters (2)", self._goto("leads")
        )
        yield SystemCommand("Board", "The pipeline board (3)", self._goto("board"))
        yield SystemCommand("Reports", "Sources, stages, stale leads (R)", self.action_reports)
        yield SystemCommand("Add lead", "Capture a new lead (a)", self.action_add_lead)
        yield SystemCommand(
            "Import", "Import a CSV, vCard or JSON file (i)", self.action_import_file
        )
        yield SystemCommand("Refresh", "Reload from the database (r)", self.action_refresh)
        yield SystemCommand("Help", "Every key, and the database path (?)", self.action_help)
        for binding in getattr(type(screen), "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description:
                yield SystemCommand(
                    binding.tooltip or binding.description,
                    f"{binding.description} ({binding.key_display or binding.key})",
                    self._screen_action(screen, binding.action),
                )
        yield from super().get_system_commands(screen)

    def _goto(self, mode: str) -> Callable[[], None]:
        return lambda: self.action_goto(mode)

    @staticmethod
    def _screen_action(screen: Screen[Any], action: str) -> Callable[[], Any]:
        return lambda: screen.run_action(action)
