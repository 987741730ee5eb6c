"""``prospectr db copy``: SQLite -> PostgreSQL and back, atomic, checked, ids kept."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, insert, null, text, update
from sqlmodel import Session

from prospectr.db import open_database, session_scope
from prospectr.domain import add_lead, log_interaction
from prospectr.domain import copy as copy_module
from prospectr.domain.copy import copy_database, copy_to_url
from prospectr.errors import Conflict, InvalidInput, StorageError
from prospectr.migrations import LATEST
from prospectr.models import FollowUp, ImportBatch, ImportItem, Lead, Setting, Stage
from tests.conftest import NOW
from tests.server.conftest import dump, json_values

LEADS = 10_000
SMALL = 200


def enrich(engine: Engine) -> None:
    """Rows the generated dataset lacks: the awkward cases a copy must keep."""
    with engine.begin() as conn:
        conn.execute(
            insert(Stage.__table__),  # type: ignore[attr-defined]
            [{"name": "démo", "key": None, "position": 8, "kind": "open", "retired": True,
              "requires_reason": False, "requires_followup": False}],
        )  # fmt: skip
        top = conn.execute(text("SELECT max(id) FROM lead")).scalar_one()
        # A lead referred by a lead with a larger id: inserted before the row it points at.
        conn.execute(update(Lead.__table__).where(Lead.id == 1).values(referred_by_id=top))  # type: ignore[attr-defined]
        conn.execute(
            update(Lead.__table__)  # type: ignore[attr-defined]
            .where(Lead.id == 2)
            .values(do_not_contact=True, custom={"size": "L", "note": "Nguyễn ☕ «x»", "n": 3})
        )
        conn.execute(
            insert(Setting.__table__),  # type: ignore[attr-defined]
            [
                {"key": "backup.keep", "value": 7},
                {"key": "json-null", "value": JSON.NULL},
                {"key": "sql-null", "value": null()},
            ],
        )
        conn.execute(
            insert(ImportBatch.__table__),  # type: ignore[attr-defined]
            [{"id": 1, "created_at": NOW, "path": "/tmp/Контакты.csv", "format": "csv",
              "counts": {"created": 1, "updated": 1}, "undone_at": NOW}],
        )  # fmt: skip
        conn.execute(
            insert(ImportItem.__table__),  # type: ignore[attr-defined]
            [
                {"batch_id": 1, "lead_id": 3, "action": "created", "before": null()},
                {"batch_id": 1, "lead_id": 4, "action": "updated", "before": {"name": "Old"}},
            ],
        )
        conn.execute(
            update(FollowUp.__table__)  # type: ignore[attr-defined]
            .where(FollowUp.id == 1)
            .values(done_at=datetime(2026, 11, 20, 9, 30, 15, 123456))
        )


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's raw stored values (text, integers), rows in a stable order."""
    with closing(sqlite3.connect(path)) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"'), key=repr) for n in names}


