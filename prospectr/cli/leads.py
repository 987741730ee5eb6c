"""Lead commands: add, list, search, show, edit, delete.

Typer reads these signatures on every run; without ``from __future__ import
annotations`` the ``Annotated`` hints are objects already, not strings to evaluate,
which keeps start-up quick.
"""

import csv
import dataclasses
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from prospectr import domain
from prospectr.cli.app import (
    JsonOption,
    app,
    console,
    echo,
    fail,
    is_tty,
    now,
    print_json,
    printable,
    today,
    unit,
)
from prospectr.cli.options import (
    CityFilter,
    DescOpt,
    DueFilter,
    QueryFilter,
    SortOpt,
    SourceFilter,
    StageFilter,
    TagFilter,
    TempFilter,
    lead_query,
)

if TYPE_CHECKING:
    from prospectr.domain.search import LeadQuery, LeadRow

# --- lead field options, shared by add and edit --------------------------------

EmailOpt = Annotated[str | None, typer.Option("--email", "-e", help="Email address.")]
PhoneOpt = Annotated[str | None, typer.Option("--phone", "-p", help="Phone number.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", "-c", help="Company.")]
TitleOpt = Annotated[str | None, typer.Option("--title", help="Job title.")]
GivenOpt = Annotated[
    str | None, typer.Option("--given-name", help="Given name (for sorting and greetings).")
]
FamilyOpt = Annotated[str | None, typer.Option("--family-name", help="Family name (for sorting).")]
CityOpt = Annotated[str | None, typer.Option("--city", help="City.")]
CountryOpt = Annotated[str | None, typer.Option("--country", help="Country.")]
SourceOpt = Annotated[
    str | None,
    typer.Option("--source", "-s", help="Channel: referral, event, facebook, website..."),
]
ReferredOpt = Annotated[
    str | None, typer.Option("--referred-by", "-r", help="Lead (id or name) who referred them.")
]
BirthdayOpt = Annotated[
    str | None,
    typer.Option("--birthday", "-b", help="Birthday: 03-15 (no year), 1986-03-15, '15 March'."),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Save even if the email or phone is already known.")
]
LeadArg = Annotated[
    str, typer.Argument(metavar="LEAD", help="Lead id (12 or #12) or a unique part of its name.")
]


# The lead field options of add and edit, named as the fields (and the parameters).
FIELD_OPTIONS = (
    "email", "phone", "company", "title", "given_name", "family_name", "city", "country",
    "source", "referred_by", "birthday",
)  # fmt: skip


def _fields(params: dict[str, Any], names: tuple[str, ...] = FIELD_OPTIONS) -> dict[str, Any]:
    """The ``names`` among a command's parameters that were given (None means "not given")."""
    return {name: params[name] for name in names if params[name] is not None}


@app.command("add")
def add(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The person's name as they write it.")
    ] = "",
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    given_name: GivenOpt = None,
    family_name: FamilyOpt = None,
    city: CityOpt = None,
    country: CountryOpt = None,
    source: SourceOpt = None,
    referred_by: ReferredOpt = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="Tag (repeat, or comma-separated).")
    ] = None,
    birthday: BirthdayOpt = None,
    note: Annotated[str | None, typer.Option("--note", "-n", help="A first note.")] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="Start stage (default: first).")
    ] = None,
    force: ForceOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the new lead as JSON.")] = False,
) -> None:
    """Add a lead in one line; answers with its id, name and stage.

    \b
    Example: prospectr add "Maria Santos" -e maria@example.com -p "+63 917 123 4567"
    -s event -t fair-2026 -b 03-15 -n "wants 3 cakes for December"
    """
    fields = _fields(locals())
    fields["name"] = name
    if tag:
        fields["tags"] = tag
    with unit() as s:
        lead = domain.add_lead(s, now=now(), force=force, stage=stage, note=note, **fields)
        detail = domain.lead_detail(s, lead)
    if json_out:
        print_json(detail.as_dict())
    else:
        echo(f"#{lead.id}  {domain.display_name(lead)}  [{detail.stage.name}]")


# --- list and search ----------------------------------------------------------------

LimitOpt = Annotated[int, typer.Option("--limit", "-l", min=1, help="Show at most this many.")]
AllOpt = Annotated[bool, typer.Option("--all", "-a", help="Show every match (no limit).")]
ListJson = Annotated[
    bool, typer.Option("--json", help='Print {"total": N, "leads": [...]} (see docs/json.md).')
]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV (one row per lead) to stdout.")]


def _show_leads(
    query: "LeadQuery", *, limit: int, show_all: bool, json_out: bool, csv_out: bool
) -> None:
    if json_out and csv_out:
        fail("choose one of --json and --csv", 2)
    day = today()
    with unit(write=False) as s:
        rows = domain.list_leads(s, query, today=day, limit=None if show_all else limit)
        total = domain.count_matching(s, query, today=day)
        anyone = total > 0 or domain.count_matching(s, domain.LeadQuery(), today=day) > 0
    if json_out:
        print_json({"total": total, "leads": [row.as_dict() for row in rows]})
        return
    if csv_out:
        _write_csv(rows)
        return
    if not rows:
        if anyone:
            echo("No lead matches.")
        else:
            echo('No leads yet. Add one: prospectr add "Maria Santos" -e maria@example.com')
        return
    from prospectr.cli.render import lead_table
    from prospectr.domain.text import plural

    out = console()
    out.print(lead_table(rows, today=day, width=out.width))
    more = "" if len(rows) == total else "  (--all or --limit N to see more)"
    echo(f"{len(rows)} of {plural(total, 'lead')}{more}")


