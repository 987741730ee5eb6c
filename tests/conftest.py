"""Shared fixtures: a fresh database per test, a frozen clock, a lead factory, a CLI runner.

With ``PROSPECTR_TEST_PG_URL`` set (e.g. ``postgresql://postgres@127.0.0.1:5433/postgres``,
a user allowed to create databases), the ``engine``, ``file_engine`` and
``db_path``/``cli`` fixtures give every test a fresh PostgreSQL database instead
of SQLite: a copy of one migrated template, dropped after the test. Tests that
are about SQLite itself carry ``@pytest.mark.sqlite_only`` and are skipped then.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from prospectr.db import open_database, session_scope
from prospectr.models import Lead

# The PostgreSQL server (a maintenance database URL) the suite runs against, if any.
PG_URL = os.environ.get("PROSPECTR_TEST_PG_URL", "").strip()

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: about SQLite itself (file, pragmas, WAL, backup API);"
        " skipped when PROSPECTR_TEST_PG_URL is set",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL:
        return
    skip = pytest.mark.skip(reason="SQLite-only test (PROSPECTR_TEST_PG_URL is set)")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


def _alive(pid: str) -> bool:
    """True when ``pid`` is a running process here (or not a number: then keep it)."""
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PgDatabases:
    """Fresh PostgreSQL databases, each a copy of one migrated template (fast)."""

    def __init__(self, url: str) -> None:
        from prospectr.server import server_url

        self.base = server_url(url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.prefix = f"prospectr_test_{worker}_{os.getpid()}"
        self.template = f"{self.prefix}_tpl"
        self.made = 0
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._drop_leftovers()
        self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{self.template}"')
        open_database(self.url(self.template), now=NOW).dispose()

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(statement))

    def _drop_leftovers(self) -> None:
        """Drop test databases of runs that died on this machine (their process is gone)."""
        if self.base.host not in (None, "", "localhost", "127.0.0.1", "::1"):
            return  # a shared server: other machines' runs are not ours to judge
        with self.admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE 'prospectr_test_%'")
            ).scalars()
            stale = [n for n in names if not _alive(n.split("_")[3])]
        for name in stale:
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def url(self, name: str) -> str:
        """The URL of database ``name`` on the test server (password kept)."""
        return self.base.set(database=name).render_as_string(hide_password=False)

    @contextmanager
    def fresh(self, *, migrated: bool = True) -> Iterator[str]:
        """A new database with the newest schema (or none); dropped, connections and all, after.

        A connection still inside a transaction at the end fails the test.
        """
        self.made += 1
        name = f"{self.prefix}_{self.made}"
        template = self.template if migrated else "template0"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield self.url(name)
        finally:
            open_tx = self._open_transactions(name)
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # prospectr must not hold transactions open (two people share the server).
        assert open_tx == 0, f"{open_tx} connection(s) left inside a transaction by the test"

    def _open_transactions(self, name: str) -> int:
        """Connections to ``name`` left inside a transaction (a leaked session)."""
        with self.admin.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :d"
                        " AND state LIKE 'idle in transaction%'"
                    ),
                    {"d": name},
                ).scalar_one()
            )

    def close(self) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[PgDatabases | None]:
    """The PostgreSQL database factory when PROSPECTR_TEST_PG_URL is set, else None."""
    if not PG_URL:
        yield None
        return
    dbs = PgDatabases(PG_URL)
    yield dbs
    dbs.close()


@pytest.fixture
def engine(pg_databases: PgDatabases | None) -> Iterator[Engine]:
    """A fresh database with the full schema: in-memory SQLite, or PostgreSQL (see above)."""
    if pg_databases is None:
        eng = open_database("sqlite://")
        yield eng
        eng.dispose()
        return
    with pg_databases.fresh() as url:
        eng = open_database(url)
        yield eng
        eng.dispose()


@pytest.fixture
def file_engine(tmp_path: Path, pg_databases: PgDatabases | None) -> Iterator[Engine]:
    """A fresh SQLite file database (pragmas, WAL and permissions apply), or PostgreSQL."""
    if pg_databases is None:
        eng = open_database(f"sqlite:///{tmp_path / 'prospectr.db'}")
        yield eng
        eng.dispose()
        return
    with pg_databases.fresh() as url:
        eng = open_database(url)
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
def db_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_databases: PgDatabases | None
) -> Iterator[Path]:
    """Point PROSPECTR_DB at a temp file and freeze the CLI clock (PROSPECTR_NOW).

    On PostgreSQL, PROSPECTR_DB is a fresh database's URL instead (the path is unused).
    """
    path = tmp_path / "data" / "prospectr.db"
    monkeypatch.setenv("PROSPECTR_NOW", NOW.isoformat())
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    if pg_databases is None:
        monkeypatch.setenv("PROSPECTR_DB", str(path))
        yield path
        return
    with pg_databases.fresh() as url:
        monkeypatch.setenv("PROSPECTR_DB", url)
        yield path


@pytest.fixture
def db_url(db_path: Path) -> str:
    """The URL of the database the CLI uses (the file at ``db_path``, or PostgreSQL)."""
    from prospectr.config import resolve_db

    return resolve_db(None)


@pytest.fixture
def cli(db_path: Path) -> Callable[..., Any]:
    """Run the CLI in-process: ``result = cli("add", "Maria")``; stdout and stderr separate."""
    from typer.testing import CliRunner

    from prospectr.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Any:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
