"""Keeping in touch: note, log, follow-ups, sales, and the today view.

Typer reads these signatures on every run; without ``from __future__ import
annotations`` the ``Annotated`` hints are objects already, not strings to evaluate,
which keeps start-up quick.
"""

import re
from datetime import datetime, time
from functools import partial
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from prospectr import domain
from prospectr.cli.app import (
    JsonOption,
    WholeSentences,
    app,
    console,
    echo,
    fail,
    guarded,
    now,
    print_json,
    today,
    unit,
    warn,
)
from prospectr.cli.leads import LeadArg
from prospectr.domain.text import plural

LeadOrDelete = Annotated[
    str,
    typer.Argument(
        metavar="LEAD",
        help="Lead id (12 or #12) or a unique part of its name; or 'delete' (see above).",
    ),
]

# A lead named "delete" is named by its id: ``note``, ``log`` and ``sale`` read
# ``delete ID`` as taking back an entry (as ``import undo`` reads "undo").
DELETE = "delete"


def _id(text: str, what: str) -> int:
    """The number in ``7`` or ``#7``; a usage error (exit 2) otherwise."""
    raw = text.strip().removeprefix("#")
    if not (raw.isascii() and raw.isdigit()):
        fail(f"not a {what} id: {text!r}", 2)
    return int(raw)


def _one_id(args: list[str] | None, what: str, usage: str) -> int:
    """The single id after ``delete``."""
    if not args or len(args) != 1:
        fail(f"usage: {usage} (a lead named 'delete': use its id)", 2)
    return _id(args[0], what)


def _gist(text: str, width: int = 60) -> str:
    """The first line of a note, cut to ``width`` characters."""
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def _delete_interaction(interaction_id: int) -> None:
    """``note delete ID`` / ``log delete ID``: one line saying what went."""
    with unit() as s:
        gone = domain.delete_interaction(s, domain.get_interaction(s, interaction_id), now=now())
        item, lead = gone.item, gone.lead
        label = domain.display_name(lead)
    text = f"  {_gist(item.text)}" if item.text else ""
    line = f"{item.kind} #{item.id} deleted from #{lead.id}  {label}: {item.at.date()}{text}"
    if gone.last_contact_changed:
        last = lead.last_contact_at
        line += f"; last contact now {last.date()}" if last else "; no contact left"
    echo(line)


@app.command("note")
def note(
    lead: LeadOrDelete,
    text: Annotated[
        list[str],
        typer.Argument(
            metavar="TEXT...", help="What was said (quotes optional); with delete, the id."
        ),
    ],
) -> None:
    """Add a note to a lead: what they said, their questions and concerns (or delete one).

    'note delete ID' deletes a note or a logged contact by the id 'show' gives it;
    the lead's last contact and search follow.

    \b
    Examples:
      prospectr note maria "asked about gluten-free options"
      prospectr note delete 7
    """
    if lead == DELETE:
        _delete_interaction(_one_id(text, "note", "prospectr note delete ID"))
        return
    with unit() as s:
        found = domain.resolve_lead(s, lead)
        item = domain.log_interaction(s, found, text=" ".join(text), at=now(), kind="note")
        label = domain.display_name(found)
    echo(f"note #{item.id} on #{found.id}  {label}")


@app.command("log")
def log(
    lead: LeadOrDelete,
    text: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[TEXT]...",
            help="What happened (optional; quotes optional); with delete, the id.",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", "-k", help="call, sms, chat, email, social or meeting (default call)."
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="When (default now): yesterday, 2026-11-20, -3d.")
    ] = None,
) -> None:
    """Log a contact with a lead (call, sms, chat, email, social, meeting), or delete one.

    'log delete ID' deletes a logged contact or a note by the id 'show' gives it;
    the lead's last contact goes back to the contact before it.

    \b
    Examples:
      prospectr log maria "no answer, try Friday" --kind call --at yesterday
      prospectr log delete 9
    """
    if lead == DELETE:
        if kind is not None or at is not None:
            fail("--kind and --at go with a new contact, not with delete", 2)
        _delete_interaction(_one_id(text, "contact", "prospectr log delete ID"))
        return
    with unit() as s:
        when = now()
        if at is not None:
            day = domain.parse_date(at, today(), past=True)
            if day != when.date():
                when = datetime.combine(day, time(0, 0))
        found = domain.resolve_lead(s, lead)
        item = domain.log_interaction(
            s,
            found,
            text=" ".join(text or []),
            at=when,
            kind="call" if kind is None else kind,
            now=now(),
        )
        label = domain.display_name(found)
    echo(f"{item.kind} #{item.id} logged on #{found.id}  {label}  ({item.at.date().isoformat()})")


# --- follow-ups -------------------------------------------------------------------