def _write_csv(rows: "list[LeadRow]") -> None:
    from prospectr.domain.text import inert

    names = [f.name for f in dataclasses.fields(domain.LeadRow)]
    writer = csv.DictWriter(sys.stdout, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else inert(str(v)) for k, v in row.as_dict().items()})


@app.command("list")
def list_command(
    stage: StageFilter = None,
    temperature: TempFilter = None,
    source: SourceFilter = None,
    tag: TagFilter = None,
    city: CityFilter = None,
    due: DueFilter = False,
    query: QueryFilter = "",
    sort: SortOpt = "name",
    desc: DescOpt = False,
    limit: LimitOpt = 50,
    show_all: AllOpt = False,
    json_out: ListJson = False,
    csv_out: CsvOpt = False,
) -> None:
    """List leads as a table, filtered and sorted; ends with "N of M leads".

    \b
    Example: prospectr list --stage contacted --temp hot --sort last-contact --desc
    """
    q = lead_query(query, stage, temperature, source, tag, city, due, sort, desc)
    _show_leads(q, limit=limit, show_all=show_all, json_out=json_out, csv_out=csv_out)


@app.command("search")
def search(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY...",
            help="Words to find (quotes optional); case and accents are ignored.",
        ),
    ],
    stage: StageFilter = None,
    temperature: TempFilter = None,
    source: SourceFilter = None,
    tag: TagFilter = None,
    city: CityFilter = None,
    due: DueFilter = False,
    sort: SortOpt = "name",
    desc: DescOpt = False,
    limit: LimitOpt = 50,
    show_all: AllOpt = False,
    json_out: ListJson = False,
    csv_out: CsvOpt = False,
) -> None:
    """Find leads by name, email, company, phone digits, tags and notes.

    \b
    Example: prospectr search nguyen van --stage new
    """
    text = " ".join(words)
    if not text.strip():
        fail("give some text to search for", 2)
    q = lead_query(text, stage, temperature, source, tag, city, due, sort, desc)
    _show_leads(q, limit=limit, show_all=show_all, json_out=json_out, csv_out=csv_out)


# --- one lead -----------------------------------------------------------------------


@app.command("show")
def show(lead: LeadArg, json_out: JsonOption = False) -> None:
    """Show everything about one lead: fields, BANT and why, follow-ups, timeline, sales.

    \b
    Example: prospectr show "maria"
    """
    with unit(write=False) as s:
        detail = domain.lead_detail(s, domain.resolve_lead(s, lead))
    if json_out:
        print_json(detail.as_dict())
        return
    from prospectr.cli.render import lead_detail

    console().print(lead_detail(detail, today=today()))


@app.command("edit")
def edit(
    lead: LeadArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    given_name: GivenOpt = None,
    family_name: FamilyOpt = None,
    city: CityOpt = None,
    country: CountryOpt = None,
    source: SourceOpt = None,
    referred_by: ReferredOpt = None,
    birthday: BirthdayOpt = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", help="Replace all tags (repeat, or comma-separated)."),
    ] = None,
    add_tag: Annotated[
        list[str] | None, typer.Option("--add-tag", help="Add a tag (repeatable).")
    ] = None,
    remove_tag: Annotated[
        list[str] | None, typer.Option("--remove-tag", help="Remove a tag (repeatable).")
    ] = None,
    dnc: Annotated[
        bool | None, typer.Option("--dnc/--no-dnc", help="Set or clear do-not-contact.")
    ] = None,
    force: ForceOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the lead as JSON.")] = False,
) -> None:
    """Change fields of a lead; an empty value ("") clears a field.

    \b
    Example: prospectr edit maria -p "+63 917 000 0000" --add-tag vip --city Cebu
    """
    fields = _fields(locals(), ("name", *FIELD_OPTIONS))
    if dnc is not None:
        fields["do_not_contact"] = dnc
    tags_changed = tag is not None or bool(add_tag) or bool(remove_tag)
    if not fields and not tags_changed:
        fail("nothing to change: give at least one option (see prospectr edit --help)", 2)
    with unit() as s:
        target = domain.resolve_lead(s, lead)
        if tags_changed:
            from prospectr.domain.leads import lead_tags, normalize_tags

            assert target.id is not None
            tags = normalize_tags(tag) if tag is not None else lead_tags(s, target.id)
            drop = set(normalize_tags(remove_tag or []))
            fields["tags"] = [t for t in [*tags, *normalize_tags(add_tag or [])] if t not in drop]
        changed = domain.edit_lead(s, target, now=now(), force=force, **fields)
        detail = domain.lead_detail(s, target)
    if json_out:
        print_json(detail.as_dict())
        return
    head = f"#{target.id}  {domain.display_name(target)}  [{detail.stage.name}]"
    if not changed:
        echo(f"{head}  unchanged: the values given are the ones stored")
        return
    echo(f"{head}  updated: {', '.join(k.replace('_', ' ') for k in changed)}")


@app.command("delete")
def delete(
    lead: LeadArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a lead with its notes, history, follow-ups and sales (asks unless --yes).

    \b
    Example: prospectr delete 12 --yes
    """
    with unit(write=False) as s:
        found = domain.resolve_lead(s, lead)
        lead_id, label = found.id or 0, domain.display_name(found)
    if not yes:
        if not is_tty():
            fail(f"not deleting #{lead_id} {label} without --yes (not a terminal)", 2)
        question = f"Delete #{lead_id} {printable(label)} with its notes, follow-ups and sales?"
        if not typer.confirm(question, default=False):
            fail("nothing deleted", 1)
    with unit() as s:
        domain.delete_lead(s, domain.get_lead(s, lead_id))
    echo(f"deleted #{lead_id}  {label}")
