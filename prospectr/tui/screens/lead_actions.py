"""Actions on one lead, shared by every screen that has a current lead.

A screen mixes in :class:`LeadActions`, says which lead is current
(``current_lead_id``) and reloads itself after a change (``after_change``).
Every action is one short unit of work through the domain; forms and prompts
show the domain's errors where they happen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from prospectr import domain
from prospectr.domain.activity import get_followup
from prospectr.domain.text import plural
from prospectr.errors import InvalidInput
from prospectr.models import INTERACTION_KINDS, Stage
from prospectr.tui.screens.confirm import ConfirmScreen
from prospectr.tui.screens.form import Field, FormScreen
from prospectr.tui.screens.pick import PickScreen
from prospectr.tui.screens.qualify import QualifyScreen

if TYPE_CHECKING:
    from prospectr.tui.app import ProspectrApp

LEAD_BINDINGS = [
    Binding("e", "edit_lead", "Edit", show=False, tooltip="Edit the lead's fields"),
    Binding("b", "qualify", "BANT", show=False, tooltip="Answer the four BANT questions (y/n/?)"),
    Binding("c", "log('call')", "Call", show=False, tooltip="Log a call"),
    Binding("n", "log('note')", "Note", show=False, tooltip="Add a note or another contact"),
    Binding("f", "followup", "Follow-up", show=False, tooltip="Schedule a follow-up"),
    Binding("dollar_sign", "sale", "Sale", show=False, key_display="$", tooltip="Record a sale"),
    Binding(
        "right_square_bracket",
        "step(1)",
        "Next stage",
        show=False,
        key_display="]",
        tooltip="Move to the next stage",
    ),
    Binding(
        "left_square_bracket",
        "step(-1)",
        "Prev stage",
        show=False,
        key_display="[",
        tooltip="Move to the previous stage",
    ),
    Binding("m", "move", "Move", show=False, tooltip="Move to any stage (lost, not-now…)"),
    Binding("d", "delete", "Delete", show=False, tooltip="Delete the lead (asks first)"),
]


def lead_bindings(*shown: str) -> list[Binding]:
    """The lead actions, with the ones named by action shown in the footer."""
    return [replace(b, show=b.action in shown) for b in LEAD_BINDINGS]


def date_check(app: ProspectrApp, *, required: bool = True, past: bool = False) -> Any:
    """A live check showing the date a typed word means (the domain's parser).

    ``past`` for when something happened (see ``parse_date``).
    """

    def check(value: str) -> str:
        if not value.strip() and not required:
            return ""
        when = domain.parse_date(value, app.today(), past=past)
        if past and when > app.today():
            raise InvalidInput(f"{when.strftime('%A %Y-%m-%d')} is in the future")
        overdue = not past and domain.overdue_note(when, app.today()) is not None
        return when.strftime("%A %Y-%m-%d") + (" (past: overdue already)" if overdue else "")

    return check


class LeadActions:
    """Mixin for screens with a current lead."""

    app: Any

    @property
    def _app(self) -> ProspectrApp:
        return self.app  # type: ignore[no-any-return]

    def current_lead_id(self) -> int | None:
        """The lead the actions apply to."""
        raise NotImplementedError

    def after_change(self) -> None:
        """Reload what the screen shows."""

    def _lead_id(self) -> int | None:
        lead_id = self.current_lead_id()
        if lead_id is None:
            self._app.notify("no lead selected", severity="warning", markup=False)
        return lead_id

    def _done(self, result: Any) -> None:
        if result:
            if isinstance(result, str):
                self._app.say(result)
            self.after_change()

    # --- edit / qualify / log ----------------------------------------------------------

    def action_edit_lead(self) -> None:
        from prospectr.tui.screens.lead_form import edit_lead_form

        lead_id = self._lead_id()
        if lead_id is None:
            return
        form = self._app.guard(lambda: edit_lead_form(self._app, lead_id))
        if form is not None:
            self._app.push_screen(form, self._done)

    def action_qualify(self) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def load() -> QualifyScreen:
            with app.unit(write=False) as s:
                lead = domain.get_lead(s, lead_id)
                name = domain.display_name(lead)
                current = {k: str(getattr(lead, k)) for k in domain.BANT}
                notes = {k: getattr(lead, f"{k}_note") for k in domain.BANT}
            return QualifyScreen(name, current, notes, submit)

        def submit(answers: dict[str, str]) -> str:
            with app.unit() as s:
                lead = domain.get_lead(s, lead_id)
                result = domain.qualify(s, lead, now=app.now(), answers=answers)
                name = domain.display_name(lead)
            moved = f"; moved to {result.moved_to}" if result.moved_to else ""
            return f"{name} is {result.temperature} (score {result.score}){moved}"

        screen = app.guard(load)
        if screen is not None:
            app.push_screen(screen, self._done)

    def action_log(self, kind: str) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def submit(values: dict[str, str], force: bool) -> str:
            with app.unit() as s:
                lead = domain.get_lead(s, lead_id)
                when = app.now()
                if values.get("when", "").strip():
                    day = domain.parse_date(values["when"], app.today(), past=True)
                    if day != when.date():
                        when = when.replace(year=day.year, month=day.month, day=day.day)
                item = domain.log_interaction(
                    s,
                    lead,
                    text=values.get("text", ""),
                    at=when,
                    kind=values.get("kind") or kind,
                    now=app.now(),
                )
                name = domain.display_name(lead)
            return f"logged {item.kind} with {name}"

        fields = [
            Field("kind", "Kind", value=kind, choices=[(k, k) for k in INTERACTION_KINDS]),
            Field("text", "What was said", placeholder="questions, concerns, promises…"),
            Field("when", "When", value="today", check=date_check(app, past=True)),
        ]
        title = "Log a call" if kind == "call" else "Add a note or contact"
        # The kind is already chosen by the key pressed: typing goes straight to the text.
        app.push_screen(FormScreen(title, fields, submit, focus="text"), self._done)

    # --- follow-ups and sales --------------------------------------------------------------

    def action_followup(self) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def submit(values: dict[str, str], force: bool) -> str:
            due = domain.parse_date(values["due"], app.today())
            with app.unit() as s:
                lead = domain.get_lead(s, lead_id)
                domain.add_followup(s, lead, due=due, now=app.now(), text=values.get("text", ""))
                name = domain.display_name(lead)
            return f"follow-up with {name} on {due:%a %Y-%m-%d}"

        fields = [
            Field("due", "Due", placeholder="friday, +3d, 12-01…", check=date_check(app)),
            Field("text", "About", placeholder="what to do"),
        ]
        app.push_screen(FormScreen("Schedule a follow-up", fields, submit), self._done)

    def complete_followup(self, followup_id: int) -> None:
        """Mark a follow-up done."""
        app = self._app

        def run() -> str:
            with app.unit() as s:
                item = get_followup(s, followup_id)
                domain.complete_followup(s, item, now=app.now())
                return f"done: {item.text or 'follow-up'}"

        self._done(app.guard(run))

    def snooze_followup(self, followup_id: int) -> None:
        """Ask for a new date, then move the follow-up there."""
        app = self._app

        def submit(values: dict[str, str], force: bool) -> str:
            until = domain.parse_date(values["until"], app.today())
            with app.unit() as s:
                domain.snooze_followup(s, get_followup(s, followup_id), until=until, now=app.now())
            return f"snoozed to {until:%a %Y-%m-%d}"

        fields = [Field("until", "Until", value="tomorrow", check=date_check(app))]
        app.push_screen(FormScreen("Snooze follow-up", fields, submit), self._done)

    def action_sale(self) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def amount(value: str) -> str:
            return f"amount {domain.parse_amount(value)}"

        def submit(values: dict[str, str], force: bool) -> str:
            on = domain.parse_date(values["on"], app.today(), past=True)
            with app.unit() as s:
                lead = domain.get_lead(s, lead_id)
                domain.record_sale(
                    s,
                    lead,
                    amount=values["amount"],
                    on=on,
                    now=app.now(),
                    description=values.get("what", ""),
                )
                detail = domain.lead_detail(s, lead)
            return f"sale recorded: {domain.display_name(lead)} is a {detail.customer}"

        fields = [
            Field("amount", "Amount", placeholder="1250.00", check=amount),
            Field("on", "Date", value="today", check=date_check(app, past=True)),
            Field("what", "What", placeholder="3 cakes"),
        ]
        app.push_screen(FormScreen("Record a sale", fields, submit), self._done)

    # --- stages ------------------------------------------------------------------------------

    def action_step(self, step: int) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def target() -> int | None:
            with app.unit(write=False) as s:
                stage = domain.neighbour_stage(s, domain.get_lead(s, lead_id), step)
                return stage.id if stage else None

        stage_id = app.guard(target)
        if stage_id is None:
            app.notify("no stage that way", severity="warning", markup=False)
            return
        self.move_to(lead_id, stage_id)

    def action_move(self) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def load() -> tuple[list[tuple[str, str]], str]:
            with app.unit(write=False) as s:
                lead = domain.get_lead(s, lead_id)
                stages = domain.list_stages(s)
            return [(str(st.id), f"{st.name}  ({st.kind})") for st in stages], str(lead.stage_id)

        loaded = app.guard(load)
        if loaded is None:
            return
        choices, current = loaded

        def picked(value: str | None) -> None:
            if value:
                self.move_to(lead_id, int(value))

        app.push_screen(PickScreen("Move to stage", choices, current), picked)

    def move_to(self, lead_id: int, stage_id: int) -> None:
        """Move a lead; lost asks for a reason and not-now for a follow-up date first."""
        app = self._app

        def load() -> Stage | None:
            with app.unit(write=False) as s:
                return s.get(Stage, stage_id)

        stage = app.guard(load)
        if stage is None:
            return

        def move(reason: str | None = None, due: str | None = None, text: str = "") -> str:
            followup_due = domain.parse_date(due, app.today()) if due is not None else None
            with app.unit() as s:
                lead = domain.get_lead(s, lead_id)
                target = s.get(Stage, stage_id)
                assert target is not None
                move = domain.move_lead(
                    s,
                    lead,
                    target,
                    now=app.now(),
                    reason=reason,
                    followup_due=followup_due,
                    followup_text=text,
                )
                name = domain.display_name(lead)
            said = f"moved to {stage.name}" if move.moved else f"is already in {stage.name}"
            if move.closed_followups:
                said += f"; closed {plural(move.closed_followups, 'open follow-up')}"
            if move.followup is not None and move.followup_was is not None:
                said += (
                    f"; follow-up moved from {move.followup_was.isoformat()}"
                    f" to {move.followup.due.isoformat()}"
                )
            return f"{name} {said}"

        if stage.requires_reason or stage.requires_followup:
            fields: list[Field] = []
            if stage.requires_reason:
                fields.append(Field("reason", "Reason", placeholder="price, timing, no need…"))
            if stage.requires_followup:
                fields.append(
                    Field("due", "Follow up on", placeholder="jan 8, +2m…", check=date_check(app))
                )
                fields.append(Field("text", "About", placeholder="call after the holidays"))

            def submit(values: dict[str, str], force: bool) -> str:
                return move(
                    reason=values.get("reason") if stage.requires_reason else None,
                    due=values.get("due") if stage.requires_followup else None,
                    text=values.get("text", ""),
                )

            form = FormScreen(f"Move to {stage.name}", fields, submit, save_label="Move")
            app.push_screen(form, self._done)
            return
        self._done(app.guard(move))

    # --- delete ----------------------------------------------------------------------------------

    def action_delete(self) -> None:
        lead_id = self._lead_id()
        if lead_id is None:
            return
        app = self._app

        def load() -> str:
            with app.unit(write=False) as s:
                return domain.display_name(domain.get_lead(s, lead_id))

        name = app.guard(load)
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def run() -> str:
                with app.unit() as s:
                    domain.delete_lead(s, domain.get_lead(s, lead_id))
                return f"deleted #{lead_id} {name}"

            result = app.guard(run)
            if result:
                self.after_delete()
                self._done(result)

        question = f"Delete #{lead_id} {name} with all notes, follow-ups and sales?"
        app.push_screen(ConfirmScreen(question, yes="Delete"), confirmed)

    def after_delete(self) -> None:
        """The current lead no longer exists (the detail screen closes itself)."""
