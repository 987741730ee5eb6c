"""``--on-duplicate update|merge``: every row counted exactly, values and search text stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from prospectr.db import session_scope
from prospectr.domain import add_lead
from prospectr.domain.leads import lead_tags, search_text_for
from prospectr.domain.search import LeadQuery, list_leads
from prospectr.models import Interaction, Lead
from tests.conftest import NOW, TODAY
from tests.io.conftest import run_import, stored, table_dump

CSV = (
    "Name,Email,Phone,City,Title,Tags,Notes,Birthday\n"
    "Maria Santos,maria@example.com,,Manila,,vip,met at church,\n"  # 2: nothing new
    "Bo Chan,,555 0100 300,Davao,Owner,,,--02-29\n"  # 3: nothing new
    "Maria S.,MARIA@example.com,,Quezon City,Baker,fair,wants cakes,\n"  # 4
    "Bo Chan,,5550100300,Cebu,Manager,,,\n"  # 5: merge has no empty field to fill
    "Cy Diaz,cy@example.com,,Iloilo,,,,\n"  # 6: new
    "Cy Diaz,cy@example.com,,Iloilo,,,,\n"  # 7: the same as line 6
    "Cy D.,CY@example.com,,,Chef,friends,,\n"  # 8
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
        add_lead(
            s,
            now=NOW,
            name="Bo Chan",
            phone="555 0100 300",
            city="Davao",
            title="Owner",
            birthday="02-29",
        )


def _file(tmp_path: Path, text: str = CSV) -> Path:
    path = tmp_path / "again.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _counts(report: object) -> dict[str, int]:
    keys = ("records", "imported", "merged", "updated", "unchanged", "skipped", "rejected")
    return {key: getattr(report, key) for key in keys}


def _search(engine: Engine, **query: str) -> list[str]:
    with session_scope(engine, write=False) as s:
        return [row.name for row in list_leads(s, LeadQuery(**query), today=TODAY)]


def _search_text_is_the_rule(engine: Engine) -> None:
    """Every lead's stored search text is what refresh_search_text would build."""
    with session_scope(engine, write=False) as s:
        for lead in s.exec(select(Lead)):
            notes = s.exec(
                select(Interaction.text)
                .where(col(Interaction.lead_id) == lead.id)
                .order_by(col(Interaction.at), col(Interaction.id))
            )
            assert lead.search_text == search_text_for(lead, lead_tags(s, lead.id or 0), notes)


UNCHANGED_ROWS = [
    (2, "duplicate of lead #1 (email maria@example.com): no change"),
    (3, "duplicate of lead #2 (phone 555 0100 300): no change"),
    (7, "duplicate of line 6 (email cy@example.com): no change"),
]


