"""Server URLs: every spelling reaches psycopg 3; passwords never printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from prospectr.db import make_engine
from prospectr.errors import InvalidInput
from prospectr.server import is_server_url, server_url, shown


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://me@db.example.org/prospectr",
        "postgres://me@db.example.org/prospectr",
        "postgresql+psycopg://me@db.example.org/prospectr",
        "postgresql+psycopg2://me@db.example.org/prospectr",
    ],
)
def test_postgresql_urls_use_psycopg3(url: str) -> None:
    assert is_server_url(url)
    parsed = server_url(url)
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.username, parsed.host, parsed.database) == ("me", "db.example.org", "prospectr")


def test_make_engine_builds_a_psycopg_engine_without_connecting() -> None:
    engine = make_engine("postgresql://me@127.0.0.1:1/prospectr")
    try:
        assert engine.dialect.name == "postgresql"
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["mysql://me@host/db", "oracle://x@y/z"])
def test_other_servers_are_refused_in_one_line(url: str) -> None:
    assert not is_server_url(url)
    with pytest.raises(InvalidInput, match=r"unsupported database URL .*postgresql://"):
        make_engine(url)


def test_shown_masks_the_password() -> None:
    assert shown("postgresql://me:s3cret@db.example.org:5433/p") == (
        "postgresql://me:***@db.example.org:5433/p"
    )
    assert shown("sqlite:////home/me/prospectr.db") == "sqlite:////home/me/prospectr.db"


def test_plain_postgresql_url_runs_the_cli(
    cli: Callable[..., Any], pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--db postgresql://user@host/dbname``, as the owner types it, with a password."""
    url = make_url(pg_url).set(drivername="postgresql", password="s3cret")
    typed = url.render_as_string(hide_password=False)
    monkeypatch.delenv("PROSPECTR_DB")
    added = cli("--db", typed, "add", "Nguyễn Văn An", "-e", "an@example.vn")
    assert (added.exit_code, added.stderr) == (0, "")
    found = cli("--db", typed, "search", "NGUYEN van")
    assert found.exit_code == 0
    assert "Nguyễn Văn An" in found.stdout
    where = cli("--db", typed, "where")
    assert where.exit_code == 0
    assert where.stdout.splitlines() == [
        url.render_as_string(hide_password=True),
        "server or in-memory database (from --db)",
    ]
    assert "s3cret" not in where.stdout
