"""Every key of every screen (read from the bindings themselves) and the database path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from prospectr.tui.widgets.text import lit

if TYPE_CHECKING:
    from prospectr.tui.app import ProspectrApp

KEY_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "dollar_sign": "$",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "Esc",
    "enter": "Enter",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "backspace": "Backspace",
}


def key_label(binding: Binding) -> str:
    """How a binding's keys read: ``up,k`` -> ``up/k``."""
    keys = [KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(",")]
    if binding.key_display:
        keys[0] = binding.key_display
    return "/".join(dict.fromkeys(keys))


def key_rows(
    bindings: Iterable[BindingType], skip: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """(keys, what) for each binding that has a description (actions in ``skip`` left out)."""
    rows = []
    for b in bindings:
        if isinstance(b, Binding) and b.description and b.action not in skip:
            rows.append((key_label(b), b.tooltip or b.description))
    return rows


def sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """The help content, one section per screen."""
    from prospectr.tui.app import ProspectrApp
    from prospectr.tui.screens.board import BoardScreen
    from prospectr.tui.screens.detail import LeadDetailScreen
    from prospectr.tui.screens.lead_actions import LEAD_BINDINGS
    from prospectr.tui.screens.leads import LeadsScreen
    from prospectr.tui.screens.qualify import QualifyScreen
    from prospectr.tui.screens.today import TodayScreen
    from prospectr.tui.widgets.lead_table import LeadTable

    everywhere = [
        (key_label(b), b.description) for b in ProspectrApp.BINDINGS if isinstance(b, Binding)
    ]
    everywhere.append(("ctrl+p", "Command palette: every action by name, themes"))
    lead = frozenset(b.action for b in LEAD_BINDINGS)
    return [
        ("Everywhere", everywhere),
        ("On a lead (today, list, board, detail)", key_rows(LEAD_BINDINGS)),
        ("Today", key_rows(TodayScreen.BINDINGS, lead)),
        ("Leads", key_rows([*LeadsScreen.BINDINGS, *LeadTable.BINDINGS], lead)),
        ("Lead detail", key_rows(LeadDetailScreen.BINDINGS, lead)),
        ("Board", key_rows(BoardScreen.BINDINGS, lead - {"step(1)", "step(-1)"})),
        ("Qualify (BANT)", key_rows(QualifyScreen.BINDINGS)),
        ("Forms", [("Tab", "Next field"), ("Enter/ctrl+s", "Save"), ("Esc", "Cancel")]),
    ]


def render_sections(parts: Sequence[tuple[str, list[tuple[str, str]]]]) -> RenderableType:
    """Sections as key tables."""
    blocks: list[RenderableType] = []
    for title, rows in parts:
        table = Table.grid(padding=(0, 2))
        table.add_column(min_width=12, style="bold")
        table.add_column(ratio=1)
        seen: set[str] = set()
        for keys, what in rows:
            if keys in seen:
                continue
            seen.add(keys)
            table.add_row(Text(keys), Text(what))
        blocks.extend([Text(title, style="bold underline"), table, Text("")])
    return Group(*blocks)


class HelpScreen(ModalScreen[None]):
    """All keys; ? or Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        app = cast("ProspectrApp", self.app)
        with Vertical(id="help-box"):
            yield Static(
                Text.assemble(("Keys", "bold"), "   Database: ", lit(app.db_path)),
                id="help-title",
            )
            with VerticalScroll(id="help-body"):
                yield Static(render_sections(sections()))
            yield Static(
                Text(
                    "i imports a CSV, vCard or JSON file (Enter previews it, ctrl+s imports);"
                    " from the shell: prospectr import FILE. Esc closes.",
                    style="dim",
                ),
                id="help-foot",
            )

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