def test_update_counts_changed_and_unchanged_rows(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    report = run_import(engine, _file(tmp_path), on_duplicate="update")
    assert _counts(report) == {
        "records": 7,
        "imported": 1,
        "merged": 0,
        "updated": 3,
        "unchanged": 3,
        "skipped": 0,
        "rejected": 0,
    }
    assert report.unchanged_rows == UNCHANGED_ROWS
    assert report.skipped_rows == []
    counts = report.counts()
    assert (counts["updated"], counts["merged"], counts["unchanged"]) == (3, 0, 3)
    leads = stored(engine)
    assert sorted(leads) == ["Bo Chan", "Cy D.", "Maria S."]
    maria = leads["Maria S."]
    assert (maria["city"], maria["title"], maria["email"]) == (
        "Quezon City",
        "Baker",
        "maria@example.com",
    )
    assert maria["phone"] == "+63 917 123 4567"
    assert maria["tags"] == ["fair", "vip"]
    assert maria["notes"] == ["met at church", "wants cakes"]
    assert maria["custom"] == {"size": "L"}
    bo = leads["Bo Chan"]
    assert (bo["city"], bo["title"], bo["bday_month"], bo["bday_day"]) == ("Cebu", "Manager", 2, 29)
    cy = leads["Cy D."]
    assert (cy["city"], cy["title"], cy["tags"], cy["notes"]) == ("Iloilo", "Chef", ["friends"], [])
    # Search finds the leads by an updated field and by a tag the import added.
    assert _search(engine, text="baker") == ["Maria S."]
    assert _search(engine, text="quezon") == ["Maria S."]
    assert _search(engine, text="friends") == ["Cy D."]
    assert _search(engine, tag="fair") == ["Maria S."]
    assert _search(engine, text="wants cakes") == ["Maria S."]
    assert _search(engine, text="davao") == []
    _search_text_is_the_rule(engine)


def test_merge_counts_rows_that_fill_nothing_as_unchanged(engine: Engine, tmp_path: Path) -> None:
    _seed(engine)
    report = run_import(engine, _file(tmp_path), on_duplicate="merge")
    assert _counts(report) == {
        "records": 7,
        "imported": 1,
        "merged": 2,
        "updated": 0,
        "unchanged": 4,
        "skipped": 0,
        "rejected": 0,
    }
    assert report.unchanged_rows == [
        *UNCHANGED_ROWS[:2],
        (5, "duplicate of lead #2 (phone 5550100300): no change"),
        UNCHANGED_ROWS[2],
    ]
    leads = stored(engine)
    maria = leads["Maria Santos"]
    assert (maria["city"], maria["title"]) == ("Manila", "Baker")
    assert maria["tags"] == ["fair", "vip"]
    assert maria["notes"] == ["met at church", "wants cakes"]
    bo = leads["Bo Chan"]
    assert (bo["city"], bo["title"]) == ("Davao", "Owner")
    cy = leads["Cy Diaz"]
    assert (cy["city"], cy["title"], cy["tags"]) == ("Iloilo", "Chef", ["friends"])
    assert _search(engine, text="baker") == ["Maria Santos"]
    assert _search(engine, text="chef") == ["Cy Diaz"]
    assert _search(engine, tag="friends") == ["Cy Diaz"]
    _search_text_is_the_rule(engine)


def test_an_import_that_changes_nothing_leaves_every_lead_as_it_was(
    engine: Engine, tmp_path: Path
) -> None:
    """No updated_at bump, no batch item: only unchanged rows."""
    _seed(engine)
    before = table_dump(engine)
    same = (
        "Name,Email,Phone,City,Tags,Notes\n"
        "Maria Santos,maria@example.com,+63 917 123 4567,Manila,vip,met at church\n"
        "Bo Chan,,555 0100 300,Davao,,\n"
    )
    for mode in ("update", "merge"):
        report = run_import(engine, _file(tmp_path, same), on_duplicate=mode)
        assert (report.unchanged, report.merged, report.updated) == (2, 0, 0)
        assert [line for line, _ in report.unchanged_rows] == [2, 3]
        assert table_dump(engine) == before


def test_unchanged_rows_are_not_counted_as_merged(engine: Engine, tmp_path: Path) -> None:
    """The counts add up to the records, each row once."""
    _seed(engine)
    for mode in ("update", "merge"):
        report = run_import(engine, _file(tmp_path), on_duplicate=mode)
        parts = (
            report.imported
            + report.merged
            + report.updated
            + report.unchanged
            + report.skipped
            + report.rejected
        )
        assert parts == report.records == 7


@pytest.mark.parametrize("mode", ["update", "merge"])
def test_dry_run_plans_the_same_changes_and_writes_nothing(
    engine: Engine, tmp_path: Path, mode: str
) -> None:
    _seed(engine)
    before = table_dump(engine)
    planned = run_import(engine, _file(tmp_path), on_duplicate=mode, dry_run=True)
    assert table_dump(engine) == before
    assert planned.batch_id is None
    done = run_import(engine, _file(tmp_path), on_duplicate=mode)
    assert _counts(planned) == _counts(done)
    assert planned.unchanged_rows == done.unchanged_rows
    assert planned.counts() == done.counts()


@pytest.mark.parametrize(
    ("mode", "ann_phone", "phones"),
    [
        # Ann's row comes first in the file: she gets the new phone, Ben's row is unchanged.
        ("update", None, {"Ann": "555 0000 111", "Ben": None}),
        ("merge", None, {"Ann": "555 0000 111", "Ben": None}),
        # Update mode replaces Ann's phone; merge mode cannot, so Ben gets it.
        ("update", "555 9999 999", {"Ann": "555 0000 111", "Ben": None}),
        ("merge", "555 9999 999", {"Ann": "555 9999 999", "Ben": "555 0000 111"}),
    ],
)
def test_a_new_phone_wanted_by_two_leads_goes_to_the_first_row_in_the_file(
    engine: Engine, tmp_path: Path, mode: str, ann_phone: str | None, phones: dict[str, str]
) -> None:
    with session_scope(engine) as s:
        add_lead(s, now=NOW, name="Ann", email="ann@example.com", phone=ann_phone)
        add_lead(s, now=NOW, name="Ben", email="ben@example.com")
    text = (
        "Name,Email,Phone,City\n"
        "Ben,ben@example.com,,Cebu\n"  # Ben's lead is met first, Ann's row comes next
        "Ann,ann@example.com,555 0000 111,\n"
        "Ben,ben@example.com,555 0000 111,\n"
    )
    report = run_import(engine, _file(tmp_path, text), on_duplicate=mode)
    leads = stored(engine)
    assert {name: leads[name]["phone"] for name in ("Ann", "Ben")} == phones
    changed = report.updated if mode == "update" else report.merged
    ann_changes = phones["Ann"] != ann_phone
    ben_gets_it = phones["Ben"] is not None
    assert changed == 1 + ann_changes + ben_gets_it
    assert report.unchanged == 3 - changed
    _search_text_is_the_rule(engine)
