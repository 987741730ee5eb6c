"""Undo of an import: the database is as it was (compared as an SQL dump)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from prospectr.db import session_scope
from prospectr.domain import (
    add_followup,
    add_lead,
    complete_followup,
    get_lead,
    snooze_followup,
    update_lead,
)
from prospectr.domain.import_batches import list_batches, undo_import
from prospectr.errors import Conflict, NotFound
from prospectr.models import FollowUp
from tests.conftest import NOW
from tests.io.conftest import run_import, stored, table_dump

LATER = NOW + timedelta(hours=2)

CSV = (
    "Name,Email,Phone,City,Company,Tags,Notes,Birthday,Gender\n"
    "Maria S.,maria@example.com,,Quezon City,Cakes by Maria,fair,wants cakes,1986-03-15,f\n"
    "Ann Lee,ann@example.com,555 0100 200,Cebu,,,,--07-04,f\n"
    "Bo Chan,,5550100300,Davao,Acme,friends,first note,,m\n"
    "Cy Diaz,cy@example.com,555 0100 400,,,,,,\n"
    "Ann L.,ANN@example.com,,Manila,,x,,,\n"
)


def _seed(engine: Engine) -> None:
    with session_scope(engine) as s:
        add_lead(
            s,
            now=NOW,
            name="Maria Santos",
            email="maria@example.com",
            phone="+63 917 123 4567",
            city="Manila",
            tags=["vip"],
            note="met at church",
            custom={"size": "L"},
        )
        add_lead(s, now=NOW, name="Bo Chan", phone="555 0100 300", birthday="02-29")
        add_lead(s, now=NOW, name="Untouched", email="u@example.com")


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["update", "merge", "skip"])
def test_import_then_undo_leaves_the_database_identical(
    file_engine: Engine, tmp_path: Path, mode: str
) -> None:
    _seed(file_engine)
    before = table_dump(file_engine)
    report = run_import(
        file_engine, _file(tmp_path), on_duplicate=mode, mapping=["Gender=custom"], tags=["csv"]
    )
    assert report.imported == 2
    assert report.merged == (3 if mode == "merge" else 0)
    assert report.updated == (3 if mode == "update" else 0)
    assert report.unchanged == 0
    assert table_dump(file_engine) != before
    if mode == "update":
        maria = stored(file_engine)["Maria S."]
        assert (maria["city"], maria["company"], maria["bday_year"]) == (
            "Quezon City",
            "Cakes by Maria",
            1986,
        )
        assert maria["tags"] == ["csv", "fair", "vip"]
        assert maria["notes"] == ["met at church", "wants cakes"]
        assert maria["custom"] == {"size": "L", "Gender": "f"}
    with session_scope(file_engine) as s:
        result = undo_import(s, report.batch_id or 0, now=LATER)
    assert result.deleted == 2
    assert result.restored == (2 if mode != "skip" else 0)
    assert table_dump(file_engine) == before
    with session_scope(file_engine) as s:
        (batch,) = list_batches(s)
    assert batch.undone_at == LATER
    assert batch.counts["imported"] == 2


def test_undo_refuses_when_imported_leads_changed_since(
    file_engine: Engine, tmp_path: Path
) -> None:
    report = run_import(file_engine, _file(tmp_path))
    batch = report.batch_id or 0
    with session_scope(file_engine) as s:
        lead = get_lead(s, 1)
        update_lead(s, lead, now=LATER, city="Iloilo")
    with (
        pytest.raises(Conflict, match=r"lead #1 Maria S\. changed after import #1"),
        session_scope(file_engine) as s,
    ):
        undo_import(s, batch, now=LATER)
    with session_scope(file_engine) as s:
        assert undo_import(s, batch, now=LATER, force=True).deleted == 4
    assert stored(file_engine) == {}


def test_undo_refuses_when_a_followup_was_added(file_engine: Engine, tmp_path: Path) -> None:
    report = run_import(file_engine, _file(tmp_path))
    with session_scope(file_engine) as s:
        add_followup(s, get_lead(s, 2), due=NOW.date(), now=LATER)
    with (
        pytest.raises(Conflict, match="has follow-ups or sales since import #1"),
        session_scope(file_engine) as s,
    ):
        undo_import(s, report.batch_id or 0, now=LATER)
    assert len(stored(file_engine)) == 4


def test_undo_deletes_the_follow_ups_the_import_made(file_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "later.csv"
    path.write_text("Name,Stage,Next followup\nLater,not-now,2027-01-08\n", encoding="utf-8")
    before = table_dump(file_engine)
    report = run_import(file_engine, path)
    with session_scope(file_engine, write=False) as s:
        made = [(f.lead_id, f.due, f.text, f.created_at) for f in s.exec(select(FollowUp))]
    assert made == [(1, date(2027, 1, 8), "follow up (not-now)", NOW)]
    with session_scope(file_engine) as s:
        assert undo_import(s, report.batch_id or 0, now=LATER).deleted == 1
    assert table_dump(file_engine) == before


@pytest.mark.parametrize("work", ["done", "snoozed"])
def test_undo_refuses_when_an_imported_follow_up_was_worked_on(
    file_engine: Engine, tmp_path: Path, work: str
) -> None:
    path = tmp_path / "later.csv"
    path.write_text("Name,Stage,Next followup\nLater,not-now,2027-01-08\n", encoding="utf-8")
    report = run_import(file_engine, path)
    with session_scope(file_engine) as s:
        item = s.exec(select(FollowUp)).one()
        if work == "done":
            complete_followup(s, item, now=LATER)
        else:
            snooze_followup(s, item, until=date(2027, 2, 1), now=LATER)
    with (
        pytest.raises(Conflict, match=r"lead #1 Later changed after import #1"),
        session_scope(file_engine) as s,
    ):
        undo_import(s, report.batch_id or 0, now=LATER)
    assert len(stored(file_engine)) == 1


def test_undo_clears_referrals_to_the_deleted_leads(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("Name,Email\nRey,rey@example.com\nSol,sol@example.com\n", encoding="utf-8")
    report = run_import(engine, path)
    with session_scope(engine) as s:
        friend = add_lead(s, now=LATER, name="Tia Cruz", referred_by="Rey")
        assert friend.referred_by_id == get_lead(s, 1).id
        friend_id = friend.id
    with session_scope(engine) as s:
        undo_import(s, report.batch_id or 0, now=LATER, force=True)
    with session_scope(engine, write=False) as s:
        friend = get_lead(s, friend_id)
        assert friend.referred_by_id is None
    assert [lead["name"] for lead in stored(engine).values()] == ["Tia Cruz"]


@pytest.mark.sqlite_only
def test_clearing_referrals_is_an_index_lookup(engine: Engine) -> None:
    """ON DELETE SET NULL looks up the referring leads: by index, not by a scan per delete."""
    from sqlalchemy import text

    with session_scope(engine, write=False) as s:
        plan = s.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM lead WHERE referred_by_id = :i"), {"i": 1}
        ).all()
    assert any("ix_lead_referred_by" in str(row[-1]) for row in plan), plan


def test_undo_in_a_session_that_loaded_the_leads(engine: Engine, tmp_path: Path) -> None:
    """Leads the caller's session already holds are dropped from it, not left stale."""
    path = tmp_path / "people.csv"
    path.write_text("Name\nRey\nSol\n", encoding="utf-8")
    report = run_import(engine, path)
    with session_scope(engine) as s:
        rey = get_lead(s, 1)
        assert rey.name == "Rey"
        undo_import(s, report.batch_id or 0, now=LATER)
        assert rey not in s
        with pytest.raises(NotFound):
            get_lead(s, 1)
    assert stored(engine) == {}


