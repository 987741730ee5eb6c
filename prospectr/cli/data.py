"""Your data: ``backup``, ``restore``, ``auto-backup``, and the daily automatic backup.

The rules (names, retention, checks) live in ``prospectr.domain.backup``; this
module only resolves the database file, asks for confirmation and prints.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prospectr import config
from prospectr.cli.app import (
    app,
    db_url,
    echo,
    engine,
    fail,
    guarded,
    is_tty,
    now,
    print_json,
    printable,
    report_error,
    today,
    unit,
    warn,
)
from prospectr.errors import ProspectrError

if TYPE_CHECKING:
    from sqlalchemy import Engine

# The folder beside the database (prospectr.db.BACKUPS_DIRNAME; not imported here,
# so that loading the CLI does not load SQLAlchemy).
BACKUPS = "backups"


def _leads(n: int) -> str:
    return f"{n:,} lead" + ("" if n == 1 else "s")


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{max(n, 1) / 1024:.0f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"


def _db_file() -> Path:
    """The SQLite file in use, or a one-line refusal for a server or in-memory database."""
    path = config.sqlite_path(db_url())
    if path is None:
        fail(
            "backup and restore work on a SQLite database file; for a database server"
            " use its own tools (pg_dump, pg_restore)",
            2,
        )
    return path


def auto_backup(eng: Engine) -> Path | None:
    """The daily automatic backup, run once per invocation after the database opens.

    Costs one ``stat`` when today's backup exists. A damaged database (the copy
    fails its check) stops the command with one line; any other failure (disk
    full, no permission) is a warning line and the command goes on.
    """
    path = config.sqlite_path(db_url())
    if path is None:
        return None
    from prospectr.db import backups_dir
    from prospectr.db_files import daily_name

    if (backups_dir(path) / daily_name(path.stem, today())).exists():
        return None  # the usual case: no need to load the backup code
    from sqlalchemy.exc import SQLAlchemyError

    from prospectr.domain.backup import DatabaseDamaged, daily_backup

    try:
        return daily_backup(eng, path, today=today(), environ=os.environ)
    except DatabaseDamaged as exc:
        # Writing more into a damaged file can spread the damage: stop here.
        report_error(exc)
    except ProspectrError as exc:
        warn(f"automatic backup skipped: {exc}")
    except (SQLAlchemyError, sqlite3.Error) as exc:
        from prospectr.db import translate_db_error

        warn(f"automatic backup skipped: {translate_db_error(exc)}")
    except OSError as exc:
        warn(f"automatic backup skipped: {exc.strerror or exc}")
    return None


@app.command("backup")
def backup_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write the copy (a file or a folder). Default: a timestamped"
            " file in the 'backups' folder beside the database.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace PATH if it already exists.")
    ] = False,
    list_: Annotated[
        bool, typer.Option("--list", "-l", help="List the backups beside the database.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy the database to a safe, checked backup file (0600), even while the TUI is open.

    \b
    Example: prospectr backup
    Example: prospectr backup ~/Dropbox/prospectr-copy.db
    Example: prospectr backup --list
    """
    from prospectr.domain import backup

    db_path = _db_file()
    if list_ and path is not None:
        fail("--list takes no PATH: it lists the backups beside the database", 2)
    if list_:
        files = backup.list_backups(db_path)
        if json_out:
            print_json(
                [
                    {
                        "path": str(f.path),
                        "size": f.size,
                        "modified": f.modified.isoformat(timespec="seconds"),
                    }
                    for f in files
                ]
            )
            return
        if not files:
            echo(f"no backups yet in {db_path.parent / BACKUPS}")
            return
        for f in files:
            echo(f"{f.modified:%Y-%m-%d %H:%M}  {_size(f.size):>10}  {f.path}")
        return
    eng = engine()
    target = path.expanduser() if path is not None else None
    written: Path = guarded(
        lambda: backup.make_backup(eng, db_path, now=now(), target=target, force=force)
    )
    with unit(write=False) as s:
        from sqlmodel import func, select

        from prospectr.models import Lead

        count = int(s.exec(select(func.count()).select_from(Lead)).one())
    size = written.stat().st_size
    if json_out:
        print_json({"path": str(written), "leads": count, "size": size})
    else:
        echo(f"backup written: {written} ({_leads(count)}, {_size(size)}, checked)")


@app.command("restore")
def restore_command(
    path: Annotated[Path, typer.Argument(help="The backup file to bring back.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database with a backup, after checking the backup's integrity.

    The backup must pass SQLite's integrity check and be a prospectr database;
    otherwise nothing changes. The database it replaces is first copied into the
    'backups' folder. The replacement is one transaction: safe if interrupted.

    \b
    Example: prospectr restore ~/.local/share/prospectr/backups/prospectr-daily-2026-11-23.db
    """
    from prospectr.domain import backup
    from prospectr.migrations import LATEST

    db_path = _db_file()
    source = path.expanduser()
    if not yes:
        if not is_tty():
            fail(
                f"not replacing {db_path} without --yes (not a terminal);"
                " a copy of it would be kept in the backups folder",
                2,
            )
        if source.is_file():
            info = guarded(lambda: backup.check_restorable(source, latest=LATEST))
            question = f"Replace {db_path} with {source} ({_leads(info['leads'])})?"
        else:
            question = f"Replace {db_path} with {source}?"
        question += " The current database is copied to the backups folder first."
        if not typer.confirm(printable(question), default=False):
            fail("restore cancelled; nothing changed", 1)
    result = guarded(lambda: backup.restore(db_path, source, now=now()))
    echo(f"restored {_leads(result.leads)} from {result.source}")
    if result.kept is not None:
        echo(f"the replaced database is kept at {result.kept}")


@app.command("auto-backup")
def auto_backup_command(
    keep: Annotated[
        str | None,
        typer.Argument(
            help="How many daily backups to keep (default 7); 0 or 'off' stops them.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Show or set the automatic daily backup (made by the first command of each day).

    PROSPECTR_BACKUP_KEEP, when set, overrides the stored number.

    \b
    Example: prospectr auto-backup 14
    Example: prospectr auto-backup off
    """
    from prospectr.domain import backup

    db_path = _db_file()
    if keep is not None:
        wanted = keep
        value = guarded(lambda: backup.parse_keep(wanted))
        with unit() as s:
            backup.set_keep(s, value)
    with unit(write=False) as s:
        current = backup.keep_setting(s, os.environ)
    folder = db_path.parent / BACKUPS
    if current.keep == 0:
        echo("automatic daily backups: off")
    else:
        echo(
            f"automatic daily backups: on, keeping the newest {current.keep} in {folder}"
            + (" (default)" if current.origin == "default" else "")
        )
    if current.origin == "env":
        echo(f"({backup.ENV_KEEP} is set and overrides the stored number)")
