"""One lead in full: fields, BANT with the derived temperature and why, and its story."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from prospectr import domain
from prospectr.domain.activity import money
from prospectr.domain.views import LeadDetail, birthday_words
from prospectr.errors import NotFound, ProspectrError
from prospectr.tui.screens.base import NavBar, ProspectrScreen
from prospectr.tui.screens.lead_actions import LeadActions, lead_bindings
from prospectr.tui.widgets.text import day, lit, moment, temperature_text

ANSWER_STYLE = {"yes": "green", "no": "red", "unknown": "dim"}


def _grid(*widths: int) -> Table:
    table = Table.grid(padding=(0, 2))
    for width in widths:
        if width:
            table.add_column(no_wrap=True, min_width=width)
        else:
            table.add_column(ratio=1, overflow="fold")
    return table


def _heading(title: str, count: int | None = None) -> Text:
    text = Text(title, style="bold underline")
    if count is not None:
        text.append(f" ({count})", style="dim")
    return text


def _listing(title: str, table: Table, count: int, empty: str) -> RenderableType:
    """A titled list with its count; a dim hint in place of the rows when there are none."""
    if not count:
        table.add_row(Text(empty, style="dim"))
    return Group(_heading(title, count), table)


def render_fields(d: LeadDetail, *, pairs: int = 1) -> RenderableType:
    """Header line and the contact fields."""
    lead = d.lead
    head = Text.assemble(
        (f"#{lead.id} ", "dim"),
        lit(domain.display_name(lead), "bold"),
        "  ",
        lit(f"[{d.stage.name}]", "bold"),
        "  ",
        temperature_text(d.temperature, short=False),
    )
    if d.customer:
        head.append(f"  {d.customer}", style="green")
    if lead.do_not_contact:
        head.append("  do not contact", style="bold red")
    rows: list[tuple[str, str | None]] = [
        ("Email", lead.email),
        ("Phone", lead.phone),
        ("Company", lead.company),
        ("Title", lead.title),
        ("City", ", ".join(p for p in (lead.city, lead.country) if p) or None),
        ("Source", lead.source),
        (
            "Referred by",
            f"#{d.referred_by.id} {domain.display_name(d.referred_by)}" if d.referred_by else None,
        ),
        ("Tags", ", ".join(d.tags) or None),
        ("Birthday", birthday_words(lead.bday_month, lead.bday_day, lead.bday_year)),
        ("Stage since", moment(lead.stage_since)),
        ("Last contact", moment(lead.last_contact_at) or "never"),
        ("Lost reason", lead.lost_reason),
        ("Created", moment(lead.created_at)),
    ]
    rows.extend((str(k), str(v)) for k, v in sorted((lead.custom or {}).items()))
    shown = [(label, value) for label, value in rows if value]
    table = _grid(*([12, 0] * pairs))
    for start in range(0, len(shown), pairs):
        cells: list[Text] = []
        for label, value in shown[start : start + pairs]:
            cells.extend([Text(label, style="dim"), lit(value)])
        table.add_row(*cells)
    return Group(head, table)


def render_bant(d: LeadDetail) -> RenderableType:
    """The four answers with notes, the temperature and why."""
    lead = d.lead
    table = _grid(10, 7, 0)
    for key in domain.BANT:
        answer = str(getattr(lead, key))
        table.add_row(
            Text(key.capitalize(), style="dim"),
            Text(answer, style=ANSWER_STYLE.get(answer, "")),
            lit(getattr(lead, f"{key}_note") or ""),
        )
    why = Text.assemble(
        temperature_text(d.temperature, short=False), f"  score {d.score}  ", lit(d.why, "italic")
    )
    return Group(_heading("BANT"), table, why)


def render_followups(d: LeadDetail) -> RenderableType:
    """Open follow-ups first, then the done ones."""
    table = _grid(10, 0, 0)
    for f in d.followups:
        state = Text(f"done {day(f.done_at.date())}", style="dim") if f.done_at else Text("open")
        table.add_row(Text(day(f.due)), lit(f.text), state)
    return _listing("Follow-ups", table, len(d.followups), "none — press f to schedule one")


def render_sales(d: LeadDetail) -> RenderableType:
    """Every sale with its amount."""
    table = _grid(10, 12, 0)
    for sale in d.sales:
        table.add_row(
            Text(day(sale.date)), Text(f"{money(sale.amount_cents):,}"), lit(sale.description)
        )
    return _listing("Sales", table, len(d.sales), "none — press $ to record one")


def render_timeline(d: LeadDetail) -> RenderableType:
    """Notes and contacts, newest first; long notes wrap."""
    table = _grid(16, 7, 0)
    for item in d.interactions:
        table.add_row(Text(moment(item.at)), Text(item.kind, style="bold"), lit(item.text))
    return _listing("Timeline", table, len(d.interactions), "nothing yet — c logs a call, n a note")


def render_history(d: LeadDetail) -> RenderableType:
    """Stage moves, oldest first."""
    table = _grid(16, 0)
    for h, frm, to in d.history:
        move = lit(f"{frm} → {to}" if frm else f"added in {to}")
        if h.reason:
            move.append_text(lit(f"  ({h.reason})", "dim"))
        table.add_row(Text(moment(h.at)), move)
    return Group(_heading("Stage history", len(d.history)), table)


class LeadDetailScreen(LeadActions, ProspectrScreen):
    """Everything about one lead; every action on it is one key away."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *lead_bindings("qualify", "log('call')", "followup", "sale", "step(1)"),
        Binding("x", "done", "Done f/u", show=False, tooltip="Mark the next follow-up done"),
    ]

    def __init__(self, lead_id: int) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.detail: LeadDetail | None = None
        self.deleted = False

    def compose(self) -> ComposeResult:
        yield NavBar("", f"lead #{self.lead_id}")
        with VerticalScroll(id="detail"):
            for part in ("fields", "bant", "followups", "timeline", "sales", "history"):
                yield Static("", id=f"detail-{part}", classes="detail-part")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#detail-fields", Static).update(Text("loading…", style="dim"))
        self.query_one("#detail").focus()

    def on_resize(self) -> None:
        if self.detail is not None:
            self._show(self.detail)

    def reload(self) -> None:
        if not self.deleted:
            self._load()

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _load(self) -> None:
        app = self.papp
        try:
            with app.unit(write=False) as s:
                detail = domain.lead_detail(s, domain.get_lead(s, self.lead_id))
        except NotFound as exc:
            self.app.call_from_thread(self._gone, str(exc))
            return
        except (ProspectrError, SQLAlchemyError) as exc:
            self.app.call_from_thread(app.error, str(exc))
            return
        self.app.call_from_thread(self._show, detail)

    def _gone(self, message: str) -> None:
        self.papp.error(message)
        self.dismiss_screen()

    def _show(self, d: LeadDetail) -> None:
        self.detail = d
        self.query_one(NavBar).show(f"lead #{d.lead.id} {domain.display_name(d.lead)}")
        parts = {
            "fields": render_fields(d, pairs=2 if self.size.width >= 90 else 1),
            "bant": render_bant(d),
            "followups": render_followups(d),
            "sales": render_sales(d),
            "timeline": render_timeline(d),
            "history": render_history(d),
        }
        for key, renderable in parts.items():
            self.query_one(f"#detail-{key}", Static).update(renderable)

    def current_lead_id(self) -> int | None:
        return self.lead_id

    def after_change(self) -> None:
        self.reload()

    def after_delete(self) -> None:
        self.deleted = True
        self.dismiss_screen()

    def dismiss_screen(self) -> None:
        """Close the detail (back to the list or board)."""
        if self.app.screen is self:
            self.app.pop_screen()

    def action_back(self) -> None:
        self.dismiss_screen()

    def action_done(self) -> None:
        if self.detail is None:
            return
        for f in self.detail.followups:
            if f.done_at is None and f.id is not None:
                self.complete_followup(f.id)
                return
        self.papp.notify("no open follow-up", severity="warning", markup=False)