def _source(tmp: Path, build: Callable[..., None], leads: int) -> Path:
    path = tmp / "source.db"
    url = f"sqlite:///{path}"
    build(url, leads=leads, interactions=leads // 2)
    engine = open_database(url)
    enrich(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def source_file(tmp_path_factory: pytest.TempPathFactory, build: Callable[..., None]) -> Path:
    """A 10,000-lead SQLite database (bench/dataset.py) plus the awkward cases."""
    return _source(tmp_path_factory.mktemp("source"), build, LEADS)


@pytest.fixture(scope="module")
def small_source(tmp_path_factory: pytest.TempPathFactory, build: Callable[..., None]) -> Path:
    """The same with 200 leads."""
    return _source(tmp_path_factory.mktemp("small"), build, SMALL)


@pytest.mark.slow
def test_round_trip_keeps_every_row(source_file: Path, target_url: str, tmp_path: Path) -> None:
    source = open_database(f"sqlite:///{source_file}")
    try:
        result = copy_to_url(source, target_url)
        assert result.leads == LEADS
        assert result.replaced == {}
        back_path = tmp_path / "back.db"
        target = open_database(target_url)
        try:
            expected = dump(source)
            assert result.rows == {name: len(rows) for name, rows in expected.items()}
            assert dump(target) == expected
            copy_to_url(target, f"sqlite:///{back_path}")
        finally:
            target.dispose()
    finally:
        source.dispose()
    # Back on SQLite, even the stored text (timestamps, JSON) is byte for byte the same.
    assert sqlite_rows(back_path) == sqlite_rows(source_file)


def test_sql_null_and_json_null_stay_apart(small_source: Path, target_url: str) -> None:
    source = open_database(f"sqlite:///{small_source}")
    copy_to_url(source, target_url)
    source.dispose()
    target = open_database(target_url)
    try:
        with target.connect() as conn:
            nulls = dict(
                conn.execute(text("SELECT key, value IS NULL FROM setting ORDER BY key")).all()
            )
            items = dump(target)["import_item"]
    finally:
        target.dispose()
    assert {k: bool(v) for k, v in nulls.items()} == {
        "backup.keep": False,
        "json-null": False,
        "sql-null": True,
    }
    assert json_values(items, 4) == [None, {"name": "Old"}]
    assert items[0][4] is None


def test_new_rows_get_fresh_ids_after_the_copy(small_source: Path, target_url: str) -> None:
    source = open_database(f"sqlite:///{small_source}")
    copy_to_url(source, target_url)
    source.dispose()
    target = open_database(target_url)
    try:
        with session_scope(target) as s:
            lead = add_lead(s, now=NOW, name="Ana Reyes", email="ana.reyes@example.org")
            note = log_interaction(s, lead, text="first call", at=NOW, kind="call")
            s.add(Stage(name="demo day", position=9))
            s.flush()
            lead_id, note_id = lead.id, note.id
        with target.connect() as conn:
            top_note = conn.execute(text("SELECT max(id) FROM interaction")).scalar_one()
            stages = conn.execute(text("SELECT count(*) FROM stage")).scalar_one()
    finally:
        target.dispose()
    assert lead_id == SMALL + 1
    assert note_id == top_note
    assert stages == 10


def test_a_target_holding_data_is_refused_unless_replace(tmp_path: Path, target_url: str) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with session_scope(source) as s:
        add_lead(s, now=NOW, name="Maria Santos", email="maria@example.com")
    target = open_database(target_url)
    with session_scope(target) as s:
        add_lead(s, now=NOW, name="Иван Петров")
        add_lead(s, now=NOW, name="Trần Thị Hà")
    before = dump(target)
    try:
        with pytest.raises(Conflict, match=r"already holds data \(2 leads, 4 rows in all\)"):
            copy_database(source, target)
        assert dump(target) == before
        result = copy_database(source, target, replace=True)
        assert result.replaced == {"lead": 2, "stage_history": 2}
        assert dump(target) == dump(source)
    finally:
        source.dispose()
        target.dispose()


def test_a_changed_pipeline_counts_as_data(tmp_path: Path, target_url: str) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    target = open_database(target_url)
    with session_scope(target) as s:
        s.add(Stage(name="demo", position=8))
    try:
        with pytest.raises(Conflict, match="already holds data"):
            copy_database(source, target)
    finally:
        source.dispose()
        target.dispose()


@pytest.mark.parametrize("fault", ["count", "error"])
def test_a_failed_copy_leaves_the_target_as_it_was(
    tmp_path: Path, target_url: str, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with session_scope(source) as s:
        for i in range(30):
            add_lead(s, now=NOW, name=f"Lead {i}")
    target = open_database(target_url)
    with session_scope(target) as s:
        add_lead(s, now=NOW, name="Kept")
    before = dump(target)
    real_rows = copy_module._rows

    def losing_rows(src: Any, table: Any, **kw: Any) -> Any:
        for chunk in real_rows(src, table, **kw):
            yield chunk[:-1] if table.name == "stage_history" else chunk

    def failing_reset(conn: Any, tables: Any) -> None:
        raise StorageError("disk full")

    if fault == "count":
        monkeypatch.setattr(copy_module, "_rows", losing_rows)
        expected = "copy check failed for table stage_history: source 30 rows, target 29"
    else:
        monkeypatch.setattr(copy_module, "_reset_sequences", failing_reset)
        expected = "disk full"
    try:
        with pytest.raises(StorageError, match=expected):
            copy_database(source, target, replace=True)
        assert dump(target) == before
    finally:
        source.dispose()
        target.dispose()


def test_a_new_file_is_removed_when_the_copy_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")

    def failing_reset(conn: Any, tables: Any) -> None:
        raise StorageError("disk full")

    monkeypatch.setattr(copy_module, "_reset_sequences", failing_reset)
    target = tmp_path / "new" / "copy.db"
    try:
        with pytest.raises(StorageError):
            copy_to_url(source, f"sqlite:///{target}")
    finally:
        source.dispose()
    assert sorted(p.name for p in target.parent.iterdir()) == []


def test_the_database_in_use_is_not_a_target(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    source = open_database(url)
    try:
        with pytest.raises(InvalidInput, match="the database in use"):
            copy_to_url(source, url)
    finally:
        source.dispose()


def test_a_blank_server_database_gets_the_schema(tmp_path: Path, blank_pg_url: str) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'a.db'}")
    with session_scope(source) as s:
        add_lead(s, now=NOW, name="Nguyễn Văn An", email="an@example.vn")
    try:
        result = copy_to_url(source, blank_pg_url)
        target = open_database(blank_pg_url)
        try:
            assert dump(target) == dump(source)
            with Session(target) as s:
                lead = s.get(Lead, 1)
                assert lead is not None
                assert lead.search_text.startswith("nguyen van an")
        finally:
            target.dispose()
    finally:
        source.dispose()
    assert result.rows["lead"] == 1


# --- the command ---------------------------------------------------------------------


def test_command_copies_and_prints_the_counts(
    cli: Callable[..., Any], db_url: str, tmp_path: Path
) -> None:
    assert cli("add", "Maria Santos", "-e", "maria@example.com").exit_code == 0
    target = tmp_path / "copy.db"
    result = cli("db", "copy", "--to", str(target))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        "  import_batch    0",
        f"  schema_version  {LATEST}",  # one row per migration step
        "  setting         0",
        "  stage           8",
        "  import_item     0",
        "  lead            1",
        "  follow_up       0",
        "  interaction     0",
        "  lead_tag        0",
        "  sale            0",
        "  stage_history   1",
        f"copied 1 lead, {10 + LATEST} rows in all to sqlite:///{target}: 11 tables,"
        " row counts checked",
    ]
    source = open_database(db_url)
    copy = open_database(f"sqlite:///{target}")
    try:
        assert dump(copy) == dump(source)
    finally:
        source.dispose()
        copy.dispose()


def test_command_refuses_a_full_target_with_one_line(
    cli: Callable[..., Any], tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    assert cli("add", "Maria Santos").exit_code == 0
    assert cli("db", "copy", "--to", str(target)).exit_code == 0
    assert cli("add", "Ana Reyes").exit_code == 0
    result = cli("db", "copy", "--to", str(target))
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        "error: the target already holds data (1 lead, 2 rows in all);"
        " use --replace to overwrite it\n"
    )
    result = cli("db", "copy", "--to", str(target), "--replace", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["target"] == f"sqlite:///{target}"
    assert doc["tables"]["lead"] == 2
    assert doc["replaced"] == {"lead": 1, "stage_history": 1}


def test_command_hides_the_password(cli: Callable[..., Any], pg_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(password="s3cret").render_as_string(hide_password=False)
    result = cli("db", "copy", "--to", url, "--json")
    # A trust-authenticated test server accepts any password.
    assert result.exit_code == 0, result.stderr
    assert "s3cret" not in result.stdout
    assert json.loads(result.stdout)["target"] == make_url(url).render_as_string()
