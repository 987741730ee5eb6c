"""The bulk write path of an import: history and batch items by id range, the
writer thread (SQLite), search text, and the collector left as it was."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from prospectr.db import session_scope
from prospectr.domain.leads import lead_tags, search_text_for
from prospectr.errors import NotFound
from prospectr.models import Interaction, Lead
from tests.conftest import NOW
from tests.io.conftest import run_import


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_history_and_batch_items_cover_exactly_the_new_leads(
    engine: Engine, tmp_path: Path
) -> None:
    first = _write(tmp_path, "a.csv", "Name,Email\nAnn,ann@example.com\nBo,bo@example.com\n")
    run_import(engine, first)
    second = _write(
        tmp_path,
        "b.csv",
        "Name,Email,Stage\n"
        "Cy,cy@example.com,contacted\n"
        "Bo again,bo@example.com,\n"  # a duplicate: skipped, no history, no item
        "Di,not-an-email,\n"  # rejected
        "Ed,ed@example.com,won\n",
    )
    report = run_import(engine, second)
    assert (report.imported, report.skipped, report.rejected) == (2, 1, 1)
    with Session(engine) as s:
        history = s.execute(
            text(
                "SELECT lead.name, h.from_stage_id, stage.name, h.at FROM stage_history h"
                " JOIN lead ON lead.id = h.lead_id JOIN stage ON stage.id = h.to_stage_id"
                " ORDER BY h.id"
            )
        ).all()
        items = s.execute(
            text(
                "SELECT i.batch_id, lead.name, i.action, i.before FROM import_item i"
                " JOIN lead ON lead.id = i.lead_id ORDER BY i.id"
            )
        ).all()
        stages = dict(s.execute(text("SELECT name, stage_id FROM lead")).all())
        stage_ids = dict(s.execute(text("SELECT name, id FROM stage")).all())
    # One history row per created lead: it entered the stage it sits in, at the import's time.
    assert [(name, src, stage) for name, src, stage, _ in history] == [
        ("Ann", None, "new"),
        ("Bo", None, "new"),
        ("Cy", None, "contacted"),
        ("Ed", None, "won"),
    ]
    assert {str(at)[:19] for *_, at in history} == {NOW.isoformat(sep=" ")}
    assert stages == {
        "Ann": stage_ids["new"],
        "Bo": stage_ids["new"],
        "Cy": stage_ids["contacted"],
        "Ed": stage_ids["won"],
    }
    assert [(batch, name, action) for batch, name, action, _ in items] == [
        (report.batch_id - 1, "Ann", "created"),
        (report.batch_id - 1, "Bo", "created"),
        (report.batch_id, "Cy", "created"),
        (report.batch_id, "Ed", "created"),
    ]
    assert {before for *_, before in items} <= {None, "null"}


def test_search_text_is_the_same_as_for_a_lead_added_by_hand(
    engine: Engine, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "people.csv",
        "First Name,Last Name,E-mail 1 - Value,Phone 1 - Value,Organization Name,"
        "Organization Title,Address 1 - City,Address 1 - Country,Labels,Notes\n"
        "Nguyễn,Thị Thảo,THAO@Example.VN,+84 90 123 4567,Bánh Mì Cô Ba,Chủ,Hà Nội,Việt Nam,"
        "VIP ::: Tết,Gặp ở HỘI CHỢ\n"
        "Արամ,Հակոբյան,aram@example.am,+374 10 555 123,,,Երևան,Հայաստան,,\n"
        "Сергей,Смирнов,,+7 495 123 45 67,Ромашка,Директор,Москва,Россия,оптом,\n",
    )
    report = run_import(engine, path, source="Facebook Group", tags=["Fair 2026"])
    assert report.imported == 3
    with Session(engine) as s:
        leads = list(s.exec(select(Lead).order_by(col(Lead.id))))
        for lead in leads:
            assert lead.id is not None
            notes = [
                n.text for n in s.exec(select(Interaction).where(Interaction.lead_id == lead.id))
            ]
            by_hand = search_text_for(lead, lead_tags(s, lead.id), notes)
            assert lead.search_text == by_hand  # tags sorted, as a refresh puts them
        assert leads[0].search_text.split("\n") == [
            "nguyen thi thao",
            "nguyen",
            "thi thao",
            "thao@example.vn",
            "84901234567",
            "banh mi co ba",
            "chu",
            "ha noi",
            "viet nam",
            "facebook group",
            "fair 2026",
            "tet",
            "vip",
            "gap o hoi cho",
        ]
        assert [lead.name_key for lead in leads] == [
            "nguyen thi thao",
            "արամ հակոբյան",
            "сергеи смирнов",  # й folds like an accented и
        ]


def test_the_cycle_collector_is_left_as_it_was(
    engine: Engine, tmp_path: Path, fixture_file: Callable[[str], Path]
) -> None:
    path = _write(tmp_path, "one.csv", "Name\nAnn\n")
    assert gc.isenabled()
    run_import(engine, path)
    assert gc.isenabled()
    gc.disable()
    try:
        run_import(engine, path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(NotFound):
        run_import(engine, tmp_path / "missing.csv")
    assert gc.isenabled()


@pytest.mark.sqlite_only
def test_a_failing_insert_on_the_writer_thread_rolls_everything_back(
    file_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error on the writer thread reaches the caller as one StorageError; nothing stays."""
    from prospectr.domain import import_bulk
    from prospectr.errors import StorageError

    run_import(file_engine, _write(tmp_path, "a.csv", "Name\nAnn\n"))
    monkeypatch.setattr(import_bulk, "FLUSH_EVERY", 2)
    real_add = import_bulk.BulkWriter.add

    def add_with_a_taken_id(self: import_bulk.BulkWriter, values: dict, **kw: object) -> None:  # type: ignore[type-arg]
        if kw["lead_id"] == 4:
            kw["lead_id"] = 1  # Ann's id: the insert fails on the writer thread
        real_add(self, values, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(import_bulk.BulkWriter, "add", add_with_a_taken_id)
    rows = "".join(f"Lead {i}\n" for i in range(2, 40))
    with pytest.raises(StorageError, match=r"UNIQUE constraint failed: lead\.id"):
        run_import(file_engine, _write(tmp_path, "b.csv", f"Name\n{rows}"))
    with session_scope(file_engine, write=False) as s:
        assert s.execute(text("SELECT name FROM lead")).scalars().all() == ["Ann"]
        assert s.execute(text("SELECT count(*) FROM stage_history")).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM import_item")).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM import_batch")).scalar() == 1
    # The connection is usable again: the next import works.
    report = run_import(file_engine, _write(tmp_path, "c.csv", "Name\nBo\n"))
    assert report.imported == 1


def test_new_leads_search_text_follows_the_one_rule(engine: Engine, tmp_path: Path) -> None:
    """Tags in file order (zeta before alpha) end in the search text as a refresh puts them."""
    path = _write(tmp_path, "t.csv", "Name,Tags,Notes\nRey,zeta;Alpha,likes tea\nSol,,\n")
    run_import(engine, path)
    with session_scope(engine, write=False) as s:
        leads = list(s.exec(select(Lead).order_by(col(Lead.id))))
        for lead in leads:
            notes = s.exec(select(Interaction.text).where(col(Interaction.lead_id) == lead.id))
            assert lead.search_text == search_text_for(lead, lead_tags(s, lead.id or 0), notes)
        assert leads[0].search_text == "rey\nalpha\nzeta\nlikes tea"
