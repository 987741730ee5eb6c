"""A full report on a SQLite file reads part of its sections on a second connection.

It must give the same answers as reading everything on the caller's session, and
it must not be used when that second connection could not see what the caller's
session sees (an in-memory database, or writes not yet committed).
"""

from __future__ import annotations

import threading
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from prospectr.db import open_database, session_scope, side_reader
from prospectr.domain import reports
from prospectr.domain.reports import SIDE_SECTIONS, build_report
from prospectr.models import Interaction

from .dataset import TODAY, build

pytestmark = pytest.mark.sqlite_only
TODAY_AT = datetime.combine(TODAY, time(9, 0))


@pytest.fixture
def file_engine(tmp_path: Path) -> Any:
    engine = open_database(f"sqlite:///{tmp_path / 'reports.db'}")
    with session_scope(engine) as s:
        build(s)
    yield engine
    engine.dispose()


def threads_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the thread each section runs on."""
    seen: list[str] = []
    real = reports._section

    def spy(data: Any, name: str, by: str, stale_limit: int | None) -> Any:
        seen.append(f"{name}@{threading.current_thread().name}")
        return real(data, name, by, stale_limit)

    monkeypatch.setattr(reports, "_section", spy)
    return seen


def test_a_file_report_splits_the_sections_and_matches_the_in_memory_one(
    file_engine: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(engine) as s:
        build(s)
    with session_scope(engine, write=False) as s:
        alone = build_report(s, today=TODAY, stale_limit=3).as_dict()
    seen = threads_used(monkeypatch)
    with session_scope(file_engine, write=False) as s:
        split = build_report(s, today=TODAY, stale_limit=3).as_dict()
    assert split == alone
    main = threading.main_thread().name
    where = {x.partition("@")[0]: x.partition("@")[2] for x in seen}
    assert sorted(where) == sorted(reports.SECTIONS)
    assert {name for name, thread in where.items() if thread != main} == SIDE_SECTIONS
    assert {name for name, thread in where.items() if thread == main} == {
        "funnel",
        "sources",
        "trend",
    }


def test_one_side_alone_stays_on_the_callers_session(
    file_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = threads_used(monkeypatch)
    with session_scope(file_engine, write=False) as s:
        build_report(s, today=TODAY, sections=["stale", "lost"])
        build_report(s, today=TODAY, sections=["funnel"])
    main = threading.main_thread().name
    assert seen == [f"stale@{main}", f"lost@{main}", f"funnel@{main}"]


def test_no_second_reader_for_an_in_memory_database(engine: Engine) -> None:
    with session_scope(engine, write=False) as s:
        assert side_reader(s) is None


def test_no_second_reader_once_the_session_has_written(file_engine: Engine) -> None:
    with session_scope(file_engine) as s:
        side = side_reader(s)
        assert side is not None
        side.close()
        s.add(Interaction(lead_id=5, kind="call", at=TODAY_AT, text="pending"))
        assert side_reader(s) is None  # pending object
        s.flush()
        assert side_reader(s) is None  # written on this connection, not committed
        s.rollback()


def test_an_uncommitted_write_shows_in_the_report_of_the_same_session(
    file_engine: Engine,
) -> None:
    with session_scope(file_engine, write=False) as s:
        before = build_report(s, today=TODAY).sections["stale"]
    with Session(file_engine) as s:
        stale_ids = [x.lead_id for x in before.leads]
        assert stale_ids
        s.add(Interaction(lead_id=stale_ids[0], kind="call", at=TODAY_AT, text="called today"))
        s.flush()
        after = build_report(s, today=TODAY).sections["stale"]
        s.rollback()
    assert [x.lead_id for x in after.leads] == stale_ids[1:]
