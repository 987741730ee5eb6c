"""A modal form: labelled fields, the domain's messages inline, Enter to save.

Each field may carry a ``check`` (a domain call) that runs as you type: it
returns a hint (such as the date a word means) or raises a ProspectrError whose
text is shown under the field. Saving calls ``submit`` with the values; the
domain validates again and its error stays on screen. A duplicate-lead refusal
offers to open the existing lead or to save anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.exc import SQLAlchemyError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from prospectr.db import translate_db_error
from prospectr.errors import DuplicateLead, ProspectrError
from prospectr.tui.screens.base import text_input
from prospectr.tui.screens.confirm import ConfirmScreen
from prospectr.tui.widgets.text import lit


@dataclass
class Field:
    """One form field."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    check: Callable[[str], str] | None = None
    choices: Sequence[tuple[str, str]] = ()


@dataclass
class OpenLead:
    """The form's answer when the user chose to open an existing (duplicate) lead."""

    lead_id: int


Submit = Callable[[dict[str, str], bool], Any]


class FormScreen(ModalScreen[Any]):
    """A modal form that returns what ``submit`` returned, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        submit: Submit,
        *,
        save_label: str = "Save",
        intro: str = "",
        focus: str | None = None,
    ) -> None:
        super().__init__(classes="form-screen")
        self.title_text = title
        self.fields = list(fields)
        self.submit = submit
        self.save_label = save_label
        self.intro = intro
        self.focus_key = focus
        self.duplicate_id: int | None = None
        # The values the form opened with: Escape asks before throwing changes away.
        self.initial: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(lit(self.title_text, "bold"), id="form-title")
            if self.intro:
                yield Static(lit(self.intro), id="form-intro")
            with VerticalScroll(id="form-fields"):
                for field in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(lit(field.label), classes="form-label")
                        if field.choices:
                            yield Select(
                                [(lit(label), value) for value, label in field.choices],
                                value=field.value if field.value else Select.NULL,
                                allow_blank=True,
                                prompt="(any)",
                                compact=True,
                                id=f"f-{field.key}",
                            )
                        else:
                            yield text_input(
                                value=field.value,
                                placeholder=field.placeholder,
                                id=f"f-{field.key}",
                            )
                    yield Static("", classes="form-hint", id=f"h-{field.key}")
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Button(self.save_label, variant="primary", id="save", compact=True)
                yield Button("Open existing", id="open-existing", compact=True)
                yield Button("Save anyway", id="force", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#open-existing").display = False
        self.query_one("#force").display = False
        self.initial = self.values()
        for field in self.fields:
            if field.check and field.value:
                self._check(field, field.value)
        if self.focus_key is not None:
            self.query_one(f"#f-{self.focus_key}").focus()
        else:
            self.query(".form-row Input, .form-row Select").first().focus()

    # --- values and checks -----------------------------------------------------------

    def values(self) -> dict[str, str]:
        """The current value of every field (blank choice -> "")."""
        out: dict[str, str] = {}
        for field in self.fields:
            widget = self.query_one(f"#f-{field.key}")
            if isinstance(widget, Select):
                value = widget.value
                out[field.key] = "" if value is Select.NULL else str(value)
            elif isinstance(widget, Input):
                out[field.key] = widget.value
        return out

    def _check(self, field: Field, value: str) -> bool:
        hint = self.query_one(f"#h-{field.key}", Static)
        if field.check is None:
            return True
        try:
            message = field.check(value)
        except ProspectrError as exc:
            hint.update(lit(str(exc)))
            hint.set_class(True, "-error")
            hint.display = True
            return False
        hint.update(lit(message))
        hint.set_class(False, "-error")
        hint.display = bool(message)
        return True

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "")[2:]
        for field in self.fields:
            if field.key == key:
                self._check(field, event.value)
        self._hide_duplicate()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    # --- buttons ---------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#force")
    def _force_pressed(self) -> None:
        self._run(force=True)

    @on(Button.Pressed, "#open-existing")
    def _open_pressed(self) -> None:
        if self.duplicate_id is not None:
            self.dismiss(OpenLead(self.duplicate_id))

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @property
    def changed(self) -> bool:
        """True when a field differs from the value the form opened with."""
        return self.values() != self.initial

    def action_cancel(self) -> None:
        """Close without saving; ask first when something was typed or chosen."""
        if not self.changed:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard changes?", yes="Discard"), answered)

    def action_save(self) -> None:
        self._run(force=False)

    def _run(self, *, force: bool) -> None:
        values = self.values()
        bad = [f for f in self.fields if not self._check(f, values.get(f.key, ""))]
        if bad:
            self._error("")
            self.query_one(f"#f-{bad[0].key}").focus()
            return
        try:
            result = self.submit(values, force)
        except DuplicateLead as exc:
            self.duplicate_id = exc.existing_id
            self._error("Possible duplicate: " + str(exc))
            self.query_one("#open-existing").display = True
            self.query_one("#force").display = True
            self.query_one("#open-existing").focus()
            return
        except ProspectrError as exc:
            self._error(str(exc))
            return
        except SQLAlchemyError as exc:
            self._error(str(translate_db_error(exc)))
            return
        self.dismiss(result)

    def _error(self, message: str) -> None:
        error = self.query_one("#form-error", Static)
        error.update(lit(message))
        error.display = bool(message)

    def _hide_duplicate(self) -> None:
        if self.duplicate_id is not None:
            self.duplicate_id = None
            self.query_one("#open-existing").display = False
            self.query_one("#force").display = False
            self._error("")
