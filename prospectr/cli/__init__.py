"""The command-line interface: thin Typer commands over ``prospectr.domain``.

Textual is imported only by the command that opens the TUI, so quick commands
stay fast.
"""

from __future__ import annotations

import importlib

from prospectr.cli.app import app

# Command modules in the order their commands appear in ``prospectr --help``.
_ROOMS = ("leads", "pipeline", "activity", "io", "report", "data", "server", "tui")
for _room in _ROOMS:
    importlib.import_module(f"prospectr.cli.{_room}")


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
