"""Where the database lives, and how a ``--db`` value becomes a database URL.

Order of precedence: the global ``--db`` option, then ``PROSPECTR_DB``, then
``prospectr.db`` in the user data dir (XDG on Linux). Also how files with personal
data besides the database (exports, rejects) are created: owner-only.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import IO, Any

ENV_DB = "PROSPECTR_DB"
DB_FILENAME = "prospectr.db"


def user_data_dir() -> Path:
    """The per-user data folder for prospectr on this platform."""
    if sys.platform == "win32":  # pragma: no cover - not exercised on CI
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "prospectr"
    if sys.platform == "darwin":  # pragma: no cover
        return Path.home() / "Library" / "Application Support" / "prospectr"
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    base_path = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base_path / "prospectr"


def default_db_path() -> Path:
    """The database file used when neither ``--db`` nor ``PROSPECTR_DB`` is given."""
    return user_data_dir() / DB_FILENAME


def is_url(value: str) -> bool:
    """True for a database URL such as ``postgresql://...`` or ``sqlite:///...``."""
    return "://" in value


def resolve_db(option: str | None = None) -> str:
    """The database URL to use, from ``--db``, ``PROSPECTR_DB`` or the default path."""
    value = (option or "").strip() or os.environ.get(ENV_DB, "").strip()
    if not value:
        return path_to_url(default_db_path())
    if is_url(value):
        return value
    return path_to_url(Path(value).expanduser())


def path_to_url(path: Path) -> str:
    """A SQLAlchemy SQLite URL for a file path."""
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for a server or an in-memory database."""
    if not url.startswith("sqlite:"):
        return None
    rest = url.split(":///", 1)[1] if ":///" in url else ""
    rest = rest.split("?", 1)[0]
    if not rest or rest == ":memory:":
        return None
    return Path(rest)


ENV_NOW = "PROSPECTR_NOW"


def now() -> datetime:
    """The current local time; ``PROSPECTR_NOW`` (ISO) freezes it for tests and demos."""
    frozen = os.environ.get(ENV_NOW, "").strip()
    if frozen:
        try:
            value = datetime.fromisoformat(frozen)
        except ValueError:
            pass
        else:
            return value.replace(tzinfo=None)
    return datetime.now().replace(microsecond=0)


def open_private(path: Path, *, binary: bool = False) -> IO[Any]:
    """Open ``path`` for writing, created (or truncated) readable by its owner only.

    For the files prospectr writes with personal data in them besides the
    database: exports and rejects files.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
    except OSError:
        os.close(fd)
        raise
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8", newline="")
