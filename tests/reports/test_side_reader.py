"""A report on a SQLite file reads part of its work on a second connection.

Each connection builds the facts of a share of the leads and their sums are
added; velocity and stale run on the second connection, the other sections on
the caller's. It must give the same answers as reading everything on the
caller's session, and it must not be used when that second connection could not
see what the caller's session sees (an in-memory database, or writes not yet
committed).
"""

from __future__ import annotations

import threading
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from prospectr.db import open_database, session_scope, side_reader
from prospectr.domain import reports
from prospectr.domain.report_base import FactsSums, report_data
from prospectr.domain.reports import SIDE_SECTIONS, build_report
from prospectr.models import Interaction, Lead

from .dataset import TODAY, build

pytestmark = pytest.mark.sqlite_only
TODAY_AT = datetime.combine(TODAY, time(9, 0))
MAIN = threading.main_thread().name


@pytest.fixture(autouse=True)
def share_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dataset's 12 leads are shared like a large database's (one test sets it back)."""
    monkeypatch.setattr(reports, "SPLIT_MIN_LEADS", 1)


@pytest.fixture
def file_engine(tmp_path: Path) -> Any:
    engine = open_database(f"sqlite:///{tmp_path / 'reports.db'}")
    with session_scope(engine) as s:
        build(s)
    yield engine
    engine.dispose()


def threads_used(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the thread each section runs on, and where facts sums are built."""
    seen: list[str] = []
    real = reports._section
    real_sums = reports.ReportData._sum_facts

    def spy(data: Any, name: str, stale_limit: int | None) -> Any:
        seen.append(f"{name}@{threading.current_thread().name}")
        return real(data, name, stale_limit)

    def spy_sums(data: Any) -> Any:
        seen.append(f"sums {data.lead_ids}@{threading.current_thread().name}")
        return real_sums(data)

    monkeypatch.setattr(reports, "_section", spy)
    monkeypatch.setattr(reports.ReportData, "_sum_facts", spy_sums)
    return seen


def where_run(seen: list[str]) -> dict[str, str]:
    """Section (or sums) name -> ``main`` or ``side``."""
    return {x.partition("@")[0]: "main" if x.endswith(f"@{MAIN}") else "side" for x in seen}


def in_memory_report(engine: Engine, **options: Any) -> dict[str, Any]:
    """The report of the dataset on the in-memory database: one connection, no split."""
    with session_scope(engine) as s:
        build(s)
    with session_scope(engine, write=False) as s:
        return build_report(s, today=TODAY, **options).as_dict()


def test_a_file_report_splits_the_sections_and_matches_the_in_memory_one(
    file_engine: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = in_memory_report(engine, stale_limit=3)
    seen = threads_used(monkeypatch)
    with session_scope(file_engine, write=False) as s:
        split = build_report(s, today=TODAY, stale_limit=3).as_dict()
    assert split == alone
    # Leads 1-12: the caller's side builds the facts of the leads before the cut
    # (it runs lost and customers besides), the second connection the others
    # (with velocity and stale); the caller's share is the larger one.
    with session_scope(file_engine, write=False) as s:
        ids = reports._ids_worth_sharing(s)
    assert ids == (1, 12)
    cut = reports._share_the_leads(*ids, reports.SECTIONS)
    assert 7 < cut <= 12
    assert where_run(seen) == {
        f"sums (None, {cut})": "main",
        f"sums ({cut}, None)": "side",
        **dict.fromkeys(["funnel", "sources", "lost", "trend", "customers"], "main"),
        **dict.fromkeys(SIDE_SECTIONS, "side"),
    }


def test_sections_without_facts_alone_stay_on_the_callers_session(
    file_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = threads_used(monkeypatch)
    with session_scope(file_engine, write=False) as s:
        build_report(s, today=TODAY, sections=["velocity", "stale"])
        build_report(s, today=TODAY, sections=["lost"])
    assert seen == [f"velocity@{MAIN}", f"stale@{MAIN}", f"lost@{MAIN}"]


def test_a_facts_section_alone_shares_the_facts_with_the_second_connection(
    file_engine: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = in_memory_report(engine, sections=["funnel"])
    seen = threads_used(monkeypatch)
    with session_scope(file_engine, write=False) as s:
        split = build_report(s, today=TODAY, sections=["funnel"]).as_dict()
    assert split == alone
    # Nothing else runs, so the leads are shared in half: ids 1-6 here, 7-12 there.
    assert where_run(seen) == {"sums (None, 7)": "main", "sums (7, None)": "side", "funnel": "main"}


def test_a_section_reads_its_own_sums_whatever_the_report_was_set_up_for(
    file_engine: Engine,
) -> None:
    with session_scope(file_engine, write=False) as s:
        whole = build_report(s, today=TODAY).sections
        with report_data(s, today=TODAY, sections=["funnel"]) as data:
            assert reports.funnel(data) == whole["funnel"]
            assert reports.sources(data) == whole["sources"]
            assert reports.trend(data) == whole["trend"]
        with report_data(s, today=TODAY, sections=["sources"]) as data:
            assert reports.funnel(data) == whole["funnel"]


def test_a_small_database_stays_on_the_callers_session(
    file_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(file_engine, write=False) as s:
        shared = build_report(s, today=TODAY).as_dict()
    monkeypatch.setattr(reports, "SPLIT_MIN_LEADS", 13)  # one more than the 12 ids
    seen = threads_used(monkeypatch)
    with session_scope(file_engine, write=False) as s:
        assert build_report(s, today=TODAY).as_dict() == shared
    assert [x for x in seen if x.startswith("sums")] == [f"sums (None, None)@{MAIN}"]
    assert set(where_run(seen).values()) == {"main"}
    monkeypatch.setattr(reports, "SPLIT_MIN_LEADS", 12)
    seen.clear()
    with session_scope(file_engine, write=False) as s:
        build_report(s, today=TODAY)
    assert set(where_run(seen).values()) == {"main", "side"}


def test_with_no_lead_the_caller_reads_alone(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with session_scope(engine, write=False) as s:
            assert reports._ids_worth_sharing(s) is None
            report = build_report(s, today=TODAY)
    finally:
        engine.dispose()
    assert report.sections["funnel"].rows[0].reached == 0
    assert report.sections["stale"].leads == []


@pytest.mark.parametrize("by", ["month", "week"])
def test_the_facts_sums_of_two_shares_add_up_to_the_whole(file_engine: Engine, by: str) -> None:
    flt_cases = [
        reports.ReportFilter(),
        reports.ReportFilter(source="referral"),
        reports.ReportFilter(since=TODAY.replace(month=9, day=1), tag="fair-2026"),
    ]
    with session_scope(file_engine, write=False) as s:
        ids = sorted(s.exec(select(Lead.id)).all())
        for flt in flt_cases:
            args: dict[str, Any] = {"today": TODAY, "flt": flt, "by": by}
            with report_data(s, **args) as data:
                whole = data.facts_sums("funnel")
                assert whole.cells
                assert any(whole.days.values())
                assert whole.sale_days or flt.tag  # the fair's two leads bought nothing
            for cut in [ids[0], *ids[1:], ids[-1] + 1]:
                with report_data(s, **args, lead_ids=(None, cut)) as low:
                    total = FactsSums()
                    total.add(low.facts_sums("funnel"))
                with report_data(s, **args, lead_ids=(cut, None)) as high:
                    total.add(high.facts_sums("funnel"))
                assert total == whole, (flt, cut)


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
