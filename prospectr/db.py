"""Engine, sessions and schema migrations.

No engine exists at import time: callers build one with :func:`make_engine` and
hand it to :func:`open_database`, which creates or migrates the schema.

Everything SQLite-specific (pragmas, file permissions, write-lock waits, the
online backup API) lives in the section marked ``SQLITE-ONLY`` below and in
``prospectr.db_files`` (whole-file copies and checks), so a server backend only
has to skip it.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool, StaticPool
from sqlmodel import Session

from prospectr.config import sqlite_path
from prospectr.db_files import (
    connect_file,
    ensure_private_dir,
    finish_copy,
    remove_quietly,
    temp_beside,
)
from prospectr.errors import StorageError

BUSY_TIMEOUT_MS = 10_000
# How long a writer keeps queueing for SQLite's write lock (busy timeout rounds
# included) before it reports "busy": long enough for another process's large import.
WRITE_LOCK_WAIT_S = 120.0
BACKUPS_DIRNAME = "backups"
# Tables every prospectr database has; a file without them is somebody else's.
CORE_TABLES = frozenset({"schema_version", "lead", "stage"})

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """Build an engine for ``url``; for a SQLite file, create it 0600 in a 0700 folder."""
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    from prospectr.server import make_server_engine  # PostgreSQL: psycopg 3

    return make_server_engine(url)


@contextmanager
def session_scope(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any error.

    ``write=True`` takes SQLite's write lock before the body runs (``BEGIN
    IMMEDIATE``), so concurrent writers queue instead of failing mid-way; the wait
    is retried for up to ``WRITE_LOCK_WAIT_S`` seconds before giving up.
    """
    bind = engine.execution_options(prospectr_begin="IMMEDIATE") if write else engine
    session = _open_session(bind) if write else Session(bind=bind, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _open_session(bind: Engine) -> Session:
    """A session whose transaction (and, on SQLite, write lock) has already begun."""

    def attempt() -> Session:
        session = Session(bind=bind, expire_on_commit=False)
        try:
            session.connection()
        except BaseException:
            session.close()
            raise
        return session

    return retry_busy(attempt)


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy" (another writer holds the lock)."""
    msg = str(getattr(exc, "orig", exc) or exc).lower()
    return "database is locked" in msg or "database is busy" in msg or "sqlite_busy" in msg


def retry_busy(fn: Callable[[], T], *, wait_s: float | None = None) -> T:
    """Call ``fn`` again while it fails because another writer holds the lock."""
    deadline = time.monotonic() + (WRITE_LOCK_WAIT_S if wait_s is None else wait_s)
    delay = 0.02
    while True:
        try:
            return fn()
        except OperationalError as exc:
            if not is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay + secrets.randbelow(20) / 1000)
        delay = min(delay * 2, 0.5)


def translate_db_error(exc: Exception, path: Path | None = None) -> StorageError:
    """One clear line for a database failure the user can act on."""
    msg = (str(getattr(exc, "orig", exc) or exc).splitlines() or [""])[0]
    low = msg.lower()
    where = f" ({path})" if path is not None else ""
    if "readonly" in low or "read-only" in low:
        return StorageError(f"database is read-only{where}: cannot save changes")
    if "locked" in low or "busy" in low:
        return StorageError("database is busy (another prospectr is writing); try again")
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return StorageError(
            f"database file is damaged or not a prospectr database{where}; "
            "nothing was changed (see 'prospectr restore')"
        )
    if "disk is full" in low or "no space" in low or ("disk" in low and "i/o" in low):
        return StorageError(f"disk full or unwritable{where}: nothing was saved")
    if "connection failed" in low or "could not connect" in low or "connection refused" in low:
        return StorageError("cannot reach the database server (is it running? check the URL)")
    if "unable to open" in low:
        return StorageError(
            f"cannot open the database file{where} (missing folder or no permission)"
        )
    return StorageError(f"database error: {msg}")


# --- migrations ---------------------------------------------------------------


def _version_in(conn: Connection) -> int:
    """The applied schema version seen by ``conn`` (inside its transaction), 0 if none.

    Looks the table up first: a failed query would abort a PostgreSQL transaction.
    """
    if not inspect(conn).has_table("schema_version"):
        return 0
    value = conn.execute(text("SELECT max(version) FROM schema_version")).scalar()
    return int(value or 0)