def test_forced_undo_of_a_merge_keeps_later_moves_and_notes(engine: Engine, tmp_path: Path) -> None:
    """--force puts back what the import changed; the stage, its history and notes stay."""
    from sqlalchemy import text

    from prospectr.domain import log_interaction, move_lead
    from prospectr.domain.stages import stage_by_key

    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Priya Sharma", email="priya@example.com", city="Pune")
    path = tmp_path / "merge.csv"
    path.write_text("Name,Email,Title\nPriya S.,priya@example.com,Chef\n", encoding="utf-8")
    report = run_import(engine, path, on_duplicate="merge")
    with session_scope(engine) as s:
        lead = get_lead(s, 1)
        assert (lead.title, lead.city) == ("Chef", "Pune")
        update_lead(s, lead, now=LATER, city="Mumbai")
        log_interaction(s, lead, kind="note", text="asked about pricing", at=LATER)
        contacted = stage_by_key(s, "contacted")
        assert contacted is not None
        move_lead(s, lead, contacted, now=LATER)
    with session_scope(engine) as s, pytest.raises(Conflict):
        undo_import(s, report.batch_id or 0, now=LATER)
    with session_scope(engine) as s:
        undo_import(s, report.batch_id or 0, now=LATER, force=True)
    lead_row = stored(engine)["Priya Sharma"]
    # The import's change (title) and the edit of the same kind of field (city) are undone.
    assert (lead_row["title"], lead_row["city"]) == (None, "Pune")
    # The move and the note made since are kept, and agree with the stage.
    assert lead_row["stage"] == "contacted"
    assert lead_row["notes"] == ["asked about pricing"]
    with session_scope(engine, write=False) as s:
        moves = s.execute(
            text(
                "SELECT f.name, t.name FROM stage_history h LEFT JOIN stage f"
                " ON f.id = h.from_stage_id JOIN stage t ON t.id = h.to_stage_id ORDER BY h.id"
            )
        ).all()
        assert [tuple(m) for m in moves] == [(None, "new"), ("new", "contacted")]
        assert "asked about pricing" in get_lead(s, 1).search_text
        assert "chef" not in get_lead(s, 1).search_text


