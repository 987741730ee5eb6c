"""Database servers (PostgreSQL): URLs, the engine, and what differs from SQLite.

``--db postgresql://user@host/dbname`` (or ``PROSPECTR_DB``) runs prospectr on a
PostgreSQL server through psycopg 3, installed with the ``postgres`` extra. The
plain ``postgresql://`` spelling, which SQLAlchemy would hand to psycopg2, is
read as ``postgresql+psycopg://``.

Two people at once: every unit of work is one short transaction
(``db.session_scope``). Readers never wait (MVCC). Writers take one
transaction-scoped advisory lock first, the server-side twin of SQLite's
``BEGIN IMMEDIATE``: writes queue one behind the other for a moment instead of
interleaving, so the domain's check-then-write rules (duplicate email or phone,
stage positions, migrations run by two processes at once) hold exactly as on
SQLite. The lock ends with the transaction, even when a client dies.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from prospectr.errors import InvalidInput, StorageError

DRIVER = "postgresql+psycopg"
_PLAIN_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2")
# Seconds a connection attempt may take before "server unreachable".
CONNECT_TIMEOUT_S = 10
# The advisory lock writers take (any constant; advisory locks are per database).
WRITE_LOCK_KEY = 0x70726F73  # "pros"
# How long a writer queues behind another (a large import) before giving up.
WRITE_LOCK_WAIT_S = 120
INSTALL_HINT = "PostgreSQL support needs psycopg: pip install 'prospectr[postgres]'"


def is_server_url(url: str) -> bool:
    """True for a PostgreSQL URL (any spelling of the scheme)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return scheme in _PLAIN_SCHEMES


def server_url(url: str) -> URL:
    """The SQLAlchemy URL for a PostgreSQL ``url``, using the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInput(f"not a database URL: {shown(url)}") from exc
    if parsed.drivername not in _PLAIN_SCHEMES:
        raise InvalidInput(
            f"unsupported database URL {shown(url)}: use a SQLite file or postgresql://..."
        )
    return parsed.set(drivername=DRIVER)


def shown(url: str | URL) -> str:
    """A URL safe to print: the password, if any, is masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url).split("@", 1)[-1]


def make_server_engine(url: str) -> Engine:
    """An engine on a PostgreSQL server (pooled; stale connections are replaced)."""
    target = server_url(url)
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise StorageError(INSTALL_HINT) from exc
    engine = create_engine(
        target,
        pool_pre_ping=True,
        pool_size=2,
        max_overflow=4,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "prospectr"},
    )

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # db.session_scope(write=True) and migrations ask for "IMMEDIATE": one writer at a time.
        if conn.get_execution_options().get("prospectr_begin") == "IMMEDIATE":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_LOCK_WAIT_S}s'")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    return engine


__all__ = ["DRIVER", "is_server_url", "make_server_engine", "server_url", "shown"]
