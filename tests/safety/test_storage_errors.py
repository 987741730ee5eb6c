"""A read-only, missing, full, damaged or foreign database: one clear line, nothing damaged."""

from __future__ import annotations

import hashlib
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from prospectr.db import open_database, session_scope
from prospectr.migrations import LATEST

from ..conftest import NOW
from .conftest import ROOT, Tally, cli_env, count, dump, integrity, one_error_line, read_only

pytestmark = pytest.mark.sqlite_only

CliRun = Callable[..., Any]


def seed(path: Path, n: int = 3, note: str = "") -> None:
    from prospectr.domain import add_lead

    engine = open_database(f"sqlite:///{path}", now=NOW)
    with session_scope(engine) as s:
        for i in range(n):
            add_lead(s, now=NOW, name=f"Person {i}", email=f"p{i}@example.com", note=note or None)
    engine.dispose()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def err(result: Any) -> str:
    """The one error line of an in-process CLI result (asserted)."""
    assert result.exit_code != 0, result.stdout
    return one_error_line(result.stderr_bytes)


def test_read_only_file_refuses_writes_and_still_reads(
    db_path: Path, cli: CliRun, tally: Tally
) -> None:
    seed(db_path)
    before = dump(db_path)
    with read_only(db_path):
        result = cli("add", "Nobody", "-e", "nobody@example.com")
        assert result.exit_code == 5
        assert "read-only" in err(result)
        listed = cli("list", "--json")
        assert listed.exit_code == 0, listed.stderr
        assert "Person 2" in listed.stdout
    assert dump(db_path) == before
    assert integrity(db_path) == "ok"
    tally.add("faults injected")


def test_read_only_folder_for_a_new_database(tmp_path: Path, cli: CliRun, tally: Tally) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        result = cli("--db", str(folder / "new.db"), "add", "Nobody")
        assert result.exit_code == 5
        line = err(result)
    assert "cannot create database" in line
    assert str(folder / "new.db") in line
    assert list(folder.iterdir()) == []
    tally.add("faults injected")


def test_missing_folder_is_created_private(tmp_path: Path, cli: CliRun) -> None:
    target = tmp_path / "a" / "b" / "prospectr.db"
    result = cli("--db", str(target), "add", "Maria")
    assert result.exit_code == 0, result.stderr
    assert (target.parent.stat().st_mode & 0o777) == 0o700
    assert (target.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize("case", ["parent-is-a-file", "database-is-a-folder"])
def test_impossible_paths(tmp_path: Path, cli: CliRun, case: str, tally: Tally) -> None:
    blocker = tmp_path / "blocker"
    if case == "parent-is-a-file":
        blocker.write_text("a file, not a folder\n")
        target = blocker / "sub" / "prospectr.db"
    else:
        blocker.mkdir()
        target = blocker
    result = cli("--db", str(target), "list")
    assert result.exit_code == 5
    line = err(result)
    assert str(blocker) in line
    tally.add("faults injected")


def _damaged_db(path: Path) -> tuple[Path, Path]:
    """A 300-lead database with one page of the lead table overwritten; and a good backup."""
    seed(path, 300, note="hello " * 20)
    good = path.with_name("good-backup.db")
    with closing(sqlite3.connect(path)) as src, closing(sqlite3.connect(good)) as dest:
        src.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
        pages = [
            r[0]
            for r in src.execute(
                "SELECT pageno FROM dbstat WHERE name = 'lead' AND pagetype = 'leaf'"
            )
        ]
    with path.open("r+b") as fh:
        fh.seek((pages[len(pages) // 2] - 1) * 4096 + 8)
        fh.write(b"\xff" * 3000)
    assert integrity(path) != "ok"
    return path, good


NOT_A_DATABASE = {
    "text": b"name,email\nMaria,maria@example.com\n" * 50,
    "sqlite-header-then-garbage": b"SQLite format 3\x00" + bytes(range(256)) * 64,
    "random-bytes": bytes((i * 7919 + 13) % 256 for i in range(20_000)),
}


@pytest.mark.parametrize("kind", sorted(NOT_A_DATABASE))
@pytest.mark.parametrize("command", [["list"], ["add", "X"], ["today"], ["backup"]])
def test_not_a_database(
    db_path: Path, cli: CliRun, kind: str, command: list[str], tally: Tally
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(NOT_A_DATABASE[kind])
    before = digest(db_path)
    result = cli(*command)
    assert result.exit_code == 5
    assert "not a prospectr database" in err(result)
    assert digest(db_path) == before
    tally.add("faults injected")


@pytest.mark.parametrize("command", [["list", "--all"], ["add", "X"], ["today"], ["backup"]])
def test_database_failing_integrity_check(
    db_path: Path, cli: CliRun, command: list[str], tally: Tally
) -> None:
    _damaged_db(db_path)
    before = digest(db_path)
    result = cli(*command)
    assert result.exit_code == 5
    line = err(result)
    assert "damaged" in line
    assert "prospectr restore" in line
    assert digest(db_path) == before
    backups = db_path.parent / "backups"
    assert not backups.exists() or list(backups.iterdir()) == []
    tally.add("faults injected")


def test_truncated_database(db_path: Path, cli: CliRun, tally: Tally) -> None:
    seed(db_path, 300, note="hello " * 20)
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 2])
    before = digest(db_path)
    for command in (["list", "--all"], ["add", "X"], ["search", "Person"]):
        result = cli(*command)
        assert result.exit_code == 5, (command, result.stdout)
        assert "damaged" in err(result)
        tally.add("faults injected")
    assert digest(db_path) == before


def test_a_damaged_database_is_repaired_by_restore(db_path: Path, cli: CliRun) -> None:
    _, good = _damaged_db(db_path)
    damaged = db_path.read_bytes()
    result = cli("restore", "--yes", str(good))
    assert result.exit_code == 0, result.stderr
    assert integrity(db_path) == "ok"
    assert count(db_path, "lead") == 300
    kept = sorted((db_path.parent / "backups").glob("*before-restore*"))
    assert len(kept) == 1
    # The damaged pages are kept as they were (only the file header may differ).
    assert kept[0].read_bytes()[100:] == damaged[100:]
    assert cli("add", "After", "-e", "after@example.com").exit_code == 0
    assert count(db_path, "lead") == 301


def test_another_programs_sqlite_file_is_left_alone(
    db_path: Path, cli: CliRun, tally: Tally
) -> None:
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
        conn.commit()
    before = digest(db_path)
    for command in (["add", "X"], ["list"]):
        result = cli(*command)
        assert result.exit_code == 5
        assert "not a prospectr database" in err(result)
    assert digest(db_path) == before  # not even switched to WAL
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    tally.add("faults injected", 2)


def test_a_newer_schema_is_refused(db_path: Path, cli: CliRun, tally: Tally) -> None:
    seed(db_path)
    with closing(sqlite3.connect(db_path)) as conn:
        conn.execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?, '2030-01-01')",
            (LATEST + 1,),
        )
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = dump(db_path)
    result = cli("add", "X")
    assert result.exit_code == 5
    assert "newer" in err(result)
    assert dump(db_path) == before
    tally.add("faults injected")


# --- a full disk: the file-size limit of the process (RLIMIT_FSIZE) ---------------------


def run_limited(db: Path, limit: int, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """``prospectr ARGS`` in a process that cannot write files beyond ``limit`` bytes."""

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "prospectr", *args],
        env=cli_env(db, **env),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        preexec_fn=limit_files,
        check=False,
    )


