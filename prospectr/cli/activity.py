"""Keeping in touch: note, log, follow-ups, sales, and the today view.

Typer reads these signatures on every run; without ``from __future__ import
annotations`` the ``Annotated`` hints are objects already, not strings to evaluate,
which keeps start-up quick.
"""

from datetime import datetime, time
from typing import Annotated, Any

import typer

from prospectr import domain
from prospectr.cli.app import (
    JsonOption,
    WholeSentences,
    app,
    console,
    echo,
    fail,
    now,
    print_json,
    today,
    unit,
    warn,
)
from prospectr.cli.leads import LeadArg


@app.command("note")
def note(
    lead: LeadArg,
    text: Annotated[
        list[str], typer.Argument(metavar="TEXT...", help="What was said (quotes optional).")
    ],
) -> None:
    """Add a note to a lead: what they said, their questions and concerns.

    \b
    Example: prospectr note maria "asked about gluten-free options"
    """
    with unit() as s:
        found = domain.resolve_lead(s, lead)
        item = domain.log_interaction(s, found, text=" ".join(text), at=now(), kind="note")
        label = domain.display_name(found)
    echo(f"note #{item.id} on #{found.id}  {label}")


@app.command("log")
def log(
    lead: LeadArg,
    text: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TEXT]...", help="What happened (optional; quotes optional)."),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind", "-k", help="call, sms, chat, email, social or meeting (default call)."
        ),
    ] = "call",
    at: Annotated[
        str | None, typer.Option("--at", help="When (default now): yesterday, 2026-11-20, -3d.")
    ] = None,
) -> None:
    """Log a contact with a lead (call, sms, chat, email, social, meeting).

    \b
    Example: prospectr log maria "no answer, try Friday" --kind call --at yesterday
    """
    with unit() as s:
        when = now()
        if at is not None:
            day = domain.parse_date(at, today(), past=True)
            if day != when.date():
                when = datetime.combine(day, time(0, 0))
        found = domain.resolve_lead(s, lead)
        item = domain.log_interaction(
            s, found, text=" ".join(text or []), at=when, kind=kind, now=now()
        )
        label = domain.display_name(found)
    echo(f"{item.kind} logged on #{found.id}  {label}  ({item.at.date().isoformat()})")


# --- follow-ups -------------------------------------------------------------------

followup_app = typer.Typer(
    cls=WholeSentences,
    help="Follow-ups: dated reminders to contact a lead again.\n\n\b\n"
    'Example: prospectr followup add maria friday "send the price list"',
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(followup_app, name="followup")
FollowupArg = Annotated[str, typer.Argument(metavar="ID", help="Follow-up id (3 or #3).")]


def _followup_id(text: str) -> int:
    raw = text.strip().removeprefix("#")
    if not raw.isdigit():
        fail(f"not a follow-up id: {text!r}", 2)
    return int(raw)


@followup_app.command("add")
def followup_add(
    lead: LeadArg,
    due: Annotated[
        str, typer.Argument(metavar="DATE", help="Due date: friday, +3d, 2026-12-01, 'jan 8'.")
    ],
    text: Annotated[
        list[str] | None, typer.Argument(metavar="[TEXT]...", help="What to do (optional).")
    ] = None,
) -> None:
    """Add a follow-up to a lead.

    \b
    Example: prospectr followup add maria "next friday" call about the cakes
    """
    with unit() as s:
        day = domain.parse_date(due, today())
        found = domain.resolve_lead(s, lead)
        item = domain.add_followup(s, found, due=day, now=now(), text=" ".join(text or []))
        label = domain.display_name(found)
    echo(f"follow-up #{item.id} for #{found.id}  {label} on {item.due.isoformat()}")
    if note := domain.overdue_note(item.due, today()):
        warn(note)


@followup_app.command("done")
def followup_done(followup: FollowupArg) -> None:
    """Mark a follow-up done.

    \b
    Example: prospectr followup done 3
    """
    fid = _followup_id(followup)
    with unit() as s:
        item = domain.complete_followup(s, domain.get_followup(s, fid), now=now())
    echo(f"follow-up #{item.id} done")


@followup_app.command("snooze")
def followup_snooze(
    followup: FollowupArg,
    until: Annotated[
        str, typer.Argument(metavar="DATE", help="New due date: +1w, monday, 2026-12-01.")
    ],
) -> None:
    """Move an open follow-up to a later date.

    \b
    Example: prospectr followup snooze 3 +1w
    """
    fid = _followup_id(followup)
    with unit() as s:
        day = domain.parse_date(until, today())
        item = domain.snooze_followup(s, domain.get_followup(s, fid), until=day, now=now())
    echo(f"follow-up #{item.id} now due {item.due.isoformat()}")
    if note := domain.overdue_note(item.due, today()):
        warn(note)


@followup_app.command("list")
def followup_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    days: Annotated[
        int,
        typer.Option("--days", "-d", min=0, help="Due within this many days (overdue included)."),
    ] = 7,
    json_out: JsonOption = False,
) -> None:
    """Open follow-ups due within N days (default 7), overdue ones first.

    \b
    Example: prospectr followup list --days 14
    """
    day = today()
    with unit(write=False) as s:
        items = domain.due_followups(s, today=day, days=0 if overdue else days)
    if overdue:
        items = [(f, lead) for f, lead in items if f.due < day]
    if json_out:
        print_json([_followup_dict(f, lead, day) for f, lead in items])
        return
    if not items:
        echo("No follow-up overdue." if overdue else f"No follow-up due in the next {days} days.")
        return
    from prospectr.cli.render import due_table

    console().print(due_table(items, today=day))


