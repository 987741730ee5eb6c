"""Today: birthdays coming up, overdue and due follow-ups, hot leads with no next step."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from prospectr import domain
from prospectr.domain.reminders import Agenda
from prospectr.errors import ProspectrError
from prospectr.tui.screens.base import NavBar, ProspectrScreen
from prospectr.tui.screens.lead_actions import lead_bindings
from prospectr.tui.screens.leads import LeadHints
from prospectr.tui.widgets.lead_table import StopOptionList
from prospectr.tui.widgets.text import lit

NAME_WIDTH = 24


def _row(when: str, name: str, detail: Text | str = "", style: str = "") -> Text:
    who = lit(name, "bold")
    who.truncate(NAME_WIDTH, overflow="ellipsis", pad=True)
    line = Text.assemble(Text(f"{when:<11}", style=style), who, " ")
    line.append_text(detail if isinstance(detail, Text) else lit(detail))
    return line


def _header(a: Agenda, section: str, title: str) -> Option:
    """A section title with how many items it has in all (its list may be cut)."""
    total = a.totals.get(section, len(getattr(a, section)))
    return Option(Text.assemble((title, "bold underline"), (f"  {total:,}", "dim")), disabled=True)


def _more(a: Agenda, section: str) -> list[Option]:
    """A note under a cut section: how many items are not listed, and where to see them."""
    hidden = a.more(section)
    if not hidden:
        return []
    note = Text(f"{'':<11}… and {hidden:,} more: press 2 for the list", style="dim italic")
    return [Option(note, disabled=True)]


def agenda_options(a: Agenda) -> list[Option]:
    """The agenda as list options; ids say what each line is (b/f/h, ids).

    Each section title shows the section's total; a section cut short ends with
    a note saying how many more there are.
    """
    options: list[Option] = []
    if a.overdue:
        options.append(_header(a, "overdue", "Overdue follow-ups"))
        for f, lead in a.overdue:
            late = (a.today - f.due).days
            detail = lit(f.text or "follow up")
            detail.append(f"  {late} day{'s' if late != 1 else ''} overdue", style="red")
            options.append(
                Option(
                    _row(f.due.isoformat(), domain.display_name(lead), detail, "red"),
                    id=f"f:{f.id}:{lead.id}",
                )
            )
        options.extend(_more(a, "overdue"))
    if a.due_today:
        options.append(_header(a, "due_today", "Due today"))
        for f, lead in a.due_today:
            options.append(
                Option(
                    _row("today", domain.display_name(lead), f.text or "follow up", "yellow"),
                    id=f"f:{f.id}:{lead.id}",
                )
            )
        options.extend(_more(a, "due_today"))
    if a.birthdays:
        options.append(_header(a, "birthdays", "Birthdays"))
        for i, b in enumerate(a.birthdays):
            when = "today" if b.in_days == 0 else b.on.strftime("%a %d %b")
            detail = Text(f"turns {b.turns}" if b.turns else "", style="bold magenta")
            if b.in_days:
                gap = "  " if b.turns else ""
                detail.append(
                    f"{gap}in {b.in_days} day{'s' if b.in_days != 1 else ''}", style="dim"
                )
            options.append(Option(_row(when, b.name, detail), id=f"b:{b.lead_id}:{i}"))
        options.extend(_more(a, "birthdays"))
    if a.hot:
        options.append(_header(a, "hot", "Hot, no next step"))
        for lead in a.hot:
            options.append(
                Option(
                    _row("", domain.display_name(lead), Text("hot — press f to plan", "red")),
                    id=f"h:{lead.id}",
                )
            )
        options.extend(_more(a, "hot"))
    return options


class TodayScreen(LeadHints, ProspectrScreen):
    """What needs attention now; x marks a follow-up done, z snoozes it."""

    MODE = "today"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Open the lead"),
        Binding("x", "done", "Done", tooltip="Mark the highlighted follow-up done"),
        Binding("z", "snooze", "Snooze", tooltip="Move the highlighted follow-up to another day"),
        *lead_bindings("followup"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.agenda: Agenda | None = None
        self._fresh = False

    def compose(self) -> ComposeResult:
        yield NavBar("today")
        yield Static("", id="today-title")
        yield StopOptionList(id="today-list")
        yield Static("", id="today-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#today-empty").display = False
        self.query_one(OptionList).focus()
        first: Any = self.papp.startup_agenda
        if first is not None:
            self.papp.startup_agenda = None
            self._fresh = True
            self._show(first)

    def reload(self) -> None:
        if self._fresh:  # the start-up agenda was just shown
            self._fresh = False
            return
        self._load()

    @work(thread=True, exclusive=True, group="today", exit_on_error=False)
    def _load(self) -> None:
        app = self.papp
        try:
            with app.unit(write=False) as s:
                result = domain.agenda(s, today=app.today())
        except (ProspectrError, SQLAlchemyError) as exc:
            self.app.call_from_thread(app.error, str(exc))
            return
        self.app.call_from_thread(self._show, result)

    def _show(self, a: Agenda) -> None:
        self.agenda = a
        options = self.query_one(StopOptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(agenda_options(a))
        options.highlight_nearest(keep or 0)
        self.query_one("#today-title", Static).update(
            Text.assemble(("Today ", "bold"), a.today.strftime("%A %d %B %Y"))
        )
        empty = self.query_one("#today-empty", Static)
        empty.display = a.empty
        options.display = not a.empty
        if a.empty:
            empty.update("Nothing due today.\n\n2  the lead list\n3  the pipeline board")

    # --- the highlighted line ------------------------------------------------------------

    def _current(self) -> tuple[str, list[int]] | None:
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            return None
        option_id = options.get_option_at_index(options.highlighted).id or ""
        kind, *ids = option_id.split(":")
        return kind, [int(x) for x in ids]

    def current_lead_id(self) -> int | None:
        current = self._current()
        if current is None:
            return None
        kind, ids = current
        return ids[1] if kind == "f" else ids[0]

    def after_change(self) -> None:
        self.reload()

    @on(OptionList.OptionSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        from prospectr.tui.screens.detail import LeadDetailScreen

        lead_id = self.current_lead_id()
        if lead_id is not None:
            self.app.push_screen(LeadDetailScreen(lead_id))

    def _followup_id(self) -> int | None:
        current = self._current()
        if current is None or current[0] != "f":
            self.hint_no_lead("highlight a follow-up first")
            return None
        return current[1][0]

    def action_done(self) -> None:
        followup_id = self._followup_id()
        if followup_id is not None:
            self.complete_followup(followup_id)

    def action_snooze(self) -> None:
        followup_id = self._followup_id()
        if followup_id is not None:
            self.snooze_followup(followup_id)
