"""The command-line interface: thin Typer commands over ``prospectr.domain``.

Textual is imported only by the command that opens the TUI, so quick commands
stay fast.
"""

from __future__ import annotations

from prospectr.cli import activity, data, io, leads, pipeline, report, tui  # noqa: F401
from prospectr.cli.app import app


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
