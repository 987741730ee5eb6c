"""SQLITE-ONLY: bulk inserts on a background thread, inside the caller's transaction.

A large import spends about as long in SQLite (B-tree and index updates) as in
Python (validating rows). :class:`SqliteBulkInserter` lets the two overlap: the
importer keeps validating on the main thread while a writer thread runs the
inserts on the session's own connection. Each statement is a multi-row
``INSERT ... VALUES (...), (...)`` of a few hundred rows, so the writer drops the
GIL for the whole statement rather than once per row, and the main thread never
waits on the writer except when its queue is full.

Nothing here commits: the rows belong to the caller's transaction, so a killed
process leaves the database as it was. Only one thread uses the connection at a
time: the caller does not touch the session between creating the inserter and
:meth:`SqliteBulkInserter.close` (or :meth:`SqliteBulkInserter.abort`).

The indexes are kept up to date row by row (on the writer thread, so that cost
overlaps too) rather than dropped and rebuilt: a rebuild at the end would run
on the main thread with nothing left to overlap, and would change the order of
the schema's entries.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
from collections.abc import Sequence
from contextlib import suppress
from itertools import chain
from typing import Any

from sqlalchemy import Connection

from prospectr.db import translate_db_error

# Rows per INSERT statement (also bounded by SQLite's limit on bound parameters).
ROWS_PER_STATEMENT = 500
# Statements waiting for the writer; bounds the memory of rows in flight.
QUEUE_DEPTH = 8
# SQLite page cache while inserting (KiB): index pages stay in memory.
CACHE_KIB = 65536
# How soon a thread waiting for the GIL gets it (seconds); Python's default is 5 ms,
# which would make the writer wait that long after every statement.
SWITCH_INTERVAL_S = 0.0005

_STOP = None


def driver_connection(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLAlchemy connection."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


class SqliteBulkInserter:
    """Queues inserts for a writer thread on the caller's SQLite connection."""

    def __init__(self, conn: Connection) -> None:
        self.raw = driver_connection(conn)
        self.max_params = self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._jobs: queue.Queue[tuple[str, Sequence[Any]] | None] = queue.Queue(QUEUE_DEPTH)
        self._error: BaseException | None = None
        self._abandon = False
        self._old_cache = int(self.raw.execute("PRAGMA cache_size").fetchone()[0])
        self.raw.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._old_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self._thread = threading.Thread(target=self._run, name="prospectr-writer", daemon=True)
        self._thread.start()

    # --- the main thread ------------------------------------------------------------

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Queue ``rows`` (values in ``columns`` order, as the driver takes them)."""
        if not rows:
            return
        width = len(columns)
        per = max(1, min(ROWS_PER_STATEMENT, self.max_params // width))
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        one = f"({', '.join('?' for _ in columns)})"
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            flat = list(chain.from_iterable(chunk))
            self.execute(head + ", ".join([one] * len(chunk)), flat)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Queue one statement (run after everything queued before it)."""
        self._raise_if_failed()
        self._jobs.put((sql, params))

    def close(self) -> None:
        """Wait for the queued statements and restore the settings.

        Raises StorageError when a statement failed (the caller rolls back).
        """
        self._stop()
        try:
            self._raise_if_failed()
        finally:
            self._restore()

    def abort(self) -> None:
        """Stop the writer without running what is still queued (the caller rolls back)."""
        self._abandon = True
        self._stop()
        self._restore()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join()
        sys.setswitchinterval(self._old_interval)

    def _restore(self) -> None:
        # Only the page cache size: the rollback or the commit decides the data.
        with suppress(sqlite3.Error):
            self.raw.execute(f"PRAGMA cache_size={self._old_cache}")

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            self._abandon = True
            if isinstance(error, sqlite3.Error):
                raise translate_db_error(error) from None
            raise error

    # --- the writer thread ------------------------------------------------------------

    def _run(self) -> None:
        cursor = self.raw.cursor()
        while True:
            job = self._jobs.get()
            if job is _STOP:
                break
            if self._abandon or self._error is not None:
                continue  # drain, so the main thread never blocks on a full queue
            sql, params = job
            try:
                cursor.execute(sql, params)
            except BaseException as exc:  # handed to the main thread
                self._error = exc
        cursor.close()
