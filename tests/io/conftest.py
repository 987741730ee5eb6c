"""Helpers for the import/export tests: fixture files, running an import, reading leads back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from prospectr.db import session_scope
from prospectr.domain.import_report import ImportReport
from prospectr.domain.importer import ImportOptions, import_file
from tests.conftest import NOW, TODAY

FIXTURES = Path(__file__).parent / "fixtures"
# The lead columns the tests compare (ids and timestamps aside).
LEAD_COLUMNS = (
    "name", "given_name", "family_name", "email", "phone", "phone_key", "company", "title",
    "city", "country", "source", "bday_year", "bday_month", "bday_day", "custom",
)  # fmt: skip


def run_import(engine: Engine, path: Path, **options: Any) -> ImportReport:
    """Import ``path`` in its own transaction (as the CLI does)."""
    with session_scope(engine) as s:
        return import_file(s, path, ImportOptions(**options), now=NOW, today=TODAY)


def stored(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every lead by name (or company), with its columns, tags, notes and stage."""
    out: dict[str, dict[str, Any]] = {}
    with Session(engine) as s:
        rows = s.execute(
            text(
                f"SELECT lead.id, {', '.join('lead.' + c for c in LEAD_COLUMNS)}, stage.name"
                " FROM lead JOIN stage ON stage.id = lead.stage_id ORDER BY lead.id"
            )
        ).all()
        for row in rows:
            lead_id, *values, stage = row
            data = dict(zip(LEAD_COLUMNS, values, strict=True))
            if isinstance(data["custom"], str):
                import json

                data["custom"] = json.loads(data["custom"])
            data["id"] = lead_id
            data["stage"] = stage
            data["tags"] = sorted(
                s.execute(
                    text("SELECT tag FROM lead_tag WHERE lead_id = :i"), {"i": lead_id}
                ).scalars()
            )
            data["notes"] = list(
                s.execute(
                    text("SELECT text FROM interaction WHERE lead_id = :i ORDER BY id"),
                    {"i": lead_id},
                ).scalars()
            )
            out[data["name"] or data["company"]] = data
    return out


def sqlite_dump(path: Path, *, journal: bool = False) -> list[str]:
    """``iterdump()`` of a SQLite file; without the import journal tables unless asked.

    Without the journal, the id counters (``sqlite_sequence``) are left out too:
    an undone import gives back every row, but the ids it used are never given
    again (schema v3), so the counters rightly stay where the import left them.
    """
    conn = sqlite3.connect(path)
    try:
        lines = list(conn.iterdump())
    finally:
        conn.close()
    if journal:
        return lines
    kept = ("import_batch", "import_item", '"sqlite_sequence"')
    return [line for line in lines if not any(word in line for word in kept)]


def table_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the import journal, in key order (any backend)."""
    from sqlmodel import SQLModel

    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name.startswith("import_"):
                continue
            keys = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(table.select().order_by(*keys)).all()
            out[table.name] = [tuple(row) for row in rows]
    return out


@pytest.fixture
def fixture_file() -> Callable[[str], Path]:
    """The path of a fixture file by name."""

    def get(name: str) -> Path:
        path = FIXTURES / name
        assert path.exists(), path
        return path

    return get
