"""Choose one item from a short list (a stage to move to, for instance)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from prospectr.tui.widgets.text import lit


class PickScreen(ModalScreen[str | None]):
    """A list of (value, label) choices; Enter picks, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str = "") -> None:
        super().__init__(classes="form-screen")
        self.title_text = title
        self.choices = list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box", classes="pick-box"):
            yield Static(lit(self.title_text, "bold"), id="form-title")
            yield OptionList(
                *[Option(lit(label), id=value) for value, label in self.choices], id="pick-list"
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        for i, (value, _) in enumerate(self.choices):
            if value == self.current:
                options.highlighted = i
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