def _followup_dict(item: Any, lead: Any, day: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "lead_id": lead.id,
        "name": domain.display_name(lead),
        "due": item.due.isoformat(),
        "text": item.text,
        "days_overdue": (day - item.due).days,
    }


# --- sales ------------------------------------------------------------------------


@app.command("sale")
def sale(
    lead: LeadArg,
    amount: Annotated[
        str, typer.Argument(metavar="AMOUNT", help="Amount, exact to the cent: 150, 1250.50.")
    ],
    on: Annotated[
        str | None, typer.Option("--date", help="Date of the sale (default today).")
    ] = None,
    description: Annotated[str, typer.Option("--description", "-d", help="What they bought.")] = "",
) -> None:
    """Record a sale; the first makes a customer (moved to won), the next a repeat customer.

    \b
    Example: prospectr sale maria 1500 -d "3 cakes for December" --date yesterday
    """
    from prospectr.domain.activity import sale_count
    from prospectr.models import Stage

    with unit() as s:
        day = domain.parse_date(on, today(), past=True) if on is not None else today()
        found = domain.resolve_lead(s, lead)
        before = s.get(Stage, found.stage_id)
        item = domain.record_sale(
            s, found, amount=amount, on=day, now=now(), description=description
        )
        after = s.get(Stage, found.stage_id)
        count = sale_count(s, found.id or 0)
        label = domain.display_name(found)
    what = f"  {item.description}" if item.description else ""
    echo(f"sale #{item.id}: {domain.money(item.amount_cents)} on {item.date.isoformat()}{what}")
    status = domain.customer_status(count)
    sales = "1 sale" if count == 1 else f"{count} sales"
    echo(f"#{found.id}  {label} is a {status} ({sales})")
    if before is not None and after is not None and before.id != after.id:
        echo(f"moved: {before.name} -> {after.name}")


# --- today ------------------------------------------------------------------------


@app.command("today")
def today_command(
    days: Annotated[
        int,
        typer.Option("--days", "-d", min=0, max=366, help="Birthdays in the next N days."),
    ] = 14,
    limit: Annotated[
        int,
        typer.Option("--limit", min=0, help="At most N items per section (0: all)."),
    ] = 20,
    json_out: JsonOption = False,
) -> None:
    """What needs you today: birthdays, overdue and due follow-ups, hot leads with no next step.

    \b
    Example: prospectr today --days 30
    """
    with unit(write=False) as s:
        result = domain.agenda(s, today=today(), birthday_days=days, limit=limit or None)
    if json_out:
        print_json(result.as_dict())
        return
    if result.empty:
        echo(f"Nothing due today: no follow-ups, no birthdays in the next {days} days. Enjoy!")
        return
    from prospectr.cli.render import agenda

    console().print(agenda(result, days=days))
