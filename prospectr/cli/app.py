"""The Typer app, its global options, and what every command shares.

Commands live in sibling modules by room (leads, pipeline, activity, ...), each
decorating ``app`` from here. This module holds no business rule: it opens the
database, runs one unit of work per command, prints, and turns errors into one
line on stderr with the error's exit code.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from prospectr import config
from prospectr.errors import Ambiguous, DuplicateLead, InvalidInput, ProspectrError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text
    from sqlalchemy import Engine
    from sqlmodel import Session


class WholeSentences(TyperGroup):
    """A command group whose command list shows each command's first sentence whole.

    Click cuts the sentence to the width left beside the names and ends it with
    "..."; here it wraps onto the next line instead.
    """

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                rows.append((name, cmd.get_short_help_str(limit=_SENTENCE_LIMIT)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


_SENTENCE_LIMIT = 300


class _OneLineErrors(WholeSentences):
    """The command group: a usage error is one ``error:`` line on stderr, exit 2.

    Click would print a usage line, a hint and the error on three lines; bad
    input here always gets one line, naming the help to read. Click raises some
    usage errors without their command (an option missing its value: ``add X
    -e``); the help named is then that of the command being parsed (see
    :func:`_usage_context`).
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        args = _global_options_first(list(sys.argv[1:] if args is None else args))
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # Click's errors: usage (exit 2), bad files
            ctx: Any = getattr(exc, "ctx", None) or _usage_context(exc)
            where = getattr(ctx, "command_path", None)
            hint = f" (see '{where} --help')" if exc.exit_code == 2 and where else ""
            sys.stderr.write(f"error: {printable(exc.format_message())}{hint}\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("aborted\n")
            sys.exit(1)
        if code == INTERRUPTED:
            # Ctrl-C (the parser turns it into this exit code): a command's writes
            # are one transaction, rolled back unless it had committed already.
            sys.stderr.write("interrupted: changes not saved yet were rolled back\n")
        sys.exit(code if isinstance(code, int) else 0)


# The exit code of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def _global_options_first(args: list[str]) -> list[str]:
    """``--db PATH`` given after the command moved before it, where it is read.

    ``prospectr today --db x.db`` then works as ``prospectr --db x.db today``
    (the options of a command are its own; ``--db`` is the program's). A ``--``
    ends the options: what follows stays as it is.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if i and arg == "--db" and i + 1 < len(args):
            front += args[i : i + 2]
            i += 2
            continue
        (front if i and arg.startswith("--db=") else rest).append(arg)
        i += 1
    return front + rest


def _usage_context(exc: BaseException) -> Any:
    """The context of the command whose arguments were being parsed when ``exc`` was raised.

    Click's option parser raises "Option '-e' requires an argument." without a
    context; the innermost frame that holds one (``Command.parse_args(ctx,
    args)``) names the command. None when there is none.
    """
    import traceback

    found = None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        ctx = frame.f_locals.get("ctx")
        if isinstance(getattr(ctx, "command_path", None), str):
            found = ctx
    return found


app = typer.Typer(
    cls=_OneLineErrors,
    name="prospectr",
    help=(
        "prospectr: a terminal prospect tracker. Capture leads, qualify them (BANT),"
        " keep notes, never miss a birthday or a follow-up.\n\n"
        "Run without a command to open the full-screen workspace (TUI)."
    ),
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    add_completion=False,
)


class State:
    """Per-invocation settings from the global options."""

    db: str | None = None
    _engine: Engine | None = None
    # The SQLite file this invocation created (it did not exist before), if any.
    created: Path | None = None
    # The folders opening it created (deepest first), removed with it.
    new_dirs: tuple[Path, ...] = ()


state = State()


def _default_db() -> str:
    """The default database file, for the help (where the data dir cannot be told, its name)."""
    try:
        return str(config.default_db_path())
    except (RuntimeError, OSError):  # no home folder to find
        return f"{config.DB_FILENAME} in the user data dir"


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=f"Database file or URL (default: $PROSPECTR_DB, else {_default_db()};"
            " see 'prospectr where').",
            metavar="PATH|URL",
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    """prospectr: capture, qualify and follow up on leads from the terminal."""
    if version:
        from prospectr import __version__

        typer.echo(f"prospectr {__version__}")
        raise typer.Exit(0)
    global _console
    state.db = db
    state._engine = None
    state.created = None
    state.new_dirs = ()
    _console = None
    if ctx.invoked_subcommand is None:
        from prospectr.cli.tui import open_tui

        open_tui()


def run_default(ctx: typer.Context, name: str) -> None:
    """In a group's callback: with no command given, run its command ``name`` with its defaults.

    ``prospectr stages`` is then ``prospectr stages list``; the group's help stays
    on ``--help``.
    """
    group = ctx.command
    if ctx.invoked_subcommand is None and isinstance(group, TyperGroup):
        command = group.get_command(ctx, name)
        if command is not None:
            # As the group would run it: its own context, its options at their defaults.
            with command.make_context(name, [], parent=ctx) as sub:
                command.invoke(sub)


def db_url() -> str:
    """The database URL for this invocation."""
    return config.resolve_db(state.db)


def engine() -> Engine:
    """The engine for this invocation, opened (and migrated) once."""
    if state._engine is None:
        from prospectr.db import open_database

        url = db_url()
        path = config.sqlite_path(url)
        new = path is not None and not path.exists()
        folders = tuple(p for p in path.parents if not p.exists()) if path is not None else ()
        state._engine = guarded(lambda: open_database(url))
        state.created = path if new else None
        state.new_dirs = folders if new else ()
        from prospectr.cli.data import auto_backup

        auto_backup(state._engine)
    return state._engine


def now() -> datetime:
    """The current local time (frozen by ``PROSPECTR_NOW``)."""
    return config.now()


def today() -> date:
    """Today's date (frozen by ``PROSPECTR_NOW``)."""
    return config.now().date()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit with ``code``.

    A database file this invocation created is removed again: a failed command
    leaves no trace (see :func:`discard_new_database`).
    """
    sys.stderr.write(f"error: {printable(message)}\n")
    discard_new_database()
    raise typer.Exit(code)


def discard_new_database() -> None:
    """Remove the SQLite file (and folders) this invocation created, while it holds no lead yet.

    For a command that failed, or that promised to write nothing (a dry run).
    """
    path, eng = state.created, state._engine
    if path is None or eng is None:
        return
    from prospectr.db import holds_no_data

    state.created = None
    if not holds_no_data(eng):
        return
    eng.dispose()
    state._engine = None
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    for folder in state.new_dirs:
        try:
            folder.rmdir()  # only while empty
        except OSError:
            break
    state.new_dirs = ()


def warn(message: str) -> None:
    """One warning line on stderr (the command goes on)."""
    sys.stderr.write(f"warning: {printable(message)}\n")


def report_error(exc: ProspectrError) -> NoReturn:
    """Print a ProspectrError as one line (plus candidates when ambiguous) and exit."""
    if isinstance(exc, Ambiguous):
        sys.stderr.write(f"error: {printable(str(exc))}\n")
        for lead_id, name in exc.candidates:
            sys.stderr.write(f"  #{lead_id}  {printable(name)}\n")
        raise typer.Exit(exc.exit_code)
    message = str(exc)
    if isinstance(exc, DuplicateLead):
        message += " (use --force to add anyway)"
    elif isinstance(exc, InvalidInput) and exc.field in _OPTION_OF_FIELD:
        message += f" ({_OPTION_OF_FIELD[exc.field]})"
    fail(message, exc.exit_code)


# Which option gives a value the domain asked for.
_OPTION_OF_FIELD = {"reason": "--reason", "followup": "--followup"}


def guarded(fn: Any) -> Any:
    """Call ``fn()``, turning prospectr and database errors into a one-line exit."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return fn()
    except ProspectrError as exc:
        report_error(exc)
    except SQLAlchemyError as exc:
        from prospectr.db import translate_db_error

        report_error(translate_db_error(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "), 5)


@contextmanager
def unit(*, write: bool = True) -> Iterator[Session]:
    """One unit of work for a command: commit on success; one-line error and exit on failure."""
    from sqlalchemy.exc import SQLAlchemyError

    from prospectr.db import session_scope, translate_db_error

    eng = engine()
    try:
        with session_scope(eng, write=write) as session:
            yield session
    except ProspectrError as exc:
        report_error(exc)
    except SQLAlchemyError as exc:
        report_error(translate_db_error(exc))


# --- output ----------------------------------------------------------------------

_console: Console | None = None


# The width tables get when stdout is not a terminal and COLUMNS is not set.
PIPE_WIDTH = 10_000


def console() -> Console:
    """The stdout console: no markup, no highlighting; honours NO_COLOR.

    Its width is the terminal's, or ``COLUMNS`` when set. Output that goes to
    a pipe or a file (``| cat``, cron mail) with no ``COLUMNS`` is not laid out
    for any screen: it gets :data:`PIPE_WIDTH` columns, so every table is as
    wide as its content and no cell is cut to ``…`` nor column dropped (rich
    would otherwise use 80 columns, or the width of the terminal the command
    was typed in). ``COLUMNS=100 prospectr report | cat`` chooses a width.
    """
    global _console
    if _console is None:
        from rich.console import Console

        width = None if _has_width() else PIPE_WIDTH
        _console = Console(highlight=False, markup=False, emoji=False, soft_wrap=False, width=width)
    return _console


def _has_width() -> bool:
    """True when stdout is a terminal or COLUMNS sets the width."""
    if os.environ.get("COLUMNS", "").strip().isdigit():
        return True
    try:
        return sys.stdout.isatty()
    except ValueError:  # a closed stdout
        return False


def printable(value: object) -> str:
    """Text safe for a terminal: control characters shown as visible escapes."""
    from prospectr.domain.text import visible

    return visible(value)


def literal(value: object, style: str = "") -> Text:
    """A rich Text that shows ``value`` literally (never parsed as markup)."""
    from rich.text import Text

    return Text(printable(value), style=style)


def echo(value: object = "") -> None:
    """Print one plain line (user text is never interpreted; no rich import needed)."""
    sys.stdout.write(printable(value) + "\n")


def print_json(data: Any) -> None:
    """Print data as JSON (UTF-8, indented, stable key order as built).

    Characters a terminal would act on or hide (C1 controls, bidi and zero-width
    marks) are written as ``\\uXXXX`` escapes: the same JSON, safe on screen.
    """
    from prospectr.domain.text import json_inert

    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(json_inert(text) + "\n")


def is_tty() -> bool:
    """True when stdin and stdout are terminals (prompts allowed)."""
    return sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")


JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (stable shape, see README).")]
