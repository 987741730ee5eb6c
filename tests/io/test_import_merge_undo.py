"""Undo of a large ``--on-duplicate update|merge`` import (several chunks): an exact restore."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import col, select

from prospectr.db import session_scope
from prospectr.domain.import_batches import undo_import
from prospectr.domain.import_merge import CHUNK
from prospectr.domain.leads import lead_tags, search_text_for
from prospectr.domain.search import LeadQuery, count_matching
from prospectr.models import ImportItem, Interaction, Lead
from tests.conftest import NOW, TODAY
from tests.io.conftest import run_import, table_dump

PEOPLE = 2 * CHUNK + 203
LATER_NOTE = "called back about the order"
LATER = NOW + timedelta(hours=1)


def _first(tmp_path: Path) -> Path:
    """PEOPLE leads; every third has no title, every fourth a note."""
    lines = ["Name,Email,Phone,City,Title,Tags,Notes"]
    for i in range(PEOPLE):
        title = "" if i % 3 == 0 else "Owner"
        note = "met at the market" if i % 4 == 0 else ""
        lines.append(f"Person {i},p{i}@example.com,+63 917 {i:07d},Manila,{title},old,{note}")
    path = tmp_path / "first.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _second(tmp_path: Path) -> Path:
    """The same people: every 7th as before, the others with a new title and city;
    every 5th with a new tag, every 6th with a note; then 3 new people and a row
    repeating each of them with a tag."""
    lines = ["Name,Email,Phone,City,Title,Tags,Notes"]
    for i in range(PEOPLE):
        title = "" if i % 3 == 0 else "Owner"
        note = "met at the market" if i % 4 == 0 else ""
        if i % 7 == 0:
            lines.append(f"Person {i},p{i}@example.com,+63 917 {i:07d},Manila,{title},old,{note}")
            continue
        tags = '"old, new"' if i % 5 == 0 else "old"
        note = LATER_NOTE if i % 6 == 0 else ""
        lines.append(f"Person {i},P{i}@example.com,,Cebu,Baker,{tags},{note}")
    for j in range(3):
        lines.append(f"New {j},new{j}@example.com,,Davao,,,")
        lines.append(f"New {j},new{j}@example.com,,,,fresh,")
    path = tmp_path / "second.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _unchanged_lines(mode: str) -> list[int]:
    """The lines of the second file's PEOPLE rows that change nothing."""
    out = []
    for i in range(PEOPLE):
        if i % 7 == 0:
            out.append(i + 2)  # as before
        elif mode == "merge" and not (i % 3 == 0 or i % 5 == 0 or i % 6 == 0):
            out.append(i + 2)  # no empty title to fill, no new tag, no new note
    return out


@pytest.mark.parametrize("mode", ["update", "merge"])
def test_undo_of_a_large_merge_restores_every_lead(
    file_engine: Engine, tmp_path: Path, mode: str
) -> None:
    run_import(file_engine, _first(tmp_path))
    before = table_dump(file_engine)
    report = run_import(file_engine, _second(tmp_path), on_duplicate=mode)
    unchanged = _unchanged_lines(mode)
    changed = PEOPLE - len(unchanged)  # known leads that the import changed
    assert report.imported == 3
    # The 3 rows repeating a new person add a tag to it: they count too.
    assert (report.updated if mode == "update" else report.merged) == changed + 3
    assert (report.merged if mode == "update" else report.updated) == 0
    assert report.unchanged == len(unchanged)
    assert report.records == PEOPLE + 6
    assert [line for line, _ in report.unchanged_rows] == unchanged
    assert report.unchanged_rows[0] == (2, "duplicate of lead #1 (email p0@example.com): no change")
    with session_scope(file_engine, write=False) as s:
        items = list(s.exec(select(ImportItem).where(col(ImportItem.batch_id) == report.batch_id)))
        updated = [item for item in items if item.action == "updated"]
        assert len(updated) == changed
        assert len(items) == changed + 3
        # Snapshots hold the tags before, and exactly the notes the import added.
        added = [n for item in updated for n in (item.before or {})["notes_added"]]
        assert len(added) == sum(1 for i in range(PEOPLE) if i % 7 and i % 6 == 0)
        assert all((item.before or {})["tags"] == ["old"] for item in updated)
        notes = s.exec(select(Interaction.text).where(col(Interaction.id).in_(added))).all()
        assert set(notes) == {LATER_NOTE}
        # The search text of every lead is the one rule's, for changed and created leads.
        for lead in s.exec(select(Lead)):
            texts = s.exec(
                select(Interaction.text)
                .where(col(Interaction.lead_id) == lead.id)
                .order_by(col(Interaction.at), col(Interaction.id))
            )
            assert lead.search_text == search_text_for(lead, lead_tags(s, lead.id or 0), texts)
        tagged = [i for i in range(PEOPLE) if i % 5 == 0 and i % 7]
        assert count_matching(s, LeadQuery(tag="new"), today=TODAY) == len(tagged)
        filled = [i for i in range(PEOPLE) if i % 7 and (mode == "update" or i % 3 == 0)]
        assert count_matching(s, LeadQuery(text="baker"), today=TODAY) == len(filled)
    with session_scope(file_engine) as s:
        result = undo_import(s, report.batch_id or 0, now=LATER)
    assert (result.deleted, result.restored) == (3, changed)
    assert table_dump(file_engine) == before


def test_unchanged_leads_are_not_touched_by_undo(file_engine: Engine, tmp_path: Path) -> None:
    """A lead the import left alone keeps edits made after it; undo restores only the others."""
    run_import(file_engine, _first(tmp_path))
    report = run_import(file_engine, _second(tmp_path), on_duplicate="merge")
    with session_scope(file_engine) as s:
        # Person 7: its row was the same as before (unchanged).
        s.execute(text("UPDATE lead SET city = 'Iloilo' WHERE email = 'p7@example.com'"))
    with session_scope(file_engine) as s:
        undo_import(s, report.batch_id or 0, now=LATER)
        city = s.execute(text("SELECT city FROM lead WHERE email = 'p7@example.com'")).scalar()
    assert city == "Iloilo"