def schema_version(engine: Engine) -> int:
    """The applied schema version, 0 for an empty database."""
    with engine.connect() as conn:
        try:
            value = conn.execute(text("SELECT max(version) FROM schema_version")).scalar()
        except (OperationalError, ProgrammingError):
            # No such table yet (one query instead of a catalogue look-up at every start).
            conn.rollback()
            if not inspect(conn).has_table("schema_version"):
                return 0
            # Another process created it meanwhile: read it now.
            value = conn.execute(text("SELECT max(version) FROM schema_version")).scalar()
        return int(value or 0)


def open_database(url: str, *, now: datetime | None = None) -> Engine:
    """An engine on ``url`` with the newest schema; migrates (after a backup) if needed.

    Refuses, with one clear line, a file that is not a prospectr database, a schema
    newer than this program, and a damaged file; none of them is written to.
    """
    from prospectr.migrations import LATEST

    path = sqlite_path(url)
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
        raise translate_db_error(exc, path) from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def migrate(engine: Engine, now: datetime) -> int:
    """Apply every pending migration, each in its own transaction. Returns the new version.

    Each step takes the write lock first and re-reads the version under it, so two
    processes opening a new file at once apply every step exactly once.
    """
    from prospectr.migrations import MIGRATIONS

    current = schema_version(engine)
    locked = engine.execution_options(prospectr_begin="IMMEDIATE")
    for number, step in enumerate(MIGRATIONS, start=1):
        if number <= current:
            continue

        def apply(number: int = number, step: Callable[[Connection], None] = step) -> int:
            with locked.begin() as conn:
                applied = _version_in(conn)
                if applied >= number:
                    return applied
                if applied == 0 and _foreign_tables(conn):
                    raise StorageError(
                        "this file holds another program's tables, not a prospectr database;"
                        " nothing was changed"
                    )
                step(conn)
                conn.execute(
                    text("INSERT INTO schema_version (version, applied_at) VALUES (:v, :t)"),
                    {"v": number, "t": now.isoformat(sep=" ", timespec="seconds")},
                )
                return number

        current = retry_busy(apply)
    return current


def _foreign_tables(conn: Connection) -> list[str]:
    """User tables in a database that has no schema_version table."""
    return [name for name in inspect(conn).get_table_names() if not name.startswith("sqlite_")]


def backups_dir(db_path: Path) -> Path:
    """The ``backups`` folder beside a database file."""
    return db_path.parent / BACKUPS_DIRNAME


def backup_before_migration(engine: Engine, url: str, version: int, now: datetime) -> Path | None:
    """Copy a SQLite file into its backups folder before its schema changes."""
    path = sqlite_path(url)
    if path is None:
        return None
    target = backups_dir(path) / f"{path.stem}-v{version}-before-migration-{now:%Y%m%d-%H%M%S}.db"
    sqlite_backup(engine, target)
    return target


# --- SQLITE-ONLY ---------------------------------------------------------------
# Pragmas, file creation with owner-only permissions, transaction begin mode and
# the online backup API. A server backend never reaches this code.


def holds_no_data(engine: Engine) -> bool:
    """True when the database has no lead, no import batch and no setting yet (a new schema)."""
    with engine.connect() as conn:
        for table in ("lead", "import_batch", "setting"):
            if conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
                return False
    return True


