"""Buffered bulk inserts for an import, inside the caller's transaction.

New leads take consecutive ids after the current maximum, so after each flush
their stage history rows and batch items are written by one ``INSERT ... SELECT``
over that id range instead of one row each from Python.

On SQLite the rows go to :class:`prospectr.db_bulk.SqliteBulkInserter` (a writer
thread on the same connection, so inserting overlaps with validating) as values
converted once with SQLAlchemy's own bind processors (the storage format of
dates, booleans and JSON is the one the ORM writes). Other backends take the
plain SQLAlchemy Core ``insert`` path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, insert, literal, select
from sqlmodel import Session

from prospectr.models import FollowUp, ImportItem, Interaction, Lead, LeadTag, StageHistory

if TYPE_CHECKING:
    from prospectr.db_bulk import SqliteBulkInserter

LEAD_TABLE: Table = Lead.__table__  # type: ignore[attr-defined]
_HISTORY: Table = StageHistory.__table__  # type: ignore[attr-defined]
_TAGS: Table = LeadTag.__table__  # type: ignore[attr-defined]
_NOTES: Table = Interaction.__table__  # type: ignore[attr-defined]
_ITEMS: Table = ImportItem.__table__  # type: ignore[attr-defined]
_FOLLOWUPS: Table = FollowUp.__table__  # type: ignore[attr-defined]
FLUSH_EVERY = 2000

_TAG_COLS = ("lead_id", "tag")
_NOTE_COLS = ("lead_id", "kind", "at", "text")
_FOLLOWUP_COLS = ("lead_id", "due", "text", "created_at")


class BulkWriter:
    """Collects new leads (with tags and notes) and inserts them, then their history and items."""

    def __init__(
        self,
        session: Session,
        *,
        now: datetime,
        stage_id: int,
        batch_id: int,
        first_id: int,
    ) -> None:
        self.session = session
        conn = session.connection()
        self.conn = conn
        dialect = conn.dialect
        self.fast = dialect.name == "sqlite"
        self.batch_id = batch_id
        self.first_id = first_id
        self.last_id = first_id - 1
        self.unrecorded = first_id  # the first new lead without its history row yet
        self.now_value = now
        self._procs: dict[str, Callable[[Any], Any]] = {}
        for column in LEAD_TABLE.columns:
            proc = column.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self._procs[column.name] = proc
        if dialect.name == "postgresql":
            # New leads take ids after the current maximum: keep other writers out
            # of the lead table until this transaction ends (SQLite's write lock does it there).
            conn.exec_driver_sql("LOCK TABLE lead IN SHARE ROW EXCLUSIVE MODE")
        self.inserter: SqliteBulkInserter | None = None
        if self.fast:
            from prospectr.db_bulk import SqliteBulkInserter  # SQLITE-ONLY

            self.inserter = SqliteBulkInserter(conn)
        proto = Lead(stage_id=stage_id, created_at=now, updated_at=now)
        proto.stage_since = now
        self.columns = [c.name for c in LEAD_TABLE.columns]
        self.position = {name: i for i, name in enumerate(self.columns)}
        self.template = [self._store(c, getattr(proto, c)) for c in self.columns]
        self.now = self._store("created_at", now)
        self.null_json = self._proc_of(_ITEMS, "before")(None)
        self.store_due = self._proc_of(_FOLLOWUPS, "due")
        self.leads: list[list[Any]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.notes: list[tuple[Any, ...]] = []
        self.followups: list[tuple[Any, ...]] = []

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
        followup: tuple[date, str] | None = None,
    ) -> None:
        """Queue one new lead (ids must come in order); ``values`` from ``normalize_fields``.

        ``followup``: the due date and text of a follow-up to create with it.
        """
        row = self.template[:]
        position = self.position
        procs = self._procs
        fast = self.fast
        for key, value in values.items():
            if fast and key in procs:
                value = procs[key](value)
            row[position[key]] = value
        row[position["id"]] = lead_id
        row[position["stage_id"]] = stage_id
        row[position["name_key"]] = name_key
        row[position["search_text"]] = search_text
        self.leads.append(row)
        self.last_id = lead_id
        for tag in tags:
            self.tags.append((lead_id, tag))
        if note:
            self.notes.append((lead_id, "note", self.now, note))
        if followup is not None:
            due, text = followup
            self.followups.append((lead_id, self.store_due(due), text, self.now))
        if len(self.leads) >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        """Insert what is queued (parents first), then the history and items of those leads."""
        self._insert(LEAD_TABLE, self.columns, self.leads)
        self._insert(_TAGS, _TAG_COLS, self.tags)
        self._insert(_NOTES, _NOTE_COLS, self.notes)
        self._insert(_FOLLOWUPS, _FOLLOWUP_COLS, self.followups)
        self.leads, self.tags, self.notes, self.followups = [], [], [], []
        if self.last_id >= self.unrecorded:
            self._history_and_items(self.unrecorded, self.last_id)
            self.unrecorded = self.last_id + 1

    def _insert(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.inserter is not None:
            self.inserter.insert(table.name, columns, rows)
        else:
            self.session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])

    def close(self) -> None:
        """Insert what is left and wait for the writer."""
        try:
            self.flush()
        except BaseException:
            self.abort()
            raise
        if self.inserter is not None:
            inserter, self.inserter = self.inserter, None
            inserter.close()
        if self.conn.dialect.name == "postgresql" and self.last_id >= self.first_id:
            # Explicit ids do not move the id sequence: move it past them.
            self.conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('lead', 'id'), (SELECT max(id) FROM lead))"
            )

    def abort(self) -> None:
        """Stop a writer thread after an error (the caller's transaction rolls back)."""
        if self.inserter is not None:
            inserter, self.inserter = self.inserter, None
            inserter.abort()

    def _history_and_items(self, first: int, last: int) -> None:
        """One history row (entering its stage) and one batch item per new lead in the range."""
        span = (first, last)
        if self.inserter is not None:
            self.inserter.execute(
                "INSERT INTO stage_history (lead_id, to_stage_id, at)"
                " SELECT id, stage_id, ? FROM lead WHERE id BETWEEN ? AND ?",
                (self.now, *span),
            )
            self.inserter.execute(
                "INSERT INTO import_item (batch_id, lead_id, action, before)"
                " SELECT ?, id, 'created', ? FROM lead WHERE id BETWEEN ? AND ?",
                (self.batch_id, self.null_json, *span),
            )
            return
        lead = LEAD_TABLE.c
        new = lead.id.between(*span)
        at = literal(self.now_value, _HISTORY.c.at.type)
        self.session.execute(
            insert(_HISTORY).from_select(
                ["lead_id", "to_stage_id", "at"], select(lead.id, lead.stage_id, at).where(new)
            )
        )
        before = literal(None, _ITEMS.c.before.type)
        batch = literal(self.batch_id, _ITEMS.c.batch_id.type)
        action = literal("created", _ITEMS.c.action.type)
        self.session.execute(
            insert(_ITEMS).from_select(
                ["batch_id", "lead_id", "action", "before"],
                select(batch, lead.id, action, before).where(new),
            )
        )
