"""BANT in four keystrokes: y / n / ? for budget, authority, need and timeline."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from prospectr.domain.bant import BANT
from prospectr.errors import ProspectrError
from prospectr.tui.widgets.text import lit

QUESTIONS = {
    "budget": "Budget: can and will they spend money?",
    "authority": "Authority: do they make the decision?",
    "need": "Need: do they have a problem the product solves?",
    "timeline": "Timeline: ready to buy now; is there urgency?",
}
ANSWER_STYLE = {"yes": "bold green", "no": "bold red", "unknown": "dim"}


class QualifyScreen(ModalScreen[str | None]):
    """Answer the four questions; ``submit(answers)`` applies them and returns a summary."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('yes')", "Yes"),
        Binding("n", "answer('no')", "No"),
        Binding("question_mark,u", "answer('unknown')", "Unknown", key_display="?"),
        Binding("enter", "keep", "Keep"),
        Binding("backspace,left", "back", "Back"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        name: str,
        current: Mapping[str, str],
        notes: Mapping[str, str | None],
        submit: Callable[[dict[str, str]], str],
    ) -> None:
        super().__init__(classes="form-screen")
        self.lead_name = name
        self.answers = {k: current.get(k, "unknown") for k in BANT}
        self.notes = dict(notes)
        self.submit = submit
        self.step = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="qualify-box"):
            yield Static(lit(f"Qualify {self.lead_name}", "bold"), id="form-title")
            yield Static(id="qualify-questions")
            yield Static(
                "y yes   n no   ? unknown   Enter keep   ← back   Esc cancel", id="qualify-keys"
            )
            yield Static("", id="form-error")

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        self._draw()

    def _draw(self) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_column(width=1)
        table.add_column(ratio=1)
        table.add_column(width=7)
        for i, key in enumerate(BANT):
            marker = "▶" if i == self.step else ""
            question = Text(QUESTIONS[key], style="bold" if i == self.step else "")
            note = self.notes.get(key)
            if note:
                question.append("\n")
                question.append_text(lit(note, "italic dim"))
            answer = self.answers[key]
            table.add_row(marker, question, Text(answer, ANSWER_STYLE.get(answer, "")))
        self.query_one("#qualify-questions", Static).update(table)

    def action_answer(self, value: str) -> None:
        self.answers[BANT[self.step]] = value
        self._advance()

    def action_keep(self) -> None:
        self._advance()

    def action_back(self) -> None:
        self.step = max(0, self.step - 1)
        self._draw()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _advance(self) -> None:
        if self.step < len(BANT) - 1:
            self.step += 1
            self._draw()
            return
        try:
            message = self.submit(dict(self.answers))
        except ProspectrError as exc:
            error = self.query_one("#form-error", Static)
            error.update(lit(str(exc)))
            error.display = True
            return
        self.dismiss(message)
