"""Buffered bulk inserts for an import, inside the caller's transaction.

On SQLite the rows go to the driver's ``executemany`` as tuples whose values
were converted once with SQLAlchemy's own bind processors (the storage format
of dates, booleans and JSON is the one the ORM writes), and the connection gets
a larger page cache for the duration, so index updates stay in memory. Other
backends take the plain SQLAlchemy Core ``insert`` path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session

from prospectr.models import ImportItem, Interaction, Lead, LeadTag, StageHistory

LEAD_TABLE: Table = Lead.__table__  # type: ignore[attr-defined]
_HISTORY: Table = StageHistory.__table__  # type: ignore[attr-defined]
_TAGS: Table = LeadTag.__table__  # type: ignore[attr-defined]
_NOTES: Table = Interaction.__table__  # type: ignore[attr-defined]
_ITEMS: Table = ImportItem.__table__  # type: ignore[attr-defined]
# SQLite page cache while importing (KiB): index pages stay in memory.
CACHE_KIB = 65536
FLUSH_EVERY = 2000

_HISTORY_COLS = ("lead_id", "from_stage_id", "to_stage_id", "at", "reason")
_TAG_COLS = ("lead_id", "tag")
_NOTE_COLS = ("lead_id", "kind", "at", "text")
_ITEM_COLS = ("batch_id", "lead_id", "action", "before")


class BulkWriter:
    """Collects new leads (with history, tags, notes, batch items) and inserts them."""

    def __init__(self, session: Session, *, now: datetime, stage_id: int) -> None:
        self.session = session
        conn = session.connection()
        self.conn = conn
        dialect = conn.dialect
        self.fast = dialect.name == "sqlite"
        self._procs: dict[str, Callable[[Any], Any]] = {}
        for column in LEAD_TABLE.columns:
            proc = column.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self._procs[column.name] = proc
        self._old_cache: int | None = None
        self.inserted = 0
        if dialect.name == "postgresql":
            # New leads take ids after the current maximum: keep other writers out
            # of the lead table until this transaction ends (SQLite's write lock does it there).
            conn.exec_driver_sql("LOCK TABLE lead IN SHARE ROW EXCLUSIVE MODE")
        if self.fast:
            self._old_cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
            conn.exec_driver_sql(f"PRAGMA cache_size=-{CACHE_KIB}")
        proto = Lead(stage_id=stage_id, created_at=now, updated_at=now)
        proto.stage_since = now
        self.columns = [c.name for c in LEAD_TABLE.columns]
        self.position = {name: i for i, name in enumerate(self.columns)}
        self.template = [self._store(c, getattr(proto, c)) for c in self.columns]
        self.now = self._store("created_at", now)
        self.null_json = self._proc_of(_ITEMS, "before")(None)
        self.leads: list[list[Any]] = []
        self.history: list[tuple[Any, ...]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.notes: list[tuple[Any, ...]] = []
        self.items: list[tuple[Any, ...]] = []

    def _store(self, column: str, value: Any) -> Any:
        """``value`` as the driver receives it (fast path) or as Core takes it."""
        proc = self._procs.get(column)
        return proc(value) if self.fast and proc is not None else value

    def _proc_of(self, table: Table, column: str) -> Callable[[Any], Any]:
        dialect = self.conn.dialect
        proc = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
        if self.fast and proc is not None:
            return proc
        return lambda value: value

    def add(
        self,
        values: dict[str, Any],
        *,
        lead_id: int,
        stage_id: int,
        name_key: str,
        search_text: str,
        tags: Sequence[str],
        note: str,
        batch_id: int,
    ) -> None:
        """Queue one new lead; ``values`` are columns from ``normalize_fields``."""
        row = self.template[:]
        position = self.position
        for key, value in values.items():
            row[position[key]] = self._store(key, value) if key in self._procs else value
        row[position["id"]] = lead_id
        row[position["stage_id"]] = stage_id
        row[position["name_key"]] = name_key
        row[position["search_text"]] = search_text
        self.leads.append(row)
        now = self.now
        self.history.append((lead_id, None, stage_id, now, None))
        for tag in tags:
            self.tags.append((lead_id, tag))
        if note:
            self.notes.append((lead_id, "note", now, note))
        self.items.append((batch_id, lead_id, "created", self.null_json))
        if len(self.leads) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Insert what is queued (parents first)."""
        self.inserted += len(self.leads)
        self._insert(LEAD_TABLE, self.columns, self.leads)
        self._insert(_HISTORY, _HISTORY_COLS, self.history)
        self._insert(_TAGS, _TAG_COLS, self.tags)
        self._insert(_NOTES, _NOTE_COLS, self.notes)
        self._insert(_ITEMS, _ITEM_COLS, self.items)
        self.leads, self.history, self.tags, self.notes, self.items = [], [], [], [], []

    def _insert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.fast:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
            self.conn.exec_driver_sql(sql, [tuple(r) for r in rows])
        else:
            self.session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])

    def close(self) -> None:
        """Flush and give the connection its page cache back."""
        self.flush()
        if self.fast and self._old_cache is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={self._old_cache}")
        if self.conn.dialect.name == "postgresql" and self.inserted:
            # Explicit ids do not move the id sequence: move it past them.
            self.conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('lead', 'id'), (SELECT max(id) FROM lead))"
            )
