"""Undo of a merge batch larger than one chunk: exact restore, with and without --force."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from prospectr.db import session_scope
from prospectr.domain import delete_lead, get_lead, log_interaction
from prospectr.domain import import_batches as batches
from prospectr.domain.import_batches import undo_import
from prospectr.domain.leads import lead_tags, search_text_for
from prospectr.domain.text import fold
from prospectr.models import ImportBatch, ImportItem, Interaction, Lead
from tests.conftest import NOW
from tests.io.conftest import run_import, table_dump

PEOPLE = 2 * 500 + 137  # three chunks of updated leads
LATER = NOW + timedelta(hours=2)
NOTED = (3, 501, 1002)  # leads (ids) in each chunk that get a note after the import
LATER_NOTE = "Asked about the Đà Nẵng order"


def _first(tmp_path: Path) -> Path:
    """PEOPLE leads; every third without a title, every fourth with a note, two tags each.

    The tags are in sorted order: the importer writes a new lead's tags into its
    search text in file order, a rebuild sorts them.
    """
    lines = ["Name,Email,City,Title,Tags,Notes"]
    for i in range(PEOPLE):
        title = "" if i % 3 == 0 else "Owner"
        note = "met at the market" if i % 4 == 0 else ""
        lines.append(f'Người {i},p{i}@example.com,Hà Nội,{title},"fair, old",{note}')
    path = tmp_path / "first.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _second(tmp_path: Path) -> Path:
    """The same people, each with a new tag and a title to fill; every other one a new note."""
    lines = ["Name,Email,City,Title,Tags,Notes"]
    for i in range(PEOPLE):
        note = f"called back {i}" if i % 2 == 0 else ""
        lines.append(f"Người {i},p{i}@example.com,Cebu,Baker,new{i % 4},{note}")
    path = tmp_path / "second.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _imported(engine: Engine, tmp_path: Path) -> tuple[dict[str, list[tuple[object, ...]]], int]:
    run_import(engine, _first(tmp_path))
    before = table_dump(engine)
    report = run_import(engine, _second(tmp_path), on_duplicate="merge")
    assert (report.merged, report.imported, report.unchanged) == (PEOPLE, 0, 0)
    after = table_dump(engine)
    assert after["lead_tag"] != before["lead_tag"]
    assert len(after["interaction"]) == len(before["interaction"]) + (PEOPLE + 1) // 2
    return before, report.batch_id or 0


def test_forced_undo_over_several_chunks_is_exact(file_engine: Engine, tmp_path: Path) -> None:
    before, batch = _imported(file_engine, tmp_path)
    with session_scope(file_engine) as s:
        result = undo_import(s, batch, now=LATER, force=True)
    assert (result.deleted, result.restored) == (0, PEOPLE)
    assert table_dump(file_engine) == before


def test_forced_undo_rebuilds_the_search_text_of_leads_noted_since(
    file_engine: Engine, tmp_path: Path
) -> None:
    """Notes made since stay, and the restored leads' search text holds them (one rule)."""
    before, batch = _imported(file_engine, tmp_path)
    with session_scope(file_engine) as s:
        for lead_id in NOTED:
            log_interaction(s, get_lead(s, lead_id), text=LATER_NOTE, at=LATER)
        delete_lead(s, get_lead(s, 700))  # deleted since: neither restored nor counted
    with session_scope(file_engine) as s:
        held = get_lead(s, 1003)  # its empty title was filled by the merge
        assert held.title == "Baker"
        result = undo_import(s, batch, now=LATER, force=True)
        # The caller's object is read again, not left as the import had it.
        assert (held.title, held.city) == (None, "Hà Nội")
    assert (result.deleted, result.restored) == (0, PEOPLE - 1)
    after = table_dump(file_engine)
    assert after["lead_tag"] == [row for row in before["lead_tag"] if row[0] != 700]
    notes = [row for row in after["interaction"] if row[4] == LATER_NOTE]
    assert [row[1] for row in notes] == list(NOTED)
    assert [row for row in after["interaction"] if row[4] != LATER_NOTE] == [
        row for row in before["interaction"] if row[1] != 700
    ]
    with session_scope(file_engine, write=False) as s:
        columns = [c.name for c in Lead.__table__.columns]  # type: ignore[attr-defined]
        search = columns.index("search_text")
        expected = []
        for row in before["lead"]:
            if row[0] == 700:
                continue
            if row[0] in NOTED:
                row = (*row[:search], f"{row[search]}\n{fold(LATER_NOTE)}", *row[search + 1 :])
            expected.append(row)
        assert after["lead"] == expected
        for lead_id in NOTED:
            lead = get_lead(s, lead_id)
            texts = s.execute(
                text("SELECT text FROM interaction WHERE lead_id = :i ORDER BY at, id"),
                {"i": lead_id},
            ).scalars()
            assert lead.search_text == search_text_for(lead, lead_tags(s, lead_id), texts)
            assert "da nang" in lead.search_text


@pytest.mark.parametrize("chunk", [1, 500])
def test_several_snapshots_of_one_lead_restore_the_oldest(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Imports snapshot a lead once per batch; a batch with two is undone newest first."""
    from prospectr.domain import add_lead

    monkeypatch.setattr(batches, "_CHUNK", chunk)
    with session_scope(engine) as s:
        lead = add_lead(s, now=NOW, name="Ann", title="C", city="Cebu", tags=["c"])
        lead_id = lead.id or 0
        notes = [
            Interaction(lead_id=lead_id, at=NOW, text=t) for t in ("kept", "added 1", "added 2")
        ]
        s.add_all(notes)
        s.flush()
        kept, one, two = (n.id or 0 for n in notes)
        item = ImportBatch(created_at=NOW, path="x.csv", format="csv", counts={})
        s.add(item)
        s.flush()
        oldest = {"name": "Ann", "title": "A", "updated_at": NOW.isoformat()}
        newer = {"name": "Ann", "title": "B", "city": "Davao"}
        s.add_all(
            [
                ImportItem(
                    batch_id=item.id or 0,
                    lead_id=lead_id,
                    action="updated",
                    before={"lead": oldest, "tags": ["a"], "notes_added": [one]},
                ),
                ImportItem(
                    batch_id=item.id or 0,
                    lead_id=lead_id,
                    action="updated",
                    before={"lead": newer, "tags": ["b"], "notes_added": [two]},
                ),
            ]
        )
        batch_id = item.id or 0
    with session_scope(engine) as s:
        result = undo_import(s, batch_id, now=LATER, force=True)
    assert (result.deleted, result.restored) == (0, 2)  # one per snapshot, as before
    with session_scope(engine, write=False) as s:
        lead = get_lead(s, lead_id)
        # The oldest snapshot wins; a column only the newer one held stays as it set it.
        assert (lead.title, lead.city) == ("A", "Davao")
        assert lead_tags(s, lead_id) == ["a"]
        assert [n for (n,) in s.execute(text("SELECT id FROM interaction"))] == [kept]
        assert lead.search_text == search_text_for(lead, ["a"], ["kept"])
