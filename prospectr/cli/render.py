"""Rich renderings shared by the commands: the lead table, one lead, the agenda.

Imported inside commands (never at module level of a command module), so quick
commands such as ``add`` do not pay for rich. Every stored value goes through
``literal()``: user text is never parsed as markup and control characters are
shown as visible escapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from prospectr import domain
from prospectr.cli.app import literal
from prospectr.domain.text import plural

if TYPE_CHECKING:
    from prospectr.domain import Agenda, LeadDetail, LeadRow
    from prospectr.models import FollowUp, Lead

TEMPERATURE_STYLES = {"hot": "bold red", "warm": "yellow", "cold": "blue", "unknown": "dim"}


def fmt_date(value: date | None) -> str:
    """ISO date, or "" when missing."""
    return value.isoformat() if value else ""


def fmt_when(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM``; the date alone when no time of day was recorded."""
    if value is None:
        return ""
    if value.time() == time(0, 0):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M")


def fmt_in_days(days: int) -> str:
    """``today``, ``tomorrow`` or ``in N days``."""
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


def fmt_overdue(days: int) -> str:
    """``1 day overdue`` / ``N days overdue``."""
    return f"{days} day overdue" if days == 1 else f"{days} days overdue"


def temperature_text(temp: str) -> Text:
    """The temperature word, coloured (colour disappears under NO_COLOR)."""
    return Text(temp, style=TEMPERATURE_STYLES.get(temp, ""))


