"""Report fixtures: the hand-checked dataset in memory, or in the CLI's database file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from prospectr.db import open_database, session_scope

from .dataset import build


@pytest.fixture
def data_session(engine: Engine) -> Iterator[Session]:
    """A session on a fresh database holding the report dataset."""
    with session_scope(engine) as s:
        build(s)
    with session_scope(engine) as s:
        yield s


@pytest.fixture
def dataset_file(db_path: Path, db_url: str) -> Path:
    """The report dataset in the database the CLI uses (PROSPECTR_DB: a file, or PostgreSQL)."""
    engine = open_database(db_url)
    try:
        with session_scope(engine) as s:
            build(s)
    finally:
        engine.dispose()
    return db_path
