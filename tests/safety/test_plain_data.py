"""Search and filter strings are plain data: no SQL, no LIKE wildcards, no path tricks.

Backend-neutral (runs on PostgreSQL too when the suite is pointed at a server),
except the test about file paths.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect
from sqlmodel import select

from prospectr.db import session_scope
from prospectr.domain import LeadQuery, add_lead, count_matching, list_leads
from prospectr.errors import NotFound
from prospectr.models import Lead

from ..conftest import NOW, TODAY
from .conftest import Tally

INJECTION = "'; DROP TABLE lead; --"
LEADS = [
    # name, tag, source, city
    ("x'; DROP TABLE lead; -- Smith", "'; drop table lead; --", "'; drop", "O'Brien"),
    ("Sale 100%_off", "%_", "%", "_"),
    ("Sale 100x off", "x", "web", "Manila"),
    ('Quote "double" \\ back', "a_b", "a%b", "Hà Nội"),
    ("Plain Person", "vip", "referral", "Cebu"),
]
HOSTILE_QUERIES = [
    INJECTION,
    "%",
    "_",
    "%_",
    "\\",
    "\\%",
    "' OR '1'='1",
    '" OR ""="',
    "*",
    "?",
    "[a-z]",
    "lead; --",
    "%' --",
]


@pytest.fixture
def db(engine: Engine) -> Engine:
    with session_scope(engine) as s:
        for name, tag, source, city in LEADS:
            add_lead(s, now=NOW, name=name, tags=[tag], source=source, city=city)
    return engine


def lead_count(engine: Engine) -> int:
    with session_scope(engine, write=False) as s:
        return int(s.exec(select(func.count()).select_from(Lead)).one())


def found(engine: Engine, **query: Any) -> list[str]:
    with session_scope(engine, write=False) as s:
        q = LeadQuery(**query)
        rows = list_leads(s, q, today=TODAY, limit=None)
        assert count_matching(s, q, today=TODAY) == len(rows)
        return sorted(r.name for r in rows)


def test_wildcards_match_themselves(db: Engine) -> None:
    assert found(db, text="%_") == ["Sale 100%_off"]
    both = ['Quote "double" \\ back', "Sale 100%_off"]  # source a%b, tag a_b
    assert found(db, text="%") == both
    assert found(db, text="_") == both
    assert found(db, text="100x") == ["Sale 100x off"]
    assert found(db, text="\\") == ['Quote "double" \\ back']
    assert found(db, tag="%_") == ["Sale 100%_off"]
    assert found(db, source="%") == ["Sale 100%_off"]
    assert found(db, city="_") == ["Sale 100%_off"]
    assert found(db, source="a%b") == ['Quote "double" \\ back']


def test_sql_in_a_query_is_just_text(db: Engine) -> None:
    assert found(db, text=INJECTION) == ["x'; DROP TABLE lead; -- Smith"]
    assert found(db, tag=INJECTION) == ["x'; DROP TABLE lead; -- Smith"]
    assert found(db, city="o'brien") == ["x'; DROP TABLE lead; -- Smith"]
    assert found(db, source="'; drop") == ["x'; DROP TABLE lead; -- Smith"]
    with session_scope(db, write=False) as s, pytest.raises(NotFound):
        list_leads(s, LeadQuery(stage=INJECTION), today=TODAY)
    assert all(inspect(db).has_table(t) for t in ("lead", "stage", "interaction"))
    assert lead_count(db) == len(LEADS)


@pytest.mark.parametrize("text", HOSTILE_QUERIES)
@pytest.mark.parametrize("field", ["text", "tag", "source", "city"])
def test_hostile_filters_never_fail_or_match_everything(
    db: Engine, text: str, field: str, tally: Tally
) -> None:
    names = found(db, **{field: text})
    assert "Plain Person" not in names
    assert "Sale 100x off" not in names
    assert len(names) <= 2, names
    assert lead_count(db) == len(LEADS)
    tally.add("inputs generated")


CliRun = Callable[..., Any]


def test_cli_search_and_filters_take_text_literally(cli: CliRun) -> None:
    for name, tag, source, city in LEADS:
        added = cli("add", name, "--tag", tag, "--source", source, "--city", city)
        assert added.exit_code == 0, added.stderr

    def names(*args: str) -> list[str]:
        result = cli(*args, "--json")
        assert result.exit_code == 0, result.stderr
        return sorted(row["name"] for row in json.loads(result.stdout)["leads"])

    assert names("search", INJECTION) == ["x'; DROP TABLE lead; -- Smith"]
    assert names("search", "%_") == ["Sale 100%_off"]
    assert names("list", "-q", "%") == ['Quote "double" \\ back', "Sale 100%_off"]
    assert names("list", "--tag", "%_") == ["Sale 100%_off"]
    assert names("list", "--source", "%") == ["Sale 100%_off"]
    assert names("list", "--city", "_") == ["Sale 100%_off"]
    assert names("list", "--tag", INJECTION) == ["x'; DROP TABLE lead; -- Smith"]
    assert names("search", "' OR '1'='1") == []
    stage = cli("list", "--stage", INJECTION)
    assert stage.exit_code == 3
    assert INJECTION in stage.stderr
    assert names("list") == sorted(name for name, *_ in LEADS)


@pytest.mark.sqlite_only
def test_quotes_in_paths_are_plain_data(tmp_path: Path, cli: CliRun) -> None:
    odd = tmp_path / "it's; DROP TABLE lead; -- %_" / "my 'db'.db"
    assert cli("--db", str(odd), "add", "Maria").exit_code == 0
    target = tmp_path / "back'up; --.db"
    made = cli("--db", str(odd), "backup", str(target))
    assert made.exit_code == 0, made.stderr
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("SELECT name FROM lead").fetchall() == [("Maria",)]
