"""SQLITE-ONLY: whole-file work on SQLite databases (copies, checks, replacement).

Used by backups, restore and migrations. Every file it creates is private
(0600 in a 0700 folder) and appears under its final name only when complete.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from prospectr.errors import StorageError

BUSY_TIMEOUT_S = 10.0


def ensure_private_dir(folder: Path) -> None:
    """Create ``folder`` (and its parents) with mode 0700 if it does not exist."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create folder {folder}: {exc.strerror or exc}") from exc


def connect_file(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A plain sqlite3 connection on ``path`` with the busy timeout set."""
    if read_only:
        uri = f"{path.resolve().as_uri()}?mode=ro".replace("file://", "file:", 1)
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
    conn.isolation_level = None
    return conn


def temp_beside(target: Path) -> Path:
    """A fresh, private (0600) temporary file in ``target``'s folder."""
    ensure_private_dir(target.parent)
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        os.chmod(tmp, 0o600)
        return tmp
    raise StorageError(f"cannot create a temporary file in {target.parent}")  # pragma: no cover


_TEMP_RE = re.compile(r"^\..+\.tmp-(\d+)-[0-9a-f]{8}(-journal|-wal|-shm)?$")


def sweep_stale_temps(folder: Path) -> int:
    """Delete temporary files left in ``folder`` by a process that no longer runs.

    A copy killed half-way leaves its private temporary file behind (never a
    file under a real name); this clears them. Returns how many were removed.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            os.unlink(entry.path)
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_quietly(path: Path) -> None:
    """Delete a file and its journal/WAL companions, if present."""
    for candidate in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        candidate.unlink(missing_ok=True)


def finish_copy(dest: sqlite3.Connection) -> None:
    """Make a fresh copy self-contained: one file, no WAL beside it (SQLite syncs it)."""
    dest.execute("PRAGMA journal_mode=DELETE")


def sqlite_copy_file(source: Path, target: Path) -> Path:
    """Copy the SQLite file ``source`` into ``target`` (0600) through the backup API.

    ``source`` is opened read-only (its WAL, if any, is read too). Raises
    StorageError with one clear line when it is not a readable SQLite file.
    """
    tmp = temp_beside(target)
    try:
        try:
            with closing(connect_file(source, read_only=True)) as src:
                src.execute("SELECT count(*) FROM sqlite_master").fetchone()
                with closing(connect_file(tmp)) as dest:
                    src.backup(dest)
                    finish_copy(dest)
        except sqlite3.DatabaseError as exc:
            raise StorageError(_file_problem(source, exc)) from exc
        os.replace(tmp, target)
    except BaseException:
        remove_quietly(tmp)
        raise
    os.chmod(target, 0o600)
    return target


def _file_problem(path: Path, exc: BaseException) -> str:
    low = str(exc).lower()
    if "not a database" in low or "malformed" in low or "encrypted" in low:
        return f"{path} is not a SQLite database or is damaged"
    if "unable to open" in low:
        return f"cannot open {path}"
    return f"cannot read {path}: {exc}"


def sqlite_check(path: Path, *, quick: bool = False) -> list[str]:
    """Problems ``PRAGMA integrity_check`` (or ``quick_check``) finds in a file; [] when ok.

    Each problem is one line without file names, such as ``database disk image is
    malformed`` or ``On tree page 44 cell 3: ...``.
    """
    pragma = "quick_check" if quick else "integrity_check"
    try:
        with closing(connect_file(path, read_only=True)) as conn:
            rows = conn.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc) or type(exc).__name__]
    problems = [
        line.strip()
        for row in rows
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    return [] if problems == ["ok"] else problems


def sqlite_summary(path: Path) -> dict[str, Any]:
    """Tables, schema version and lead count of a SQLite file (read-only)."""
    try:
        with closing(connect_file(path, read_only=True)) as conn:
            tables = {
                str(r[0])
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            version = leads = None
            if "schema_version" in tables:
                version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            if "lead" in tables:
                leads = conn.execute("SELECT count(*) FROM lead").fetchone()[0]
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StorageError(_file_problem(path, exc)) from exc
    return {"tables": tables, "version": version, "leads": leads, "page_size": page_size}


def sqlite_replace_contents(source: Path, db_path: Path) -> None:
    """Replace the database at ``db_path`` with the checked copy ``source``, atomically.

    The backup API writes the new pages in one transaction of the live database,
    so a crash leaves the old contents and open readers (the TUI) never see a mix.
    When the live file cannot be opened as SQLite at all (damaged), it is renamed
    over instead. ``source`` is consumed.
    """
    if not db_path.exists() or db_path.stat().st_size == 0:
        _replace_file(source, db_path)
        return
    try:
        live = connect_file(db_path)
        try:
            live.execute("PRAGMA journal_mode").fetchone()
            dest_page = live.execute("PRAGMA page_size").fetchone()[0]
        except sqlite3.DatabaseError:
            live.close()
            raise
    except sqlite3.DatabaseError:
        _replace_file(source, db_path)
        return
    try:
        with closing(connect_file(source)) as src:
            if src.execute("PRAGMA page_size").fetchone()[0] != dest_page:
                # A WAL database only accepts a backup with its own page size.
                src.execute(f"PRAGMA page_size={int(dest_page)}")
                src.execute("VACUUM")
            src.backup(live)
    finally:
        live.close()
    remove_quietly(source)


def _replace_file(source: Path, db_path: Path) -> None:
    """Rename ``source`` over ``db_path`` after moving its stale WAL files away."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(source, db_path)
    os.chmod(db_path, 0o600)


def copy_raw_file(db_path: Path, target: Path) -> Path:
    """Byte copy of a database file and its WAL (for a file SQLite cannot read)."""
    import shutil

    tmp = temp_beside(target)
    try:
        shutil.copyfile(db_path, tmp)
        os.replace(tmp, target)
    except BaseException:
        remove_quietly(tmp)
        raise
    wal = Path(f"{db_path}-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(f"{target}-wal"))
        os.chmod(Path(f"{target}-wal"), 0o600)
    os.chmod(target, 0o600)
    return target


def daily_name(stem: str, day: date) -> str:
    """The automatic backup of ``day``: one per day, so its existence is one stat."""
    return f"{stem}-daily-{day.isoformat()}.db"
