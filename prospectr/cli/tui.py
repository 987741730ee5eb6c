"""``prospectr tui``: open the full-screen workspace (imports textual lazily)."""

from __future__ import annotations

from prospectr.cli.app import app, db_url, engine, guarded


def open_tui() -> None:
    """Open the TUI on the current database."""
    eng = engine()
    from prospectr.tui.app import ProspectrApp

    guarded(lambda: ProspectrApp(engine=eng, db_label=db_url()).run())


@app.command("tui")
def tui_command() -> None:
    """Open the full-screen workspace (the same as running prospectr with no command).

    Example: prospectr tui
    """
    open_tui()
