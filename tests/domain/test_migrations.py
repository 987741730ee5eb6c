"""A database made by schema v1 (tests/fixtures/schema_v1.db) opens with every row intact."""

from __future__ import annotations

import shutil
import sqlite3
import stat
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text

from prospectr import migrations
from prospectr.db import backups_dir, open_database, schema_version, session_scope
from prospectr.domain import (
    LeadQuery,
    lead_detail,
    list_leads,
    list_stages,
    move_lead,
    resolve_lead,
    resolve_stage,
    upcoming_birthdays,
)
from prospectr.domain.activity import money
from prospectr.models import Setting

from ..conftest import NOW

FIXTURE = Path(__file__).parent.parent / "fixtures" / "schema_v1.db"

V1_COUNTS = {
    "lead": 7,
    "lead_tag": 4,
    "interaction": 6,
    "stage_history": 13,
    "follow_up": 3,
    "sale": 2,
    "stage": 9,
    "setting": 1,
    "import_batch": 0,
    "import_item": 0,
    "schema_version": 1,
}


def backups(db_file: Path) -> list[Path]:
    folder = backups_dir(db_file)
    return sorted(folder.iterdir()) if folder.exists() else []


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every v1 table, restricted to the v1 columns, in a stable order."""
    with sqlite3.connect(FIXTURE) as v1:
        columns = {
            table: [row[1] for row in v1.execute(f"PRAGMA table_info({table})")]
            for table in V1_COUNTS
        }
    out: dict[str, list[tuple[Any, ...]]] = {}
    with sqlite3.connect(path) as conn:
        for table, cols in columns.items():
            names = ", ".join(f'"{c}"' for c in cols)
            out[table] = sorted(conn.execute(f"SELECT {names} FROM {table}").fetchall(), key=repr)
    return out


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    target = tmp_path / "prospectr.db"
    shutil.copyfile(FIXTURE, target)
    target.chmod(0o600)
    return target


@pytest.fixture
def opened(v1_copy: Path) -> Any:
    engine = open_database(f"sqlite:///{v1_copy}", now=NOW)
    yield engine
    engine.dispose()


def test_fixture_is_schema_v1() -> None:
    with sqlite3.connect(FIXTURE) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (1,)
        for table, n in V1_COUNTS.items():
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (n,), table


def test_every_row_is_intact_after_opening(v1_copy: Path, opened: Engine) -> None:
    assert schema_version(opened) == migrations.LATEST
    opened.dispose()
    after = dump(v1_copy)
    assert {table: len(rows) for table, rows in after.items()} == {
        **V1_COUNTS,
        "schema_version": migrations.LATEST,  # one row per step applied
    }
    before = dump(FIXTURE)
    for table in V1_COUNTS:
        if table == "schema_version":
            assert after[table][: len(before[table])] == before[table]
        else:
            assert after[table] == before[table], table


def test_v1_values_through_the_domain(opened: Engine) -> None:
    with session_scope(opened, write=False) as s:
        an = lead_detail(s, resolve_lead(s, "nguyen van an"))
        assert an.lead.name == "Nguyễn Văn An"
        assert an.lead.email == "an.nguyen@example.vn"
        assert an.lead.phone == "+84 90 123 4567"
        assert an.birthday == "--03-15"
        assert an.tags == ["tết", "vip"]
        assert an.lead.custom == {"size": "M", "prefers": "Zalo"}
        assert an.temperature == "hot"
        assert an.lead.budget_note == "about 5,000 PHP"
        assert an.stage.name == "demo"
        assert [(frm, to, h.reason) for h, frm, to in an.history] == [
            (None, "new", None),
            ("new", "qualified", "BANT: three or more yes"),
            ("qualified", "demo", "demo booked"),
        ]
        assert [(i.kind, i.text) for i in an.interactions] == [
            ("call", "Called; wants a quote."),
            ("note", "Met at the Tết fair; asked about gift boxes."),
        ]
        assert [(f.due, f.text, f.done_at) for f in an.followups] == [
            (date(2026, 11, 20), "send the quote", None)
        ]

        maria = lead_detail(s, resolve_lead(s, "maria"))
        assert maria.customer == "repeat customer"
        assert [money(x.amount_cents) for x in maria.sales] == [
            Decimal("1250.50"),
            Decimal("0.10"),
        ]
        assert maria.referred_by is not None
        assert maria.referred_by.name == "Nguyễn Văn An"
        assert maria.birthday == "1986-12-31"
        assert maria.followups[0].done_at is not None

        ivan = lead_detail(s, resolve_lead(s, "иван"))
        assert ivan.birthday == "1988-02-29"
        assert (ivan.temperature, ivan.stage.name) == ("cold", "cold")

        aram = lead_detail(s, resolve_lead(s, "արամ"))
        assert aram.birthday == "--02-29"
        assert aram.stage.name == "not-now"
        assert aram.followups[0].text == "ask again in January"

        wang = lead_detail(s, resolve_lead(s, "王小明"))
        assert (wang.lead.company, wang.lead.lost_reason) == ("北京贸易", "chose another vendor")

        dung = lead_detail(s, resolve_lead(s, "dung"))
        assert dung.interactions[0].text == "Line one\nLine two"

        stages = [(st.name, st.kind) for st in list_stages(s, include_retired=True)]
        assert stages == [
            ("new", "open"),
            ("qualified", "open"),
            ("called", "open"),
            ("demo", "open"),
            ("nurturing", "open"),
            ("won", "won"),
            ("lost", "lost"),
            ("not-now", "parked"),
            ("cold", "parked"),
        ]
        assert "nurturing" not in [st.name for st in list_stages(s)]
        setting = s.get(Setting, "currency")
        assert setting is not None
        assert setting.value == "PHP"

        today = date(2027, 2, 20)
        found = upcoming_birthdays(s, today=today, days=14)
        assert [(b.name, b.on, b.turns) for b in found] == [
            ("Иван Петров", date(2027, 2, 28), 39),
            ("Արամ Պետրոսյան", date(2027, 2, 28), None),
        ]
        rows = list_leads(s, LeadQuery(text="vip"), today=today)
        assert sorted(r.name for r in rows) == ["Maria Santos", "Nguyễn Văn An"]
        assert [r.name for r in list_leads(s, LeadQuery(city="москва"), today=today)] == [
            "Иван Петров"
        ]
        assert [r.name for r in list_leads(s, LeadQuery(text="tet fair"), today=today)] == [
            "Nguyễn Văn An"
        ]


def test_upgrade_backs_up_first_then_migrates(
    v1_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def next_noop(conn: Connection) -> None:
        calls.append(conn.execute(text("SELECT max(version) FROM schema_version")).scalar_one())

    released = len(migrations.MIGRATIONS)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, next_noop])
    monkeypatch.setattr(migrations, "LATEST", released + 1)

    engine = open_database(f"sqlite:///{v1_copy}", now=NOW)
    try:
        assert schema_version(engine) == released + 1
    finally:
        engine.dispose()
    assert calls == [released]  # after every released step, in order

    made = backups(v1_copy)
    assert len(made) == 1
    backup = made[0]
    assert backup.parent.parent == v1_copy.parent  # beside the database
    assert "v1" in backup.name
    assert "20261124-100000" in backup.name  # stamped with the time of the upgrade
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.parent.stat().st_mode) == 0o700
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (1,)
    assert dump(backup) == dump(FIXTURE)

    after = dump(v1_copy)
    for table in V1_COUNTS:
        if table != "schema_version":
            assert after[table] == dump(FIXTURE)[table], table
    assert len(after["schema_version"]) == released + 1

    # Opening again: already at the latest version, no second backup.
    open_database(f"sqlite:///{v1_copy}", now=NOW).dispose()
    assert backups(v1_copy) == made


def test_failed_migration_leaves_the_database_as_it_was(
    v1_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def v2_broken(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        conn.execute(text("UPDATE lead SET name = 'overwritten'"))
        raise RuntimeError("step failed")

    monkeypatch.setattr(migrations, "MIGRATIONS", [migrations.MIGRATIONS[0], v2_broken])
    monkeypatch.setattr(migrations, "LATEST", 2)
    with pytest.raises(RuntimeError, match="step failed"):
        open_database(f"sqlite:///{v1_copy}", now=NOW)
    assert dump(v1_copy) == dump(FIXTURE)
    with sqlite3.connect(v1_copy) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables
    made = backups(v1_copy)
    assert len(made) == 1
    assert dump(made[0]) == dump(FIXTURE)


def test_v2_records_the_stay_each_move_ends(v1_copy: Path, opened: Engine) -> None:
    """Every move of the v1 file gets when its stay began and its length in days.

    The fixture's moves (made on 2026-11-02 09:30) each end the stay that began with
    the lead's capture the day before; Nguyễn Văn An's second move is at the same
    minute as the first, so its stay began with that first move and lasted 0 days.
    """
    opened.dispose()
    with sqlite3.connect(v1_copy) as conn:
        rows = conn.execute(
            "SELECT h.id, l.name, h.from_at, h.stay_days FROM stage_history h"
            " JOIN lead l ON l.id = h.lead_id WHERE h.from_stage_id IS NOT NULL ORDER BY h.id"
        ).fetchall()
        firsts = conn.execute(
            "SELECT count(*), count(from_at), count(stay_days) FROM stage_history"
            " WHERE from_stage_id IS NULL"
        ).fetchone()
        indexes = {
            name: [c[2] for c in conn.execute(f"PRAGMA index_info({name})")]
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'stage_history' AND sql IS NOT NULL"
            )
        }
    assert rows == [
        (8, "Nguyễn Văn An", "2026-11-01 09:30:00.000000", 1),
        (9, "Nguyễn Văn An", "2026-11-02 09:30:00.000000", 0),
        (10, "Иван Петров", "2026-11-01 09:31:00.000000", 1),
        (11, "Արամ Պետրոսյան", "2026-11-01 09:32:00.000000", 1),
        (12, "王小明", "2026-11-01 09:33:00.000000", 1),
        (13, "Maria Santos", "2026-11-01 09:34:00.000000", 1),
    ]
    assert firsts == (7, 0, 0)  # first entries keep them empty
    assert indexes == {
        "ix_stage_history_lead_at_stage": ["lead_id", "at", "to_stage_id"],
        "ix_stage_history_to_stage_lead": ["to_stage_id", "lead_id"],
        "ix_stage_history_stay": ["from_stage_id", "stay_days", "lead_id"],
    }


def test_moves_after_the_upgrade_record_their_stay(opened: Engine) -> None:
    """A move on the upgraded file continues from the last v1 move."""
    later = datetime(2026, 11, 20, 8, 0)
    with session_scope(opened) as s:
        an = resolve_lead(s, "nguyen van an")
        move_lead(s, an, resolve_stage(s, "won"), now=later)
    with session_scope(opened, write=False) as s:
        last = lead_detail(s, resolve_lead(s, "nguyen van an")).history[-1][0]
        assert (last.from_at, last.stay_days) == (datetime(2026, 11, 2, 9, 30), 18)


def test_an_early_v1_without_the_history_time_index_opens(v1_copy: Path) -> None:
    """The first v1 databases indexed stage history by lead only (the (lead, at)
    index came later under the same version): their upgrade must not need it."""
    with sqlite3.connect(v1_copy) as conn:
        conn.execute("DROP INDEX ix_stage_history_lead_at")
        conn.execute("CREATE INDEX ix_stage_history_lead_id ON stage_history (lead_id)")
    engine = open_database(f"sqlite:///{v1_copy}", now=NOW)
    assert schema_version(engine) == migrations.LATEST
    engine.dispose()
    after = dump(v1_copy)
    assert {table: len(rows) for table, rows in after.items()} == {
        **V1_COUNTS,
        "schema_version": migrations.LATEST,
    }
    with sqlite3.connect(v1_copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_v3_never_gives_a_deleted_id_again(v1_copy: Path, opened: Engine) -> None:
    opened.dispose()
    inserts = {
        "sale": "INSERT INTO sale (lead_id, date, amount_cents, description)"
        " VALUES (:lead, '2026-11-24', 100, '')",
        "interaction": "INSERT INTO interaction (lead_id, kind, at, text)"
        " VALUES (:lead, 'note', '2026-11-24 10:00:00', 'x')",
        "follow_up": "INSERT INTO follow_up (lead_id, due, text, created_at)"
        " VALUES (:lead, '2026-12-01', 'x', '2026-11-24 10:00:00')",
    }
    with sqlite3.connect(v1_copy) as conn:
        lead = conn.execute("SELECT min(id) FROM lead").fetchone()[0]
        for table, sql in inserts.items():
            (highest,) = conn.execute(f"SELECT max(id) FROM {table}").fetchone()
            assert highest is not None, table  # the fixture has rows in each
            conn.execute(f"DELETE FROM {table} WHERE id = ?", (highest,))
            new_id = conn.execute(sql, {"lead": lead}).lastrowid
            assert new_id == highest + 1, table
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
