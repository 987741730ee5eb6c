"""Database commands: ``prospectr db copy --to URL`` (SQLite <-> PostgreSQL).

The copy itself (order, one transaction, checks) lives in
``prospectr.domain.copy``; this module resolves the target, prints the counts.
"""

from typing import Annotated

import typer

from prospectr import config
from prospectr.cli.app import WholeSentences, app, echo, engine, guarded, print_json

db_app = typer.Typer(
    cls=WholeSentences,
    help="The database itself: copy it to a PostgreSQL server or back to a SQLite file.\n\n\b\n"
    "Example: prospectr db copy --to postgresql://me@db.example.org/prospectr",
    rich_markup_mode=None,
)
app.add_typer(db_app, name="db")


def _target_url(value: str) -> str:
    """A URL as given, or a SQLite URL for a file path."""
    from pathlib import Path

    value = value.strip()
    return value if config.is_url(value) else config.path_to_url(Path(value).expanduser())


@db_app.command("copy")
def copy_command(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="URL|PATH",
            help="Target: postgresql://user@host/dbname, or a SQLite file path.",
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Overwrite a target that already holds data."),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Copy the whole database (every table, ids kept) to another database, atomically.

    The target is created or upgraded to the current schema, then filled in one
    transaction and checked table by table (row counts); on any problem it is
    left as it was. A target holding data is refused unless --replace.

    \b
    Example: prospectr db copy --to postgresql://me@db.example.org/prospectr
    Example: prospectr --db postgresql://me@db.example.org/prospectr db copy --to ~/prospectr.db
    """
    from prospectr.domain.copy import copy_to_url, describe
    from prospectr.server import shown

    target = _target_url(to)
    source = engine()
    result = guarded(lambda: copy_to_url(source, target, replace=replace))
    if json_out:
        print_json({"source": shown(source.url), "target": shown(target), **result.as_dict()})
        return
    names = max(len(name) for name in result.rows)
    digits = max(len(f"{n:,}") for n in result.rows.values())
    for name, n in result.rows.items():
        echo(f"  {name:<{names}}  {n:>{digits},}")
    if result.replaced:
        echo(f"replaced what the target held ({describe(result.replaced)})")
    echo(
        f"copied {describe(result.rows)} to {shown(target)}:"
        f" {len(result.rows)} tables, row counts checked"
    )
