"""Import batches: what each import did, undo, and the list of past imports.

A batch records every lead it created and, for each lead it changed, a
snapshot of the lead as it was (columns, tags, and the notes it added). Undo
deletes the created leads and restores the snapshots, so the lead tables are
exactly as before the import; the batch itself stays listed, marked undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, delete, func, insert, or_, update
from sqlmodel import Session, col, select

from prospectr.domain.leads import refresh_search_text
from prospectr.errors import Conflict, NotFound
from prospectr.models import FollowUp, ImportBatch, ImportItem, Interaction, Lead, LeadTag, Sale

LEAD_TABLE = Lead.__table__  # type: ignore[attr-defined]
_TAG_TABLE = LeadTag.__table__  # type: ignore[attr-defined]
_NOTE_TABLE = Interaction.__table__  # type: ignore[attr-defined]
_CHUNK = 500


@dataclass
class BatchRow:
    """One past import, for ``prospectr import list``."""

    id: int
    created_at: datetime
    path: str
    format: str
    counts: dict[str, Any]
    undone_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """The stable ``--json`` shape."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "path": self.path,
            "format": self.format,
            "records": self.counts.get("records", 0),
            "imported": self.counts.get("imported", 0),
            "merged": self.counts.get("merged", 0),
            "updated": self.counts.get("updated", 0),
            "unchanged": self.counts.get("unchanged", 0),
            "skipped": self.counts.get("skipped", 0),
            "rejected": self.counts.get("rejected", 0),
            "undone_at": self.undone_at.isoformat(timespec="seconds") if self.undone_at else None,
        }


@dataclass
class UndoResult:
    """What an undo did."""

    batch_id: int
    deleted: int
    restored: int

    def as_dict(self) -> dict[str, Any]:
        """The stable ``--json`` shape."""
        return {"batch": self.batch_id, "deleted": self.deleted, "restored": self.restored}


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(lead: Lead, tags: list[str]) -> dict[str, Any]:
    """A JSON-safe copy of a lead's columns and tags (the ``before`` of an update)."""
    columns = {c.name: _to_json(getattr(lead, c.name)) for c in LEAD_TABLE.columns}
    return {"lead": columns, "tags": sorted(tags), "notes_added": []}


