"""backup, restore and the automatic daily backup."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from prospectr.db import open_database, session_scope
from prospectr.domain import backup
from prospectr.errors import InvalidInput
from prospectr.migrations import LATEST

from ..conftest import NOW
from .conftest import count, dump, integrity, mode, one_error_line

pytestmark = pytest.mark.sqlite_only

CliRun = Callable[..., Any]


def seed(path: Path, names: list[str]) -> None:
    from prospectr.domain import add_lead

    engine = open_database(f"sqlite:///{path}", now=NOW)
    with session_scope(engine) as s:
        for name in names:
            add_lead(s, now=NOW, name=name)
    engine.dispose()


def names(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM lead ORDER BY id")]


def journal_mode(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def err(result: Any) -> str:
    assert result.exit_code != 0, result.stdout
    return one_error_line(result.stderr_bytes)


# --- prospectr backup ----------------------------------------------------------------


def test_backup_goes_to_the_backups_folder_checked_and_private(db_path: Path, cli: CliRun) -> None:
    seed(db_path, ["Maria Santos", "Nguyễn Văn An", "Иван Петров"])
    result = cli("backup")
    assert result.exit_code == 0, result.stderr
    target = db_path.parent / "backups" / "prospectr-20261124-100000.db"
    assert result.stdout.startswith(f"backup written: {target} (3 leads, ")
    assert result.stdout.rstrip().endswith(", checked)")
    assert names(target) == ["Maria Santos", "Nguyễn Văn An", "Иван Петров"]
    assert dump(target) == dump(db_path)
    assert integrity(target) == "ok"
    assert journal_mode(target) == "delete"  # one self-contained file
    assert mode(target) == 0o600
    assert mode(target.parent) == 0o700
    assert sorted(p.name for p in target.parent.iterdir()) == [
        "prospectr-20261124-100000.db",
        "prospectr-daily-2026-11-24.db",
    ]


def test_two_backups_in_the_same_second_do_not_collide(db_path: Path, cli: CliRun) -> None:
    seed(db_path, ["Maria"])
    assert cli("backup").exit_code == 0
    second = cli("backup", "--json")
    assert second.exit_code == 0
    made = json.loads(second.stdout)
    assert made["path"].endswith("prospectr-20261124-100000-2.db")
    assert made["leads"] == 1
    assert made["size"] == Path(made["path"]).stat().st_size


def test_backup_to_a_chosen_file_or_folder(tmp_path: Path, db_path: Path, cli: CliRun) -> None:
    seed(db_path, ["Maria"])
    target = tmp_path / "copy.db"
    assert cli("backup", str(target)).exit_code == 0
    assert names(target) == ["Maria"]
    assert mode(target) == 0o600

    again = cli("backup", str(target))
    assert again.exit_code == 4
    assert "already exists" in err(again)
    seed(db_path, ["Ann"])
    assert cli("backup", str(target), "--force").exit_code == 0
    assert names(target) == ["Maria", "Ann"]

    folder = tmp_path / "usb"
    folder.mkdir()
    assert cli("backup", str(folder)).exit_code == 0
    assert [p.name for p in folder.iterdir()] == ["prospectr-20261124-100000.db"]

    itself = cli("backup", str(db_path), "--force")
    assert itself.exit_code == 2
    assert "the database itself" in err(itself)
    assert names(db_path) == ["Maria", "Ann"]


def test_backup_while_another_process_holds_the_write_lock(db_path: Path, cli: CliRun) -> None:
    """The TUI (or an import) in the middle of a write: backup neither waits nor sees it."""
    seed(db_path, ["Maria"])
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "INSERT INTO lead (name, name_key, stage_id, budget, authority, need, timeline,"
            " do_not_contact, search_text, created_at, updated_at)"
            " VALUES ('Uncommitted', 'uncommitted', 1, 'unknown', 'unknown', 'unknown',"
            " 'unknown', 0, '', '2026-11-24', '2026-11-24')"
        )
        started = time.monotonic()
        result = cli("backup", str(db_path.parent / "snap.db"))
        assert time.monotonic() - started < 5
        assert result.exit_code == 0, result.stderr
        assert names(db_path.parent / "snap.db") == ["Maria"]
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_backup_list(db_path: Path, cli: CliRun) -> None:
    empty = cli("backup", "--list")
    assert empty.exit_code == 0
    assert empty.stdout.startswith("no backups yet in ")
    seed(db_path, ["Maria"])
    cli("backup")
    listed = cli("backup", "--list", "--json")
    files = sorted(Path(f["path"]).name for f in json.loads(listed.stdout))
    assert files == ["prospectr-20261124-100000.db", "prospectr-daily-2026-11-24.db"]


def test_backup_needs_a_sqlite_file(cli: CliRun) -> None:
    result = cli("--db", "postgresql://someone@localhost/prospectr", "backup")
    assert result.exit_code == 2
    assert "SQLite database file" in err(result)


# --- prospectr restore ---------------------------------------------------------------


@pytest.fixture
def two_states(tmp_path: Path, db_path: Path, cli: CliRun) -> tuple[Path, dict[str, Any]]:
    """A backup holding Maria and Ann; the live database has Maria, Ann and Later."""
    seed(db_path, ["Maria", "Ann"])
    saved = tmp_path / "saved.db"
    assert cli("backup", str(saved)).exit_code == 0
    seed(db_path, ["Later"])
    return saved, dump(db_path)


def test_restore_replaces_the_database_and_keeps_the_old_one(
    db_path: Path, cli: CliRun, two_states: tuple[Path, dict[str, Any]]
) -> None:
    saved, before = two_states
    result = cli("restore", "--yes", str(saved))
    assert result.exit_code == 0, result.stderr
    kept = db_path.parent / "backups" / "prospectr-before-restore-20261124-100000.db"
    assert result.stdout == (
        f"restored 2 leads from {saved}\nthe replaced database is kept at {kept}\n"
    )
    assert names(db_path) == ["Maria", "Ann"]
    assert dump(kept) == before
    assert mode(kept) == 0o600
    assert mode(db_path) == 0o600
    assert integrity(db_path) == "ok"
    assert journal_mode(db_path) == "wal"
    # The restored database is an ordinary one: commands work on it.
    added = cli("add", "Next")
    assert added.exit_code == 0, added.stderr
    assert names(db_path) == ["Maria", "Ann", "Next"]


def test_restore_asks_first(
    db_path: Path, cli: CliRun, two_states: tuple[Path, dict[str, Any]]
) -> None:
    saved, before = two_states
    result = cli("restore", str(saved))
    assert result.exit_code == 2
    assert "without --yes" in err(result)
    assert dump(db_path) == before


def _foreign(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
        conn.commit()


def _newer(path: Path) -> None:
    seed(path, ["From the future"])
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, '2031-01-01')", (LATEST + 1,))
        conn.commit()


def _damaged(path: Path) -> None:
    seed(path, [f"Person {i}" for i in range(300)])
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        leaf = "SELECT pageno FROM dbstat WHERE name = 'lead' AND pagetype = 'leaf'"
        page = [r[0] for r in conn.execute(leaf)][1]
    with path.open("r+b") as fh:
        fh.seek((page - 1) * 4096 + 8)
        fh.write(b"\xee" * 2000)


BAD_SOURCES: dict[str, tuple[Callable[[Path], None], int, str]] = {
    "missing": (lambda p: None, 3, "no such backup file"),
    "a folder": (lambda p: p.mkdir(), 2, "is not a file"),
    "text": (lambda p: p.write_text("name\nMaria\n"), 5, "not a SQLite database"),
    "empty": (lambda p: p.write_bytes(b""), 5, "not a prospectr database"),
    "another program's": (_foreign, 5, "not a prospectr database"),
    "newer": (_newer, 5, "newer prospectr"),
    "damaged": (_damaged, 5, "fails the integrity check"),
}


@pytest.mark.parametrize("kind", sorted(BAD_SOURCES))
def test_restore_refuses_a_bad_file_and_changes_nothing(
    tmp_path: Path,
    db_path: Path,
    cli: CliRun,
    two_states: tuple[Path, dict[str, Any]],
    kind: str,
) -> None:
    make, code, words = BAD_SOURCES[kind]
    source = tmp_path / "candidate.db"
    make(source)
    result = cli("restore", "--yes", str(source))
    assert result.exit_code == code
    line = err(result)
    assert words in line
    if code == 5:
        assert "nothing was changed" in line
    assert dump(db_path) == two_states[1]
    assert not list((db_path.parent / "backups").glob("*before-restore*"))
    assert not [p for p in db_path.parent.iterdir() if ".restore" in p.name]


def test_restore_of_the_database_itself_is_refused(db_path: Path, cli: CliRun) -> None:
    seed(db_path, ["Maria"])
    result = cli("restore", "--yes", str(db_path))
    assert result.exit_code == 2
    assert "the database itself" in err(result)


def test_restore_while_the_tui_reads(
    db_path: Path, cli: CliRun, two_states: tuple[Path, dict[str, Any]]
) -> None:
    """An open reader keeps working and sees the restored data on its next read."""
    saved, _ = two_states
    engine = open_database(f"sqlite:///{db_path}", now=NOW)
    errors: list[str] = []
    seen: set[int] = set()
    stop = threading.Event()

    def reader() -> None:
        from prospectr.domain import LeadQuery, count_matching

        while not stop.is_set():
            try:
                with session_scope(engine, write=False) as s:
                    seen.add(count_matching(s, LeadQuery(), today=NOW.date()))
            except Exception as exc:
                errors.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.1)
        result = cli("restore", "--yes", str(saved))
        time.sleep(0.1)
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    assert result.exit_code == 0, result.stderr
    assert errors == []
    assert seen <= {3, 2}
    assert 2 in seen


def test_restore_into_a_new_location(tmp_path: Path, cli: CliRun) -> None:
    source = tmp_path / "old" / "prospectr.db"
    seed(source, ["Maria"])
    target = tmp_path / "new" / "prospectr.db"
    result = cli("--db", str(target), "restore", "--yes", str(source))
    assert result.exit_code == 0, result.stderr
    assert names(target) == ["Maria"]
    assert mode(target) == 0o600
    assert "kept at" not in result.stdout


# --- the automatic daily backup ------------------------------------------------------


def daily_files(db_path: Path) -> list[str]:
    folder = db_path.parent / "backups"
    return sorted(p.name for p in folder.glob("*-daily-*")) if folder.exists() else []


def test_first_command_of_the_day_makes_one_backup(db_path: Path, cli: CliRun) -> None:
    assert cli("add", "Maria").exit_code == 0
    assert daily_files(db_path) == []  # nothing to protect before there was a lead
    assert cli("list").exit_code == 0
    assert daily_files(db_path) == ["prospectr-daily-2026-11-24.db"]
    daily = db_path.parent / "backups" / "prospectr-daily-2026-11-24.db"
    assert names(daily) == ["Maria"]
    assert mode(daily) == 0o600
    assert cli("add", "Ann").exit_code == 0
    assert names(daily) == ["Maria"]  # made once per day, before the day's changes


def test_a_day_with_its_backup_costs_one_stat_and_no_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "prospectr.db"
    seed(db, ["Maria"])
    engine = open_database(f"sqlite:///{db}")
    assert backup.daily_backup(engine, db, today=date(2026, 11, 24), environ={}) is not None
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    stats: list[str] = []
    real_stat = os.stat

    def counting_stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        stats.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    made = backup.daily_backup(engine, db, today=date(2026, 11, 24), environ={})
    monkeypatch.undo()
    engine.dispose()
    assert made is None
    assert statements == []
    assert stats == [str(db.parent / "backups" / "prospectr-daily-2026-11-24.db")]


def test_daily_backups_keep_the_newest_n(
    db_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path, ["Maria"])
    assert cli("backup").exit_code == 0  # a manual backup is never pruned
    assert cli("auto-backup", "3").stdout.startswith(
        "automatic daily backups: on, keeping the newest 3 in "
    )
    for day in range(1, 11):
        monkeypatch.setenv("PROSPECTR_NOW", f"2026-12-{day:02d}T09:00:00")
        assert cli("list").exit_code == 0
    assert daily_files(db_path) == [
        "prospectr-daily-2026-12-08.db",
        "prospectr-daily-2026-12-09.db",
        "prospectr-daily-2026-12-10.db",
    ]
    assert (db_path.parent / "backups" / "prospectr-20261124-100000.db").exists()

    monkeypatch.setenv("PROSPECTR_BACKUP_KEEP", "1")  # the environment wins
    monkeypatch.setenv("PROSPECTR_NOW", "2026-12-11T09:00:00")
    shown = cli("auto-backup")
    assert "keeping the newest 1 " in shown.stdout
    assert "PROSPECTR_BACKUP_KEEP is set" in shown.stdout
    assert daily_files(db_path) == ["prospectr-daily-2026-12-11.db"]


def test_automatic_backups_can_be_turned_off(
    db_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path, ["Maria"])
    monkeypatch.setenv("PROSPECTR_NOW", "2026-11-20T09:00:00")
    assert cli("auto-backup", "off").stdout == "automatic daily backups: off\n"
    monkeypatch.setenv("PROSPECTR_NOW", "2026-11-21T09:00:00")
    assert cli("list").exit_code == 0
    assert daily_files(db_path) == ["prospectr-daily-2026-11-20.db"]  # made before "off"

    monkeypatch.setenv("PROSPECTR_NOW", "2026-11-22T09:00:00")
    monkeypatch.setenv("PROSPECTR_BACKUP_KEEP", "0")
    assert cli("auto-backup", "5").exit_code == 0
    assert cli("list").exit_code == 0
    assert daily_files(db_path) == ["prospectr-daily-2026-11-20.db"]


def test_a_bad_keep_value_is_refused_or_warned(
    db_path: Path, cli: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_path, ["Maria"])
    bad = cli("auto-backup", "lots")
    assert bad.exit_code == 2
    assert "keep must be a number" in err(bad)
    monkeypatch.setenv("PROSPECTR_BACKUP_KEEP", "-1")
    listed = cli("list", "--json")
    assert listed.exit_code == 0
    assert listed.stderr.startswith("warning: automatic backup skipped: PROSPECTR_BACKUP_KEEP:")
    assert json.loads(listed.stdout)["total"] == 1


# --- the rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "keep"),
    [("7", 7), (" 14 ", 14), ("0", 0), ("off", 0), ("OFF", 0), ("no", 0), ("on", 7), (30, 30)],
)
def test_parse_keep(text: str | int, keep: int) -> None:
    assert backup.parse_keep(text) == keep


@pytest.mark.parametrize("text", ["-1", "lots", "3.5", "", "٣", "1e3", "4000", -2])
def test_parse_keep_refuses(text: str | int) -> None:
    with pytest.raises(InvalidInput):
        backup.parse_keep(text)


def test_daily_to_prune_goes_by_the_date_in_the_name() -> None:
    files = [
        "prospectr-daily-2026-11-03.db",
        "prospectr-daily-2025-12-31.db",
        "prospectr-daily-2026-01-15.db",
        "prospectr-20261124-100000.db",
        "other-daily-2020-01-01.db",
        "prospectr-daily-2026-11-24.db",
        "prospectr-daily-2026-11-24.db-wal",
        ".prospectr-daily-2026-11-25.db.tmp-1-ab",
    ]
    assert backup.daily_to_prune(files, "prospectr", 2) == [
        "prospectr-daily-2026-01-15.db",
        "prospectr-daily-2025-12-31.db",
    ]
    assert backup.daily_to_prune(files, "prospectr", 0) == [
        "prospectr-daily-2026-11-24.db",
        "prospectr-daily-2026-11-03.db",
        "prospectr-daily-2026-01-15.db",
        "prospectr-daily-2025-12-31.db",
    ]
    assert backup.daily_to_prune(files, "pro", 0) == []


def test_names() -> None:
    at = datetime(2026, 11, 24, 9, 5, 7)
    assert backup.daily_name("prospectr", at.date()) == "prospectr-daily-2026-11-24.db"
    assert backup.manual_name("prospectr", at) == "prospectr-20261124-090507.db"
    assert backup.manual_name("work", at, 3) == "work-20261124-090507-3.db"
    assert backup.before_restore_name("x", at) == "x-before-restore-20261124-090507.db"


def test_keep_setting_precedence(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'p.db'}")
    with session_scope(engine) as s:
        assert backup.keep_setting(s, {}) == backup.KeepSetting(7, "default")
        backup.set_keep(s, 2)
    with session_scope(engine) as s:
        assert backup.keep_setting(s, {}) == backup.KeepSetting(2, "setting")
        assert backup.keep_setting(s, {"PROSPECTR_BACKUP_KEEP": "off"}) == backup.KeepSetting(
            0, "env"
        )
    engine.dispose()
    assert count(tmp_path / "p.db", "setting", "key = 'backup.keep'") == 1


def test_the_daily_backup_sweeps_temporary_files_of_dead_processes(tmp_path: Path) -> None:
    """A copy killed half-way leaves a hidden temporary file; the next daily backup clears it."""
    import subprocess
    import sys

    db = tmp_path / "prospectr.db"
    seed(db, ["Maria"])
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_pid.wait()
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    stale = [
        folder / f".prospectr-daily-2026-11-23.db.tmp-{dead_pid.pid}-0a1b2c3d",
        tmp_path / f".prospectr.db.restore.tmp-{dead_pid.pid}-deadbeef",
    ]
    mine = folder / f".prospectr-20261124-100000.db.tmp-{os.getpid()}-12345678"
    unrelated = folder / ".notes.tmp-1-xyz"
    for path in [*stale, mine, unrelated]:
        path.write_bytes(b"partial")
    engine = open_database(f"sqlite:///{db}")
    made = backup.daily_backup(engine, db, today=date(2026, 11, 24), environ={})
    engine.dispose()
    assert made is not None
    assert [p.exists() for p in stale] == [False, False]
    assert mine.exists()
    assert unrelated.exists()
