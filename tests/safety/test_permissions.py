"""The database, its WAL files and every backup are private to the owner (0600 / 0700)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from prospectr.db import open_database, session_scope

from ..conftest import NOW
from .conftest import mode

pytestmark = pytest.mark.sqlite_only

CliRun = Callable[..., Any]


@pytest.fixture(params=[0o000, 0o022, 0o077], ids=["umask-000", "umask-022", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_every_file_prospectr_writes_is_private(
    umask: int, tmp_path: Path, db_path: Path, cli: CliRun
) -> None:
    assert cli("add", "Maria").exit_code == 0
    assert cli("list").exit_code == 0  # the daily backup
    assert cli("backup").exit_code == 0
    assert cli("backup", str(tmp_path / "elsewhere.db")).exit_code == 0

    loose = tmp_path / "loose.db"  # a backup someone copied with open permissions
    with (
        closing(sqlite3.connect(tmp_path / "elsewhere.db")) as src,
        closing(sqlite3.connect(loose)) as dest,
    ):
        src.backup(dest)
    loose.chmod(0o644)
    assert cli("restore", "--yes", str(loose)).exit_code == 0

    # While a connection is open the WAL and shared-memory files exist: private too.
    engine = open_database(f"sqlite:///{db_path}")
    with session_scope(engine) as s:
        from prospectr.domain import add_lead

        add_lead(s, now=NOW, name="Ann")
        wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
        assert wal.exists()
        assert (mode(wal), mode(shm)) == (0o600, 0o600)
    engine.dispose()

    assert mode(db_path) == 0o600
    assert mode(db_path.parent) == 0o700
    backups = db_path.parent / "backups"
    assert mode(backups) == 0o700
    made = sorted(backups.iterdir())
    assert [p.name for p in made] == [
        "prospectr-20261124-100000.db",
        "prospectr-before-restore-20261124-100000.db",
        "prospectr-daily-2026-11-24.db",
    ]
    assert {p.name: mode(p) for p in made} == {p.name: 0o600 for p in made}
    assert mode(tmp_path / "elsewhere.db") == 0o600


def test_backup_before_migration_is_private(
    umask: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prospectr import migrations

    db = tmp_path / "prospectr.db"
    open_database(f"sqlite:///{db}").dispose()
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, lambda conn: None])
    monkeypatch.setattr(migrations, "LATEST", len(migrations.MIGRATIONS))
    open_database(f"sqlite:///{db}").dispose()
    (made,) = (tmp_path / "backups").iterdir()
    assert made.name.startswith(f"prospectr-v{migrations.LATEST - 1}-before-migration-")
    assert mode(made) == 0o600
    assert mode(made.parent) == 0o700