def _from_json(before: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column in LEAD_TABLE.columns:
        if column.name not in before:
            continue
        value = before[column.name]
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        elif value is not None and isinstance(column.type, Boolean):
            value = bool(value)
        values[column.name] = value
    return values


def list_batches(session: Session) -> list[BatchRow]:
    """Past imports, newest first."""
    rows = session.exec(select(ImportBatch).order_by(col(ImportBatch.id).desc()))
    return [
        BatchRow(
            id=b.id or 0,
            created_at=b.created_at,
            path=b.path,
            format=b.format,
            counts=dict(b.counts or {}),
            undone_at=b.undone_at,
        )
        for b in rows
    ]


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


def undo_import(
    session: Session, batch_id: int, *, now: datetime, force: bool = False
) -> UndoResult:
    """Delete the leads a batch created and restore the leads it changed.

    Refuses (Conflict) when the batch was already undone, when a later import
    that is still in place touched the same leads (undo that one first), or,
    unless ``force``, when those leads changed since the import (edits, notes,
    moves, follow-ups or sales would be lost).
    """
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(f"no import batch #{batch_id} (see 'prospectr import list')")
    if batch.undone_at is not None:
        raise Conflict(f"import batch #{batch_id} was already undone")
    of_batch = col(ImportItem.batch_id) == batch_id
    # Plain rows for the (many) created leads; objects only for the updated ones.
    created = list(
        session.execute(
            select(ImportItem.lead_id).where(of_batch, col(ImportItem.action) == "created")
        ).scalars()
    )
    updated = list(
        session.exec(
            select(ImportItem)
            .where(of_batch, col(ImportItem.action) == "updated")
            .order_by(col(ImportItem.id))
        )
    )
    touched_ids = [*created, *(i.lead_id for i in updated)]
    _refuse_later_batches(session, batch_id, touched_ids)
    if not force:
        _refuse_changed(session, batch, created, touched_ids)
    gone = set(created)
    for obj in [o for o in session.identity_map.values() if isinstance(o, Lead)]:
        if obj.id in gone:
            session.expunge(obj)  # loaded by the caller: it is about to be deleted
    deleted = 0
    for chunk in _chunks(created):
        # The session holds none of these leads now: no need to match them in memory.
        result = session.execute(
            delete(Lead).where(col(Lead.id).in_(chunk)),
            execution_options={"synchronize_session": False},
        )
        deleted += _rowcount(result)
    # Leads deleted since the import are neither counted nor restored.
    restored = sum(_restore(session, item, refresh=force) for item in reversed(updated))
    batch.undone_at = now
    session.add(batch)
    session.flush()
    return UndoResult(batch_id=batch_id, deleted=deleted, restored=restored)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# The text fields a merge or update may set on an existing lead (``import_merge``).
MERGED_TEXT = ("name", "given_name", "family_name", "company", "title", "city", "country", "source")
# What a merge or update can change on an existing lead, and so what undo puts
# back. Stage, BANT, follow-ups and the rest are the owner's since.
RESTORED_COLUMNS = (
    *MERGED_TEXT,
    *("name_key", "email", "phone", "phone_key", "custom", "search_text", "updated_at"),
    *("bday_month", "bday_day", "bday_year", "bday_md"),
)


def _restore(session: Session, item: ImportItem, *, refresh: bool) -> bool:
    """Put back what the import changed on one lead; ``refresh`` rebuilds its search text.

    False (and nothing written) when the lead was deleted since. Plain table
    statements, so nothing is matched against the session's objects (undo of a
    large merge batch holds thousands of them).
    """
    before = item.before or {}
    snap = _from_json(before.get("lead", {}))
    values = {key: snap[key] for key in RESTORED_COLUMNS if key in snap}
    lead_id = item.lead_id
    result = session.execute(update(LEAD_TABLE).where(LEAD_TABLE.c.id == lead_id).values(**values))
    if not _rowcount(result):
        return False
    session.execute(delete(_TAG_TABLE).where(_TAG_TABLE.c.lead_id == lead_id))
    tags = before.get("tags") or []
    if tags:
        session.execute(insert(_TAG_TABLE), [{"lead_id": lead_id, "tag": t} for t in tags])
    added = before.get("notes_added") or []
    if added:
        session.execute(delete(_NOTE_TABLE).where(_NOTE_TABLE.c.id.in_(added)))
    if refresh:
        lead = session.get(Lead, lead_id)
        if lead is not None:
            session.refresh(lead)
            refresh_search_text(session, lead)
    return True


def _refuse_later_batches(session: Session, batch_id: int, lead_ids: list[int]) -> None:
    for chunk in _chunks(lead_ids):
        later = session.execute(
            select(func.min(ImportItem.batch_id))
            .join(ImportBatch, col(ImportBatch.id) == col(ImportItem.batch_id))
            .where(
                col(ImportItem.lead_id).in_(chunk),
                col(ImportItem.batch_id) > batch_id,
                col(ImportBatch.undone_at).is_(None),
            )
        ).scalar()
        if later is not None:
            raise Conflict(
                f"import batch #{later} came later and touched the same leads; undo it first"
            )


def _refuse_changed(
    session: Session, batch: ImportBatch, created: list[int], touched: list[int]
) -> None:
    for chunk in _chunks(touched):
        row = session.execute(
            select(Lead.id, Lead.name, Lead.company)
            .where(col(Lead.id).in_(chunk), col(Lead.updated_at) > batch.created_at)
            .limit(1)
        ).first()
        if row is not None:
            raise Conflict(
                f"lead #{row[0]} {row[1] or row[2] or ''} changed after import #{batch.id};"
                " undo --force puts back the fields the import changed anyway"
            )
    for chunk in _chunks(created):
        row = session.execute(
            select(Lead.id, Lead.name)
            .where(
                col(Lead.id).in_(chunk),
                or_(
                    select(FollowUp.id).where(col(FollowUp.lead_id) == col(Lead.id)).exists(),
                    select(Sale.id).where(col(Sale.lead_id) == col(Lead.id)).exists(),
                ),
            )
            .limit(1)
        ).first()
        if row is not None:
            raise Conflict(
                f"lead #{row[0]} {row[1]} has follow-ups or sales since import #{batch.id};"
                " undo --force deletes them too"
            )