def _table(*headers: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def lead_table(rows: Sequence[LeadRow], *, today: date, width: int = 120) -> Table:
    """The lead list: id, name, company, stage, temperature, next follow-up, source,
    last contact, and the customer marker. On a narrow terminal (``width``) the least
    useful columns go first: last contact, then source, then company."""
    show_contacted, show_source, show_company = width >= 120, width >= 84, width >= 68
    table = Table(
        box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold", padding=(0, 1)
    )
    # Names fold rather than vanish; dates, ids and temperatures never break.
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("name", overflow="fold", min_width=10)
    if show_company:
        table.add_column("company", overflow="fold", min_width=6)
    table.add_column("stage", overflow="fold")
    table.add_column("temp", no_wrap=True)
    table.add_column("follow-up", no_wrap=True)
    if show_source:
        table.add_column("source", overflow="fold")
    if show_contacted:
        table.add_column("contacted", no_wrap=True)
    table.add_column("customer")
    for row in rows:
        due = row.next_followup
        cells: list[Text] = [Text(str(row.id)), literal(row.name)]
        if show_company:
            cells.append(literal(row.company))
        cells += [
            literal(row.stage),
            temperature_text(row.temperature),
            Text(fmt_date(due), style="red" if due is not None and due < today else ""),
        ]
        if show_source:
            cells.append(literal(row.source))
        if show_contacted:
            cells.append(Text(fmt_date(row.last_contact.date() if row.last_contact else None)))
        cells.append(Text(domain.customer_status(row.sales), style="green"))
        table.add_row(*cells)
    return table


def _fields_grid(pairs: Iterable[tuple[str, Any]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        cell = value if isinstance(value, Text) else literal(value)
        grid.add_row(Text(label), cell)
    return grid


def _heading(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def lead_detail(detail: LeadDetail, *, today: date) -> RenderableType:
    """Everything about one lead: fields, BANT, follow-ups, timeline, history, sales."""
    from prospectr.domain.views import birthday_words  # loaded by show's detail already

    lead = detail.lead
    title = Text.assemble(
        Text(f"#{lead.id}  ", style="bold"), literal(domain.display_name(lead), "bold")
    )
    if detail.customer:
        title.append(f"  ({detail.customer})", style="green")
    ref = detail.referred_by
    since = lead.stage_since.date().isoformat() if lead.stage_since else ""
    stage = literal(detail.stage.name)
    if since:
        stage.append(f" (since {since})")
    temperature = temperature_text(detail.temperature)
    temperature.append(f", score {detail.score}", style="")
    pairs: list[tuple[str, Any]] = [
        ("stage", stage),
        ("temperature", temperature),
        (
            "customer",
            f"{detail.customer} ({plural(len(detail.sales), 'sale')})"
            if detail.sales
            else "no sale yet",
        ),
        ("name", lead.name),
        ("given name", lead.given_name),
        ("family name", lead.family_name),
        ("email", lead.email),
        ("phone", lead.phone),
        ("company", lead.company),
        ("title", lead.title),
        ("city", lead.city),
        ("country", lead.country),
        ("source", lead.source),
        ("referred by", f"#{ref.id} {domain.display_name(ref)}" if ref else None),
        ("tags", ", ".join(detail.tags)),
        ("birthday", birthday_words(lead.bday_month, lead.bday_day, lead.bday_year)),
        ("do not contact", "yes" if lead.do_not_contact else "no"),
    ]
    if lead.lost_reason:
        pairs.append(("lost reason", lead.lost_reason))
    pairs.extend((f"custom: {key}", value) for key, value in sorted((lead.custom or {}).items()))
    pairs += [
        ("created", fmt_when(lead.created_at)),
        ("updated", fmt_when(lead.updated_at)),
        ("last contact", fmt_when(lead.last_contact_at)),
    ]
    parts: list[RenderableType] = [title, _fields_grid(pairs)]

    parts.append(_heading("Qualification (BANT)"))
    bant = Table.grid(padding=(0, 2))
    for _ in range(3):
        bant.add_column()
    for key in domain.BANT:
        bant.add_row(Text(key), Text(getattr(lead, key)), literal(getattr(lead, f"{key}_note")))
    parts += [bant, Text("why: ").append(literal(detail.why))]

    parts.append(_heading("Follow-ups"))
    if detail.followups:
        parts.append(followup_table(detail.followups, today=today))
    else:
        parts.append(Text("none (add one: prospectr followup add LEAD DATE TEXT)", style="dim"))

    parts.append(_heading("Timeline"))
    if detail.interactions:
        grid = Table.grid(padding=(0, 2))
        for _ in range(4):
            grid.add_column()
        for item in detail.interactions:
            grid.add_row(
                Text(f"#{item.id}"), Text(fmt_when(item.at)), Text(item.kind), literal(item.text)
            )
        parts.append(grid)
    else:
        parts.append(Text("nothing logged yet", style="dim"))

    parts.append(_heading("Stage history"))
    hist = Table.grid(padding=(0, 2))
    for _ in range(3):
        hist.add_column()
    for entry, frm, to in detail.history:
        move = literal(f"{frm} -> {to}" if frm else f"-> {to}")
        hist.add_row(Text(fmt_when(entry.at)), move, literal(entry.reason))
    parts.append(hist)

    parts.append(_heading("Sales"))
    if detail.sales:
        sales = Table.grid(padding=(0, 2))
        for _ in range(4):
            sales.add_column()
        sales.columns[2].justify = "right"
        for sale in detail.sales:
            sales.add_row(
                Text(f"#{sale.id}"),
                Text(sale.date.isoformat()),
                Text(str(domain.money(sale.amount_cents))),
                literal(sale.description),
            )
        parts.append(sales)
    else:
        parts.append(Text("none yet", style="dim"))
    return Group(*parts)


def followup_table(items: Sequence[FollowUp], *, today: date) -> Table:
    """A lead's follow-ups: id, due date, state, text."""
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column()
    for item in items:
        if item.done_at is not None:
            state = Text(f"done {fmt_date(item.done_at.date())}", style="dim")
        elif item.due < today:
            state = Text(fmt_overdue((today - item.due).days), style="red")
        else:
            state = Text(fmt_in_days((item.due - today).days))
        grid.add_row(Text(f"#{item.id}"), Text(item.due.isoformat()), state, literal(item.text))
    return grid


def due_table(items: Sequence[tuple[FollowUp, Lead]], *, today: date) -> Table:
    """Open follow-ups with their lead: id, due, lead, text, how late or how soon."""
    table = _table("id", "due", "lead", "text", "when")
    for item, lead in items:
        days = (today - item.due).days
        when = Text(fmt_overdue(days), style="red") if days > 0 else Text(fmt_in_days(-days))
        table.add_row(
            Text(str(item.id)),
            Text(item.due.isoformat()),
            literal(f"#{lead.id} {domain.display_name(lead)}"),
            literal(item.text),
            when,
        )
    return table


def agenda(result: Agenda, *, days: int) -> RenderableType:
    """The today view: birthdays, overdue and due follow-ups, hot leads with no next step."""
    parts: list[RenderableType] = []

    def heading(title: str, style: str = "bold") -> None:
        if parts:
            parts.append(Text(""))
        parts.append(Text(title, style=style))

    def more(count: int, hint: str) -> None:
        if count:
            parts.append(Text(f"... and {count} more ({hint})", style="dim"))

    if result.birthdays:
        heading(f"Birthdays in the next {plural(days, 'day')}")
        table = _table("date", "lead", "turns", "when")
        for b in result.birthdays:
            table.add_row(
                Text(b.on.strftime("%a %Y-%m-%d")),
                literal(f"#{b.lead_id} {b.name}"),
                Text(f"turns {b.turns}" if b.turns is not None else ""),
                Text(fmt_in_days(b.in_days)),
            )
        parts.append(table)
        more(result.more("birthdays"), f"prospectr today --days {days} --limit 0")
    if result.overdue:
        heading("Overdue follow-ups", "bold red")
        parts.append(due_table(result.overdue, today=result.today))
        more(result.more("overdue"), "prospectr followup list --overdue")
    if result.due_today:
        heading("Due today")
        parts.append(due_table(result.due_today, today=result.today))
        more(result.more("due_today"), "prospectr followup list")
    if result.hot:
        heading("Hot leads with no next step")
        table = _table("id", "lead", "phone", "email")
        for lead in result.hot:
            table.add_row(
                Text(str(lead.id)),
                literal(domain.display_name(lead)),
                literal(lead.phone),
                literal(lead.email),
            )
        parts.append(table)
        more(result.more("hot"), "prospectr list --temp hot")
        parts.append(Text("give each a next step: prospectr followup add LEAD DATE", style="dim"))
    return Group(*parts)
