"""Backups and restore: file names, which day, how many to keep, and the steps.

Backups live in a ``backups`` folder beside the database file (0700; files 0600):

- ``<name>-daily-YYYY-MM-DD.db``: made automatically by the first command of a day
  (CLI or TUI) when the database holds leads; the newest N are kept (default 7).
- ``<name>-YYYYMMDD-HHMMSS.db``: made by ``prospectr backup``; never deleted by prospectr.
- ``<name>-before-restore-YYYYMMDD-HHMMSS.db``: the database a restore replaced.
- ``<name>-vN-before-migration-YYYYMMDD-HHMMSS.db``: the database before a schema upgrade.

Every copy goes through SQLite's online backup API (a consistent snapshot, safe
while other processes use the database), is checked, and only then takes its
final name. Nothing here prints; the caller reports.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import Session

from prospectr import db_files
from prospectr.db import (
    CORE_TABLES,
    backups_dir,
    session_scope,
    sqlite_backup,
    translate_db_error,
)
from prospectr.db_files import daily_name
from prospectr.errors import Conflict, InvalidInput, NotFound, StorageError
from prospectr.models import Setting

DEFAULT_KEEP = 7
MAX_KEEP = 3650
ENV_KEEP = "PROSPECTR_BACKUP_KEEP"
SETTING_KEEP = "backup.keep"
_OFF_WORDS = ("off", "no", "none", "never", "false")
_DAILY_RE = r"^{stem}-daily-(\d{{4}}-\d{{2}}-\d{{2}})\.db$"


class DatabaseDamaged(StorageError):
    """The live database fails its integrity check: nothing more is written to it."""


# --- rules: names, days, retention -------------------------------------------------


def manual_name(stem: str, now: datetime, n: int = 1) -> str:
    """A backup made on request; ``n`` > 1 when several are made in the same second."""
    suffix = "" if n == 1 else f"-{n}"
    return f"{stem}-{now:%Y%m%d-%H%M%S}{suffix}.db"


def before_restore_name(stem: str, now: datetime) -> str:
    """The copy of the database a restore replaces."""
    return f"{stem}-before-restore-{now:%Y%m%d-%H%M%S}.db"


def parse_keep(value: str | int) -> int:
    """How many daily backups to keep: a number (0 = off) or ``off``. Raises InvalidInput."""
    if isinstance(value, int):
        number = value
    else:
        word = value.strip().lower()
        if word in _OFF_WORDS:
            return 0
        if word in ("on", "yes", "true"):
            return DEFAULT_KEEP
        if not word.isascii() or not word.isdigit():
            raise InvalidInput(f"keep must be a number of days (0 or 'off' to stop), not {value!r}")
        number = int(word)
    if not 0 <= number <= MAX_KEEP:
        raise InvalidInput(f"keep must be between 0 and {MAX_KEEP}, not {number}")
    return number


def daily_to_prune(names: Iterable[str], stem: str, keep: int) -> list[str]:
    """The daily backups beyond the newest ``keep`` (by the date in their name)."""
    pattern = re.compile(_DAILY_RE.format(stem=re.escape(stem)))
    dated = sorted(
        ((m.group(1), name) for name in names if (m := pattern.match(name))),
        reverse=True,
    )
    return [name for _, name in dated[max(keep, 0) :]]


@dataclass(frozen=True)
class KeepSetting:
    """How many daily backups are kept, and where that number comes from."""

    keep: int
    origin: str  # "env", "setting" or "default"


def _env_keep(environ: Mapping[str, str] | None) -> int | None:
    """``PROSPECTR_BACKUP_KEEP`` as a number, or None when it is not set."""
    env = (os.environ if environ is None else environ).get(ENV_KEEP, "").strip()
    if not env:
        return None
    try:
        return parse_keep(env)
    except InvalidInput as exc:
        raise InvalidInput(f"{ENV_KEEP}: {exc}") from None


def keep_setting(session: Session, environ: Mapping[str, str] | None = None) -> KeepSetting:
    """``PROSPECTR_BACKUP_KEEP`` if set, else the stored setting, else the default (7)."""
    env = _env_keep(environ)
    if env is not None:
        return KeepSetting(env, "env")
    row = session.get(Setting, SETTING_KEEP)
    if row is not None and isinstance(row.value, int) and 0 <= row.value <= MAX_KEEP:
        return KeepSetting(row.value, "setting")
    return KeepSetting(DEFAULT_KEEP, "default")


def set_keep(session: Session, keep: int) -> None:
    """Store how many daily backups to keep (0 turns automatic backups off)."""
    keep = parse_keep(keep)
    row = session.get(Setting, SETTING_KEEP)
    if row is None:
        session.add(Setting(key=SETTING_KEEP, value=keep))
    else:
        row.value = keep
        session.add(row)


# --- doing it ----------------------------------------------------------------------


def _checked_copy(engine: Engine, target: Path, *, quick: bool) -> Path:
    """Back the live database up into ``target``; refuse (and write nothing) if damaged."""
    # A private name per process: two first-commands-of-the-day never share a file.
    pending = db_files.temp_beside(target)
    try:
        sqlite_backup(engine, pending)
    except sqlite3.Error as exc:
        db_files.remove_quietly(pending)
        raise StorageError(f"backup failed: {translate_db_error(exc)}") from exc
    problems = db_files.sqlite_check(pending, quick=quick)
    if problems:
        db_files.remove_quietly(pending)
        raise DatabaseDamaged(
            f"the database is damaged (integrity check: {problems[0]}); nothing was written."
            " Restore a backup: see 'prospectr backup --list' and 'prospectr restore PATH'"
        )
    os.replace(pending, target)
    return target


def daily_backup(
    engine: Engine,
    db_path: Path,
    *,
    today: date,
    environ: Mapping[str, str] | None = None,
) -> Path | None:
    """Make today's automatic backup if it is missing; prune old ones. Returns the new file.

    On a normal call (today's backup already made) this costs one ``stat``.
    A database without leads is not copied (nothing to protect yet). A damaged
    database raises DatabaseDamaged and leaves every earlier backup in place.
    """
    if _env_keep(environ) == 0:
        return None
    folder = backups_dir(db_path)
    target = folder / daily_name(db_path.stem, today)
    if target.exists():
        return None
    with session_scope(engine, write=False) as s:
        keep = keep_setting(s, environ).keep
        if keep <= 0:
            return None
        has_leads = s.connection().execute(text("SELECT 1 FROM lead LIMIT 1")).first()
    if has_leads is None:
        return None
    _checked_copy(engine, target, quick=True)
    for name in daily_to_prune(os.listdir(folder), db_path.stem, keep):
        (folder / name).unlink(missing_ok=True)
    for place in (folder, db_path.parent):
        db_files.sweep_stale_temps(place)
    return target


def make_backup(
    engine: Engine,
    db_path: Path,
    *,
    now: datetime,
    target: Path | None = None,
    force: bool = False,
) -> Path:
    """Back the database up now, into ``target`` (a file or a folder) or the backups folder.

    Refuses to overwrite an existing file unless ``force``, and refuses the
    database file itself. The copy is checked with ``PRAGMA integrity_check``.
    """
    stem = db_path.stem
    if target is None or target.is_dir():
        folder = backups_dir(db_path) if target is None else target
        n = 1
        target = folder / manual_name(stem, now)
        while target.exists():
            n += 1
            target = folder / manual_name(stem, now, n)
    else:
        if _same_file(target, db_path):
            raise InvalidInput(f"{target} is the database itself; choose another file")
        if target.exists() and not force:
            raise Conflict(f"{target} already exists (add --force to replace it)")
    return _checked_copy(engine, target, quick=False)


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did: the source, its lead count, and where the old database went."""

    source: Path
    leads: int
    version: int
    kept: Path | None


@dataclass(frozen=True)
class BackupFile:
    """One file in the backups folder."""

    path: Path
    size: int
    modified: datetime


def list_backups(db_path: Path) -> list[BackupFile]:
    """The backups beside ``db_path``, newest first."""
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    files: list[BackupFile] = []
    for entry in os.scandir(folder):
        if entry.name.startswith(".") or not entry.name.endswith(".db") or not entry.is_file():
            continue
        st = entry.stat()
        files.append(BackupFile(Path(entry.path), st.st_size, datetime.fromtimestamp(st.st_mtime)))
    files.sort(key=lambda f: (f.modified, f.path.name), reverse=True)
    return files


def check_restorable(candidate: Path, *, latest: int, label: Path | None = None) -> dict[str, int]:
    """Refuse a file that fails ``integrity_check`` or is not a prospectr database.

    Returns its schema version and lead count.
    """
    shown = label or candidate
    problems = db_files.sqlite_check(candidate)
    if problems:
        first = problems[0].replace(str(candidate), str(shown))
        raise StorageError(f"{shown} fails the integrity check ({first}); nothing was changed")
    info = db_files.sqlite_summary(candidate)
    if not CORE_TABLES.issubset(info["tables"]) or not info["version"]:
        raise StorageError(f"{shown} is not a prospectr database; nothing was changed")
    if int(info["version"]) > latest:
        raise StorageError(
            f"{shown} was made by a newer prospectr (schema v{info['version']}, this one"
            f" reads v{latest}); nothing was changed"
        )
    return {"version": int(info["version"]), "leads": int(info["leads"] or 0)}


def restore(db_path: Path, source: Path, *, now: datetime) -> RestoreResult:
    """Replace the database at ``db_path`` with the backup ``source``.

    Order: copy ``source`` beside the database; refuse it unless it passes
    ``PRAGMA integrity_check`` and is a prospectr database; keep a copy of the
    current database in the backups folder; then replace the contents in one
    transaction. Any refusal leaves everything as it was.
    """
    from prospectr.migrations import LATEST

    if not source.exists():
        raise NotFound(f"no such backup file: {source}")
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file")
    if db_path.exists() and _same_file(source, db_path):
        raise InvalidInput(f"{source} is the database itself; nothing to restore")
    staged = db_files.temp_beside(db_path.with_name(f"{db_path.name}.restore"))
    try:
        try:
            db_files.sqlite_copy_file(source, staged)
        except StorageError as exc:
            raise StorageError(f"{exc}; nothing was changed") from exc
        info = check_restorable(staged, latest=LATEST, label=source)
        kept = _keep_current(db_path, now)
        db_files.sqlite_replace_contents(staged, db_path)
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StorageError(f"restore failed, nothing was changed: {reason}") from exc
    finally:
        db_files.remove_quietly(staged)
    return RestoreResult(source, info["leads"], info["version"], kept)


def _keep_current(db_path: Path, now: datetime) -> Path | None:
    """Copy the database about to be replaced into the backups folder."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    target = backups_dir(db_path) / before_restore_name(db_path.stem, now)
    try:
        return db_files.sqlite_copy_file(db_path, target)
    except StorageError:
        # Too damaged for SQLite to read: keep the bytes as they are.
        return db_files.copy_raw_file(db_path, target)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


__all__ = [
    "DEFAULT_KEEP",
    "ENV_KEEP",
    "SETTING_KEEP",
    "BackupFile",
    "DatabaseDamaged",
    "KeepSetting",
    "RestoreResult",
    "before_restore_name",
    "check_restorable",
    "daily_backup",
    "daily_name",
    "daily_to_prune",
    "keep_setting",
    "list_backups",
    "make_backup",
    "manual_name",
    "parse_keep",
    "restore",
    "set_keep",
]
