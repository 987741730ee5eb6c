"""The ProspectrError family: every failure a user can cause, each with an exit code.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code``;
the TUI shows the same text with ``notify()``.
"""

from __future__ import annotations


class ProspectrError(Exception):
    """Base of all errors prospectr reports to the user."""

    exit_code = 1


class InvalidInput(ProspectrError):
    """A value the user typed or a file supplied is not acceptable.

    ``field`` names the missing or wrong value ("reason", "followup") so each
    front end can point at its own way of giving it (a CLI option, a form field).
    """

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Ambiguous(ProspectrError):
    """A lead reference matches more than one lead."""

    exit_code = 2

    def __init__(self, message: str, candidates: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


class NotFound(ProspectrError):
    """No lead, stage, follow-up or batch with that name or id."""

    exit_code = 3


class Conflict(ProspectrError):
    """The change would break a rule: a duplicate lead, a stage still in use."""

    exit_code = 4


class DuplicateLead(Conflict):
    """A lead with the same email or phone already exists."""

    def __init__(self, message: str, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class StorageError(ProspectrError):
    """The database cannot be opened, read or written."""

    exit_code = 5
