"""Shared fixtures: a fresh database per test, a frozen clock, a lead factory, a CLI runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from prospectr.db import open_database, session_scope
from prospectr.models import Lead

# The frozen "now" of the whole suite: a Tuesday.
NOW = datetime(2026, 11, 24, 10, 0, 0)
TODAY: date = NOW.date()


@pytest.fixture
def now() -> datetime:
    """The frozen current time."""
    return NOW


@pytest.fixture
def today() -> date:
    """The frozen current date."""
    return TODAY


@pytest.fixture
def engine() -> Iterator[Engine]:
    """A fresh in-memory SQLite database with the full schema."""
    eng = open_database("sqlite://")
    yield eng
    eng.dispose()


@pytest.fixture
def file_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite file database (pragmas, WAL and permissions apply)."""
    eng = open_database(f"sqlite:///{tmp_path / 'prospectr.db'}")
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the fresh database, committed at the end of the test."""
    with session_scope(engine) as s:
        yield s


@pytest.fixture
def make_lead(session: Session) -> Callable[..., Lead]:
    """Factory: ``make_lead("Name", email=..., ...)`` adds a lead through the domain."""
    from prospectr.domain import add_lead

    counter = {"n": 0}

    def factory(name: str | None = None, **fields: Any) -> Lead:
        counter["n"] += 1
        return add_lead(
            session,
            now=fields.pop("now", NOW),
            name=name if name is not None else f"Lead {counter['n']}",
            **fields,
        )

    return factory


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PROSPECTR_DB at a temp file and freeze the CLI clock (PROSPECTR_NOW)."""
    path = tmp_path / "data" / "prospectr.db"
    monkeypatch.setenv("PROSPECTR_DB", str(path))
    monkeypatch.setenv("PROSPECTR_NOW", NOW.isoformat())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return path


@pytest.fixture
def cli(db_path: Path) -> Callable[..., Any]:
    """Run the CLI in-process: ``result = cli("add", "Maria")``; stdout and stderr separate."""
    from typer.testing import CliRunner

    from prospectr.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Any:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
