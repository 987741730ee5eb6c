"""The store: where the database lives, file modes, pragmas, cascades, schema, versions."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, text
from sqlmodel import SQLModel, col, select

from prospectr import models  # noqa: F401  (registers every table on SQLModel.metadata)
from prospectr.config import default_db_path, resolve_db, sqlite_path
from prospectr.db import backups_dir, open_database, schema_version, session_scope
from prospectr.domain import (
    add_followup,
    add_lead,
    delete_lead,
    log_interaction,
    move_lead,
    record_sale,
    resolve_stage,
)
from prospectr.errors import StorageError
from prospectr.migrations import LATEST
from prospectr.models import FollowUp, Interaction, Lead, LeadTag, Sale, StageHistory

from .conftest import NOW, TODAY


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("PROSPECTR_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path


# --- where the database lives ---------------------------------------------------------


def test_db_option_wins_over_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROSPECTR_DB", str(clean_env / "env.db"))
    assert resolve_db(str(clean_env / "option.db")) == f"sqlite:///{clean_env / 'option.db'}"


def test_environment_wins_over_default(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROSPECTR_DB", str(clean_env / "env.db"))
    assert resolve_db(None) == f"sqlite:///{clean_env / 'env.db'}"
    assert resolve_db("  ") == f"sqlite:///{clean_env / 'env.db'}"


def test_default_is_under_xdg_data_home(clean_env: Path) -> None:
    expected = clean_env / "xdg" / "prospectr" / "prospectr.db"
    assert default_db_path() == expected
    assert resolve_db(None) == f"sqlite:///{expected}"


def test_relative_xdg_data_home_is_ignored(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fallback = clean_env / "home" / ".local" / "share" / "prospectr" / "prospectr.db"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")
    assert default_db_path() == fallback
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_db_path() == fallback


def test_urls_pass_through_and_home_is_expanded(clean_env: Path) -> None:
    assert resolve_db("postgresql://me@localhost/leads") == "postgresql://me@localhost/leads"
    assert resolve_db("~/leads.db") == f"sqlite:///{clean_env / 'home' / 'leads.db'}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////tmp/a.db", Path("/tmp/a.db")),
        ("sqlite:///rel.db?mode=ro", Path("rel.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql://h/db", None),
    ],
)
def test_sqlite_path(url: str, expected: Path | None) -> None:
    assert sqlite_path(url) == expected


# --- the file -------------------------------------------------------------------------------


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_new_database_file_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "new-folder" / "prospectr.db"
    engine = open_database(f"sqlite:///{path}", now=NOW)
    try:
        with session_scope(engine) as s:
            add_lead(s, now=NOW, name="Private")
        assert mode(path) == 0o600
        assert mode(path.parent) == 0o700
        for extra in (path.with_name("prospectr.db-wal"), path.with_name("prospectr.db-shm")):
            if extra.exists():
                assert mode(extra) == 0o600
    finally:
        engine.dispose()


@pytest.mark.sqlite_only
def test_file_connection_pragmas(file_engine: Engine) -> None:
    with file_engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # memory


# Run in a fresh interpreter: prints whether the statistics were turned off, then
# the bytes SQLite counts while a connection to the database is open.
MEMSTATUS_PROBE = """
import _sqlite3, ctypes, sqlite3, sys
from prospectr.db import open_database, sqlite_memstatus_off
early = sqlite3.connect(":memory:") if sys.argv[2] == "open-first" else None
engine = open_database("sqlite:///" + sys.argv[1])
with engine.connect() as conn:
    conn.exec_driver_sql("SELECT count(*) FROM lead").scalar()
    lib = ctypes.CDLL(_sqlite3.__file__)
    lib.sqlite3_memory_used.restype = ctypes.c_int64
    print(sqlite_memstatus_off(), lib.sqlite3_memory_used())