followup_app = typer.Typer(
    cls=WholeSentences,
    help="Follow-ups: dated reminders to contact a lead again.\n\n\b\n"
    'Example: prospectr followup add maria friday "send the price list"',
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(followup_app, name="followup")


@followup_app.callback(
    invoke_without_command=True,
    no_args_is_help=False,
    epilog="Without a command: the same as 'prospectr followup list'.",
)
def _followup_default(ctx: typer.Context) -> None:
    from prospectr.cli.app import run_default

    run_default(ctx, "list")


FollowupArg = Annotated[str, typer.Argument(metavar="ID", help="Follow-up id (3 or #3).")]


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
    fid = _id(followup, "follow-up")
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
    fid = _id(followup, "follow-up")
    with unit() as s:
        day = domain.parse_date(until, today())
        item = domain.snooze_followup(s, domain.get_followup(s, fid), until=day, now=now())
    echo(f"follow-up #{item.id} now due {item.due.isoformat()}")
    if note := domain.overdue_note(item.due, today()):
        warn(note)


@followup_app.command("cancel")
def followup_cancel(followup: FollowupArg) -> None:
    """Cancel an open follow-up set by mistake or no longer wanted (it is deleted).

    \b
    Example: prospectr followup cancel 3
    """
    fid = _id(followup, "follow-up")
    with unit() as s:
        gone = domain.cancel_followup(s, domain.get_followup(s, fid), now=now())
        item, lead = gone.item, gone.lead
        label = domain.display_name(lead)
    text = f"  {_gist(item.text)}" if item.text else ""
    echo(f"follow-up #{item.id} cancelled for #{lead.id}  {label}: {item.due.isoformat()}{text}")
    if gone.needs_followup:
        warn(
            f"#{lead.id}  {label} is in {gone.stage.name} with no follow-up left:"
            f" add one with 'prospectr followup add {lead.id} DATE'"
        )


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


# A minus sign makes "-5" look like an option to the parser.
_NEGATIVE = re.compile(r"-[\d.,]")


class _SaleCommand(TyperCommand):
    """``sale``: an amount typed with a minus gets the amount's error, not "No such option"."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:  # "No such option: -5" (Click's NoSuchOption)
            option = getattr(exc, "option_name", None)
            if isinstance(option, str) and DELETE not in given:
                for arg in given:
                    if _NEGATIVE.match(arg) and arg.startswith(option):
                        guarded(partial(domain.parse_amount, arg))  # exits with its error
            raise


@app.command("sale", cls=_SaleCommand)
def sale(
    lead: LeadOrDelete,
    amount: Annotated[
        str,
        typer.Argument(
            metavar="AMOUNT",
            help="Amount, exact to the cent: 150, 1250.50, or with a decimal comma"
            " 1250,50; with delete, the sale id.",
        ),
    ],
    on: Annotated[
        str | None, typer.Option("--date", help="Date of the sale (default today).")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What they bought.")
    ] = None,
) -> None:
    """Record a sale; the first makes a customer (moved to won), the next a repeat customer.

    The amount may use a decimal comma (12,50) or point (12.50) and group
    thousands in threes (1,234.50, 1.234,50, 1 234,50). 'sale delete ID' deletes
    a sale recorded by mistake (the id 'sale' and 'show' give); the lead keeps
    its stage.

    \b
    Examples:
      prospectr sale maria 1500 -d "3 cakes for December" --date yesterday
      prospectr sale delete 8
    """
    if lead == DELETE:
        if on is not None or description is not None:
            fail("--date and --description go with a new sale, not with delete", 2)
        _delete_sale(_id(amount, "sale"))
        return
    from prospectr.domain.activity import sale_count
    from prospectr.models import Stage

    with unit() as s:
        day = domain.parse_date(on, today(), past=True) if on is not None else today()
        found = domain.resolve_lead(s, lead)
        before = s.get(Stage, found.stage_id)
        item = domain.record_sale(
            s, found, amount=amount, on=day, now=now(), description=description or ""
        )
        after = s.get(Stage, found.stage_id)
        count = sale_count(s, found.id or 0)
        label = domain.display_name(found)
    echo(f"sale #{item.id}: {_sale_text(item)}")
    status = domain.customer_status(count)
    echo(f"#{found.id}  {label} is a {status} ({plural(count, 'sale')})")
    if before is not None and after is not None and before.id != after.id:
        echo(f"moved: {before.name} -> {after.name}")


def _sale_text(item: Any) -> str:
    what = f"  {item.description}" if item.description else ""
    return f"{domain.money(item.amount_cents)} on {item.date.isoformat()}{what}"


def _delete_sale(sale_id: int) -> None:
    """``sale delete ID``: what went, and what the lead has left."""
    with unit() as s:
        gone = domain.delete_sale(s, domain.get_sale(s, sale_id), now=now())
        lead = gone.lead
        label = domain.display_name(lead)
    left = plural(gone.sales_left, "sale") if gone.sales_left else "no sale"
    echo(
        f"sale #{gone.sale.id} deleted from #{lead.id}  {label}:"
        f" {_sale_text(gone.sale)}  ({left} left)"
    )
    if gone.stays_won:
        echo(f"the lead stays in {gone.stage.name}: move it if that was wrong")


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