def test_undo_counts_only_the_leads_still_there(engine: Engine, tmp_path: Path) -> None:
    """Leads deleted since the import are neither counted nor restored (no error either)."""
    from prospectr.domain import delete_lead

    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Priya Sharma", email="priya@example.com")
        add_lead(s, now=NOW, name="Omar Haddad", email="omar@example.com")
    path = tmp_path / "merge.csv"
    path.write_text(
        "Name,Email,Title,Tags\n"
        "Priya S.,priya@example.com,Chef,cooks\n"
        "Omar H.,omar@example.com,Baker,bakes\n"
        "Rey,rey@example.com,,\n"
        "Sol,sol@example.com,,\n",
        encoding="utf-8",
    )
    report = run_import(engine, path, on_duplicate="merge")
    with session_scope(engine) as s:
        delete_lead(s, get_lead(s, 1))  # Priya, updated by the import
        delete_lead(s, get_lead(s, 3))  # Rey, created by it
    with session_scope(engine) as s:
        result = undo_import(s, report.batch_id or 0, now=LATER, force=True)
    assert (result.deleted, result.restored) == (1, 1)
    leads = stored(engine)
    assert [(lead["name"], lead["title"]) for lead in leads.values()] == [("Omar Haddad", None)]


def test_undo_in_a_session_that_holds_an_updated_lead(engine: Engine, tmp_path: Path) -> None:
    """A restored lead the caller's session holds is read again, not left as the import set it."""
    from prospectr.domain.activity import interactions

    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Priya Sharma", email="priya@example.com", tags=["vip"])
    path = tmp_path / "merge.csv"
    path.write_text(
        "Name,Email,Title,Tags,Notes\nPriya S.,priya@example.com,Chef,cooks,wants a cake\n",
        encoding="utf-8",
    )
    report = run_import(engine, path, on_duplicate="merge")
    with session_scope(engine) as s:
        priya = get_lead(s, 1)
        assert (priya.title, [n.text for n in interactions(s, 1)]) == ("Chef", ["wants a cake"])
        result = undo_import(s, report.batch_id or 0, now=LATER)
        assert result.restored == 1
        assert priya in s
        assert priya.title is None
        assert "chef" not in priya.search_text
        assert interactions(s, 1) == []
