"""``prospectr tui``: open the full-screen workspace (imports textual lazily)."""

from __future__ import annotations

import sys

from prospectr.cli.app import app, db_url, engine, fail, guarded

NEEDS_TERMINAL = "the workspace (TUI) needs a terminal; see 'prospectr --help' for the commands"


def _on_terminal() -> bool:
    """True when both stdin and stdout are terminals (a closed stream is none)."""
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one
        return False


def open_tui() -> None:
    """Open the TUI on the current database.

    Without a terminal (``prospectr </dev/null | head``, cron) it is refused with
    exit 2 before the database is opened: the workspace would wait for keys
    that never come and write screen codes into the pipe.
    """
    if not _on_terminal():
        fail(NEEDS_TERMINAL, 2)
    eng = engine()
    from prospectr.tui.app import ProspectrApp

    guarded(lambda: ProspectrApp(engine=eng, db_label=db_url()).run())


@app.command("tui")
def tui_command() -> None:
    """Open the full-screen workspace (the same as running prospectr with no command).

    Needs a terminal: with stdin or stdout redirected it exits with code 2.

    Example: prospectr tui
    """
    open_tui()
