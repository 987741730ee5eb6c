"""Every earlier schema version, kept as a fixture, opens with every row intact, after a backup."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from prospectr import migrations

from .conftest import ROOT, Tally, dump, integrity, mode

pytestmark = pytest.mark.sqlite_only

FIXTURES = sorted((ROOT / "tests" / "fixtures").glob("schema_v*.db"))
CliRun = Callable[..., Any]


def version_of(path: Path) -> int:
    match = re.fullmatch(r"schema_v(\d+)\.db", path.name)
    assert match, path
    return int(match.group(1))


def rows_as_before(before: Path, after: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of ``after`` in the tables and columns ``before`` had."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with closing(sqlite3.connect(before)) as old, closing(sqlite3.connect(after)) as new:
        for (table,) in old.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ):
            cols = ", ".join(f'"{r[1]}"' for r in old.execute(f'PRAGMA table_info("{table}")'))
            out[table] = sorted(new.execute(f'SELECT {cols} FROM "{table}"').fetchall(), key=repr)
    return out


def test_every_earlier_version_has_a_fixture() -> None:
    """Adding migration N+1 means keeping a database made by version N in tests/fixtures."""
    assert {version_of(p) for p in FIXTURES} >= set(range(1, migrations.LATEST))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_an_old_database_opens_with_every_row(
    fixture: Path, tmp_path: Path, cli: CliRun, tally: Tally
) -> None:
    db = tmp_path / "old" / "prospectr.db"
    db.parent.mkdir()
    shutil.copyfile(fixture, db)
    version = version_of(fixture)
    before = dump(db)

    listed = cli("--db", str(db), "list", "--all", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)["total"] == len(before["lead"])

    after = rows_as_before(fixture, db)
    lost = sum(len(set(rows) - set(after[table])) for table, rows in before.items())
    tally.add("rows lost", lost)
    assert lost == 0
    for table, rows in before.items():
        if table == "schema_version":
            assert after[table][: len(rows)] == rows
        else:
            assert after[table] == rows, table
    assert integrity(db) == "ok"
    migration_backups = sorted((db.parent / "backups").glob("*-before-migration-*.db"))
    if version < migrations.LATEST:
        assert len(migration_backups) == 1
        assert migration_backups[0].name.startswith(f"prospectr-v{version}-before-migration-")
        assert dump(migration_backups[0]) == before
        assert mode(migration_backups[0]) == 0o600
    else:
        assert migration_backups == []
    tally.add("trials")


def test_a_future_migration_runs_after_a_backup_through_any_command(
    tmp_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulate the next release: a step that adds a column and fills it from the data."""
    db = tmp_path / "prospectr.db"
    assert cli("--db", str(db), "add", "Nguyễn Văn An", "-e", "an@example.vn").exit_code == 0
    assert cli("--db", str(db), "add", "Maria Santos", "--city", "Manila").exit_code == 0
    before = dump(db)

    def v_next(conn: Connection) -> None:
        conn.execute(text("ALTER TABLE lead ADD COLUMN nickname VARCHAR"))
        conn.execute(text("UPDATE lead SET nickname = substr(name, 1, 3)"))

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, v_next])
    monkeypatch.setattr(migrations, "LATEST", len(migrations.MIGRATIONS))
    shown = cli("--db", str(db), "show", "Maria", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["city"] == "Manila"

    (backup,) = (tmp_path / "backups").glob("*-before-migration-*.db")
    assert dump(backup) == before
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT name, nickname FROM lead ORDER BY id").fetchall() == [
            ("Nguyễn Văn An", "Ngu"),
            ("Maria Santos", "Mar"),
        ]
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (
            migrations.LATEST,
        )
