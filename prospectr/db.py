"""Engine, sessions and schema migrations.

No engine exists at import time: callers build one with :func:`make_engine` and
hand it to :func:`open_database`, which creates or migrates the schema.

Everything SQLite-specific (pragmas, file permissions, the online backup API)
lives in the section marked ``SQLITE-ONLY`` below, so a server backend only has
to skip it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool, StaticPool
from sqlmodel import Session

from prospectr.config import sqlite_path
from prospectr.errors import StorageError

BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str) -> Engine:
    """Build an engine for ``url``; for a SQLite file, create it 0600 in a 0700 folder."""
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    ``write=True`` takes SQLite's write lock at the start (``BEGIN IMMEDIATE``) so
    concurrent writers queue on the busy timeout instead of failing mid-way.
    """
    bind = engine.execution_options(prospectr_begin="IMMEDIATE") if write else engine
    session = Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def translate_db_error(exc: Exception) -> StorageError:
    """One clear line for a database failure the user can act on."""
    msg = str(getattr(exc, "orig", exc) or exc).splitlines()[0]
    low = msg.lower()
    if "readonly" in low or "read-only" in low:
        return StorageError("database is read-only: cannot save changes")
    if "locked" in low or "busy" in low:
        return StorageError("database is busy (another prospectr is writing); try again")
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return StorageError("database file is corrupt or not a prospectr database")
    if "disk" in low and ("full" in low or "i/o" in low):
        return StorageError("disk full or unwritable: nothing was saved")
    if "unable to open" in low:
        return StorageError("cannot open the database file (missing folder or no permission)")
    return StorageError(f"database error: {msg}")


# --- migrations ---------------------------------------------------------------


def schema_version(engine: Engine) -> int:
    """The applied schema version, 0 for an empty database."""
    with engine.connect() as conn:
        try:
            value = conn.execute(text("SELECT max(version) FROM schema_version")).scalar()
        except (OperationalError, ProgrammingError):
            # No such table yet (one query instead of a catalogue look-up at every start).
            conn.rollback()
            if inspect(conn).has_table("schema_version"):
                raise
            return 0
        return int(value or 0)


def open_database(url: str, *, now: datetime | None = None) -> Engine:
    """An engine on ``url`` with the newest schema; migrates (after a backup) if needed."""
    from prospectr.migrations import LATEST

    engine = make_engine(url)
    try:
        version = schema_version(engine)
        if version == LATEST:
            return engine
        if version > LATEST:
            raise StorageError(
                f"database schema v{version} is newer than this prospectr (v{LATEST}); upgrade"
            )
        if version > 0:
            backup_before_migration(engine, url, version, now or datetime.now())
        migrate(engine, now or datetime.now())
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise translate_db_error(exc) from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def migrate(engine: Engine, now: datetime) -> int:
    """Apply every pending migration, each in its own transaction. Returns the new version."""
    from prospectr.migrations import MIGRATIONS

    current = schema_version(engine)
    for number, step in enumerate(MIGRATIONS, start=1):
        if number <= current:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                text("INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)"),
                {"v": number, "t": now.isoformat(sep=" ", timespec="seconds")},
            )
        current = number
    return current


def backup_before_migration(engine: Engine, url: str, version: int, now: datetime) -> Path | None:
    """Copy a SQLite file beside itself before its schema changes."""
    path = sqlite_path(url)
    if path is None:
        return None
    target = path.with_name(f"{path.name}.v{version}-{now:%Y%m%d-%H%M%S}.bak")
    sqlite_backup(engine, target)
    return target


# --- SQLITE-ONLY ---------------------------------------------------------------
# Pragmas, file creation with owner-only permissions, transaction begin mode and
# the online backup API. A server backend never reaches this code.


def _ensure_private_file(path: Path) -> None:
    """Create the folder 0700 and the database file 0600 if they do not exist yet."""
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create folder {folder}: {exc.strerror}") from exc
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        except OSError as exc:
            raise StorageError(f"cannot create database {path}: {exc.strerror}") from exc
        os.close(fd)
        os.chmod(path, 0o600)


def _make_sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        _ensure_private_file(path)
        engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    else:
        engine = create_engine(
            url,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit transactions are unreliable).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if path is not None:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("prospectr_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def sqlite_backup(engine: Engine, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API into ``target`` (0600)."""
    if target.exists():
        target.unlink()
    _ensure_private_file(target)
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        raw.close()
    os.chmod(target, 0o600)
    return target
