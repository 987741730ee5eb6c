"""Lead commands: add, list, show, edit, delete, search."""

from __future__ import annotations

from typing import Annotated

import typer

from prospectr import domain
from prospectr.cli.app import app, echo, now, print_json, unit


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The person's name as they write it.")] = "",
    email: Annotated[str | None, typer.Option("--email", "-e", help="Email address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", "-p", help="Phone number.")] = None,
    company: Annotated[str | None, typer.Option("--company", "-c", help="Company.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Job title.")] = None,
    city: Annotated[str | None, typer.Option("--city", help="City.")] = None,
    country: Annotated[str | None, typer.Option("--country", help="Country.")] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", "-s", help="Channel: referral, event, facebook, website..."),
    ] = None,
    referred_by: Annotated[
        str | None, typer.Option("--referred-by", "-r", help="Lead (id or name) who referred them.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="Tag (repeat, or comma-separated).")
    ] = None,
    birthday: Annotated[
        str | None,
        typer.Option("--birthday", "-b", help="Birthday: 03-15 (no year), 1986-03-15, '15 March'."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", "-n", help="A first note.")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Start stage (default: first).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add even if the email or phone is already known.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the new lead as JSON.")] = False,
) -> None:
    """Add a lead in one line; answers with its id, name and stage.

    Example: prospectr add "Maria Santos" -e maria@example.com -p "+63 917 123 4567"
    -s event -t fair-2026 -b 03-15 -n "wants 3 cakes for December"
    """
    fields: dict[str, object] = {"name": name}
    for key, value in (
        ("email", email),
        ("phone", phone),
        ("company", company),
        ("title", title),
        ("city", city),
        ("country", country),
        ("source", source),
        ("referred_by", referred_by),
        ("birthday", birthday),
    ):
        if value is not None:
            fields[key] = value
    if tag:
        fields["tags"] = tag
    with unit() as s:
        lead = domain.add_lead(s, now=now(), force=force, stage=stage, note=note, **fields)
        detail = domain.lead_detail(s, lead)
    if json_out:
        print_json(detail.as_dict())
    else:
        echo(f"#{lead.id}  {domain.display_name(lead)}  [{detail.stage.name}]")