"""


@pytest.mark.sqlite_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="done on Linux only")
@pytest.mark.parametrize("first", ["engine-first", "open-first"])
def test_sqlite_memory_statistics_are_off_unless_a_connection_came_first(
    tmp_path: Path, first: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", MEMSTATUS_PROBE, str(tmp_path / "m.db"), first],
        capture_output=True,
        text=True,
        check=True,
    )
    answer, used = done.stdout.split()  # asked again: the first answer
    if first == "engine-first":
        assert answer == "True"
        assert int(used) == 0  # nothing counted: the statistics (and their lock) are off
    else:
        assert answer == "False"
        assert int(used) > 0  # left on: a connection was already open


@pytest.mark.sqlite_only
def test_memory_connection_has_foreign_keys(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_session_scope_commits_or_rolls_back(file_engine: Engine) -> None:
    with session_scope(file_engine) as s:
        add_lead(s, now=NOW, name="Kept")

    def failing_unit() -> None:
        with session_scope(file_engine) as s:
            add_lead(s, now=NOW, name="Dropped")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_unit()
    with session_scope(file_engine, write=False) as s:
        assert list(s.exec(select(Lead.name))) == ["Kept"]


def test_deleting_a_lead_cascades(file_engine: Engine) -> None:
    with session_scope(file_engine) as s:
        keep = add_lead(s, now=NOW, name="Keep", tags=["x"], note="kept note")
        gone = add_lead(s, now=NOW, name="Gone", tags=["vip", "fair"], note="first note")
        log_interaction(s, gone, text="called", at=NOW, kind="call")
        move_lead(s, gone, resolve_stage(s, "contacted"), now=NOW, reason="called")
        add_followup(s, gone, due=TODAY, now=NOW)
        record_sale(s, gone, amount="12.50", on=TODAY, now=NOW)
        add_followup(s, keep, due=TODAY, now=NOW)
        keep_id, gone_id = keep.id, gone.id
    with session_scope(file_engine) as s:
        lead = s.get(Lead, gone_id)
        assert lead is not None
        delete_lead(s, lead)
    with session_scope(file_engine, write=False) as s:
        for model in (Interaction, StageHistory, FollowUp, Sale, LeadTag):
            lead_col = col(model.lead_id)  # type: ignore[attr-defined]
            gone_rows = s.exec(select(func.count()).select_from(model).where(lead_col == gone_id))
            assert gone_rows.one() == 0, model.__name__
        assert s.get(Lead, gone_id) is None
        assert s.get(Lead, keep_id) is not None
        kept = s.exec(select(func.count()).select_from(Interaction)).one()
        assert kept == 1
        assert s.exec(select(LeadTag.tag)).all() == ["x"]
        assert len(s.exec(select(FollowUp)).all()) == 1


# --- schema -----------------------------------------------------------------------------------


def test_migrated_schema_matches_the_models(file_engine: Engine) -> None:
    insp = inspect(file_engine)
    model_tables = SQLModel.metadata.tables
    assert set(insp.get_table_names()) == set(model_tables) | {"schema_version"}
    for name, table in model_tables.items():
        db_columns = {c["name"] for c in insp.get_columns(name)}
        assert db_columns == {c.name for c in table.columns}, name
        db_indexes = {tuple(ix["column_names"]) for ix in insp.get_indexes(name)}
        model_indexes = {tuple(c.name for c in ix.columns) for ix in table.indexes}
        assert model_indexes <= db_indexes, name
        db_fks = {
            (tuple(fk["constrained_columns"]), fk["referred_table"])
            for fk in insp.get_foreign_keys(name)
        }
        model_fks = {((fk.parent.name,), fk.column.table.name) for fk in table.foreign_keys}
        assert db_fks == model_fks, name


def test_fresh_database_is_at_the_latest_version(file_engine: Engine) -> None:
    assert schema_version(file_engine) == LATEST
    with file_engine.connect() as conn:
        rows = conn.execute(text("SELECT version FROM schema_version ORDER BY version")).all()
    assert [r[0] for r in rows] == list(range(1, LATEST + 1))


def test_reopening_does_not_migrate_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    open_database(url, now=NOW).dispose()
    engine = open_database(url, now=NOW)
    try:
        assert schema_version(engine) == LATEST
    finally:
        engine.dispose()
    assert not backups_dir(tmp_path / "p.db").exists()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    url = f"sqlite:///{path}"
    engine = open_database(url, now=NOW)
    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="From the future")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO schema_version (version, applied_at) VALUES (:v, '2030-01-01')"),
            {"v": LATEST + 1},
        )
    engine.dispose()
    with pytest.raises(StorageError, match="newer"):
        open_database(url, now=NOW)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM lead").fetchone() == (1,)
    assert not backups_dir(path).exists()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my shopping notes, not a database" * 100)
    with pytest.raises(StorageError):
        open_database(f"sqlite:///{path}", now=NOW)