@pytest.mark.slow
def test_disk_full_while_writing(tmp_path: Path, tally: Tally) -> None:
    db = tmp_path / "prospectr.db"
    seed(db, 300, note="hello " * 20)
    before = dump(db)
    big_note = "x" * 100_000
    done = run_limited(db, 65_536, "add", "Big", "-n", big_note, PROSPECTR_BACKUP_KEEP="0")
    assert done.returncode == 5, done.stderr
    assert "disk full" in one_error_line(done.stderr)
    assert integrity(db) == "ok"
    assert dump(db) == before
    # With room again, the same command works and everything else is intact.
    again = run_limited(db, 1 << 30, "add", "Big", "-n", big_note, PROSPECTR_BACKUP_KEEP="0")
    assert again.returncode == 0, again.stderr
    assert count(db, "lead") == 301
    tally.add("faults injected")


@pytest.mark.slow
def test_disk_full_while_backing_up(tmp_path: Path, tally: Tally) -> None:
    db = tmp_path / "prospectr.db"
    seed(db, 300, note="hello " * 20)
    before = dump(db)
    done = run_limited(db, 100_000, "backup", PROSPECTR_BACKUP_KEEP="0")
    assert done.returncode == 5
    assert "disk full" in one_error_line(done.stderr)
    assert list((tmp_path / "backups").iterdir()) == []  # no partial file, not even hidden
    # The automatic backup failing is a warning: the command itself goes on.
    listed = run_limited(db, 100_000, "list", "--limit", "1")
    assert listed.returncode == 0, listed.stderr
    assert listed.stderr.decode().startswith("warning: automatic backup skipped: ")
    assert len(listed.stderr.decode().splitlines()) == 1
    assert list((tmp_path / "backups").iterdir()) == []
    assert dump(db) == before
    tally.add("faults injected", 2)


@pytest.mark.slow
@pytest.mark.parametrize("bad_rows", [False, True], ids=["clean-rows", "with-rejects"])
def test_disk_full_during_a_large_import(tmp_path: Path, bad_rows: bool, tally: Tally) -> None:
    pytest.importorskip("prospectr.domain.importer")
    db = tmp_path / "prospectr.db"
    seed(db, 50)
    before = dump(db)
    source = tmp_path / "big.csv"
    lines = ["Name,Email,Phone,Notes"]
    for i in range(4000):
        email = "broken" if bad_rows and i % 2 else f"big{i}@example.com"
        lines.append(f"Person {i},{email},+63 917 {1000000 + i},{'n' * 200}")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = run_limited(db, 400_000, "import", str(source), PROSPECTR_BACKUP_KEEP="0")
    line = one_error_line(done.stderr)
    if bad_rows:  # the rejects file (written before the commit) is what no longer fits
        assert done.returncode != 0
        assert "rejects" in line
    else:
        assert done.returncode == 5
        assert "disk full" in line
    assert integrity(db) == "ok"
    assert dump(db) == before
    tally.add("faults injected")
