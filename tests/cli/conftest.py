"""CLI test helpers: seed and read the database file the commands use, parse JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from prospectr.db import open_database, session_scope

Seed = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def file_db(db_url: str) -> Iterator[Engine]:
    """An engine on the database the CLI uses (PROSPECTR_DB), created if needed."""
    engine = open_database(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def seed(file_db: Engine) -> Seed:
    """``with seed() as s:`` a unit of work on the CLI's database, to set up a test quickly."""
    return lambda: session_scope(file_db)


def _stored(value: Any) -> Any:
    """Dates and times as SQLite stores them, so expected rows read the same on PostgreSQL."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.fixture
def query(file_db: Engine) -> Callable[..., list[tuple[Any, ...]]]:
    """``query("SELECT ...", x=1)``: rows from the database file the CLI uses."""

    def run(sql: str, **params: Any) -> list[tuple[Any, ...]]:
        with file_db.begin() as conn:
            result = conn.execute(text(sql), params)
            return [tuple(map(_stored, row)) for row in result] if result.returns_rows else []

    return run


@pytest.fixture
def cli_json(cli: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command that prints JSON; assert success and return the parsed document."""

    def run(*args: str) -> Any:
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        return json.loads(result.stdout)

    return run


def lines(output: str) -> list[str]:
    """Output lines with trailing padding removed (rich pads table cells)."""
    return [line.rstrip() for line in output.splitlines()]