def side_reader(session: Session) -> Session | None:
    """A second read-only session on ``session``'s SQLite file, to read beside it.

    Only when the second connection sees what ``session`` sees: ``session`` has
    written nothing (no pending objects, no row changed on its connection) and
    the database is a file (an in-memory one has a single connection). Otherwise
    None, and the caller reads on ``session`` alone. The caller closes the
    session it gets. Each session reads its own snapshot: a write committed by
    another process between their first reads shows in one and not the other.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return None
    if sqlite_path(str(bind.url)) is None or session.new or session.dirty or session.deleted:
        return None
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, sqlite3.Connection) or raw.total_changes:
        return None
    return Session(bind=bind, expire_on_commit=False)


def _ensure_private_file(path: Path) -> None:
    """Create the folder 0700 and the database file 0600 if they do not exist yet."""
    ensure_private_dir(path.parent)
    if not path.exists():
        try:
            fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        except OSError as exc:
            raise StorageError(f"cannot create database {path}: {exc.strerror}") from exc
        os.close(fd)
        os.chmod(path, 0o600)
    elif path.is_dir():
        raise StorageError(f"cannot open the database {path}: it is a folder")


_SQLITE_CONFIG_MEMSTATUS = 9
_memstatus_lock = threading.Lock()
_memstatus_off: bool | None = None  # None: not tried yet in this process


def sqlite_memstatus_off() -> bool:
    """Turn SQLite's memory statistics off, once per process, before its first connection.

    With them on (the library's default), every allocation SQLite makes takes one
    process-wide lock. Two connections working in two threads of one process then
    run slower together than one after the other: on the bench database, one
    facts query takes 0.10 s alone and 0.27 s for each of two side by side. Off,
    two take 0.08 s side by side, as long as one alone. Reports (a share of the
    work on a second connection) and imports (a writer thread) read and write
    in two threads.

    It is a setting of the library (``sqlite3_config``), reachable through the
    library Python's ``sqlite3`` module is linked to, and only allowed while
    SQLite holds no memory: this checks that no connection is open in the
    process (``sqlite3_memory_used() == 0``) and does nothing otherwise, or when
    the library cannot be reached (then nothing changes but speed). Linux only,
    where the setting's variadic argument is passed like any other. Call it
    before any other thread uses SQLite (opening the first database does).
    Returns whether the statistics are off (the first answer, on later calls).
    """
    global _memstatus_off
    with _memstatus_lock:
        if _memstatus_off is None:
            _memstatus_off = sys.platform.startswith("linux") and _turn_memstatus_off()
        return _memstatus_off


def _turn_memstatus_off() -> bool:
    try:
        import _sqlite3
        import ctypes

        lib = ctypes.PyDLL(_sqlite3.__file__)  # keeps the GIL: no SQLite call slips in between
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        lib.sqlite3_malloc.restype = ctypes.c_void_p
        lib.sqlite3_free.argtypes = [ctypes.c_void_p]
        if lib.sqlite3_memory_used() != 0:
            return False  # a connection is open: too late
        probe = lib.sqlite3_malloc(64)
        counted = lib.sqlite3_memory_used()
        lib.sqlite3_free(probe)
        if counted == 0:
            return True  # the library was built with them off
        if lib.sqlite3_shutdown() != 0:
            return False
        done = bool(lib.sqlite3_config(_SQLITE_CONFIG_MEMSTATUS, ctypes.c_int(0)) == 0)
        return bool(lib.sqlite3_initialize() == 0) and done
    except (OSError, AttributeError, ImportError):
        return False


def _make_sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    sqlite_memstatus_off()
    if path is not None:
        _ensure_private_file(path)
        # Not bound to its creating thread: an import's writer thread inserts on the
        # same connection while the main thread validates (prospectr.db_bulk).
        engine = create_engine(
            url, poolclass=NullPool, connect_args={"timeout": 30, "check_same_thread": False}
        )
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
        # Temporary tables (a report's facts) and large sorts in memory, not in a file.
        cur.execute("PRAGMA temp_store=MEMORY")
        if path is not None:
            # Already WAL after the first run: then this only reads the header.
            mode = cur.execute("PRAGMA journal_mode").fetchone()
            if (not mode or str(mode[0]).lower() != "wal") and _is_ours_or_empty(cur):
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                except sqlite3.OperationalError as exc:
                    # A read-only file can still be read; writes then fail clearly.
                    if "readonly" not in str(exc).lower():
                        raise
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("prospectr_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _is_ours_or_empty(cur: sqlite3.Cursor) -> bool:
    """A new file or a prospectr database (another program's file is left as it is)."""
    names = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return not names or "schema_version" in names


def sqlite_backup(engine: Engine, target: Path) -> Path:
    """Copy a live SQLite database with the online backup API into ``target`` (0600).

    Safe while other processes read and write: the copy is one consistent snapshot.
    It is written to a temporary file and renamed into place, so ``target`` is
    either the previous file or the complete new copy, never a partial one.
    """
    tmp = temp_beside(target)
    try:
        raw = engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with closing(connect_file(tmp)) as dest:
                source.backup(dest)
                finish_copy(dest)
        finally:
            raw.close()
        os.replace(tmp, target)
    except BaseException:
        remove_quietly(tmp)
        raise
    os.chmod(target, 0o600)
    return target
