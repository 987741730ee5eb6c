"""Fixtures for the server suite: PostgreSQL databases (skipped without a server),
copy targets on both backends, the benchmark dataset builder, and table dumps."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, MetaData, String, cast, select

from tests.conftest import PgDatabases

ROOT = Path(__file__).resolve().parents[2]

Dump = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def pg_url(pg_databases: PgDatabases | None) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database; the test is skipped without a server."""
    if pg_databases is None:
        pytest.skip("no PostgreSQL server: set PROSPECTR_TEST_PG_URL")
    with pg_databases.fresh() as url:
        yield url


@pytest.fixture
def blank_pg_url(pg_databases: PgDatabases | None) -> Iterator[str]:
    """A fresh PostgreSQL database without any table; skipped without a server."""
    if pg_databases is None:
        pytest.skip("no PostgreSQL server: set PROSPECTR_TEST_PG_URL")
    with pg_databases.fresh(migrated=False) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def target_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_databases: PgDatabases | None
) -> Iterator[str]:
    """A copy target that does not exist yet: a SQLite file, or a blank server database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'target' / 'copy.db'}"
        return
    if pg_databases is None:
        pytest.skip("no PostgreSQL server: set PROSPECTR_TEST_PG_URL")
    with pg_databases.fresh(migrated=False) as url:
        yield url


@pytest.fixture(scope="session")
def build() -> Callable[..., None]:
    """``bench/dataset.py``'s ``build(url, leads=..., interactions=...)``."""
    spec = importlib.util.spec_from_file_location("bench_dataset", ROOT / "bench" / "dataset.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build  # type: ignore[no-any-return]


def dump(engine: Engine) -> Dump:
    """Every row of every table as Python values, in primary-key order.

    JSON columns are read as their stored text, so SQL NULL and JSON null differ.
    """
    md = MetaData()
    with engine.connect() as conn:
        md.reflect(bind=conn)
        out: Dump = {}
        for table in md.sorted_tables:
            if table.name.startswith("sqlite_"):
                continue
            cols = [
                cast(c, String).label(c.name) if isinstance(c.type, JSON) else c
                for c in table.columns
            ]
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*order))]
    return out


def json_values(rows: list[tuple[Any, ...]], index: int) -> list[Any]:
    """The decoded JSON of one column (None for SQL NULL)."""
    return [None if r[index] is None else json.loads(r[index]) for r in rows]
