"""Import batches: what each import did, undo, and the list of past imports.

A batch records every lead it created and, for each lead it changed, a
snapshot of the lead as it was (columns, tags, and the notes it added). Undo
deletes the created leads and restores the snapshots, so the lead tables are
exactly as before the import; the batch itself stays listed, marked undone.

Undo works with plain rows and statements, in chunks of at most 500 items: a
batch of a hundred thousand leads needs neither their objects nor all their
snapshots in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    bindparam,
    delete,
    func,
    insert,
    or_,
    update,
)
from sqlmodel import Session, col, select

from prospectr.domain.leads import SEARCH_COLUMNS, search_parts, search_text_of
from prospectr.errors import Conflict, NotFound
from prospectr.models import FollowUp, ImportBatch, ImportItem, Interaction, Lead, LeadTag, Sale

LEAD_TABLE = Lead.__table__  # type: ignore[attr-defined]
_TAG_TABLE = LeadTag.__table__  # type: ignore[attr-defined]
_NOTE_TABLE = Interaction.__table__  # type: ignore[attr-defined]
_ITEM_TABLE = ImportItem.__table__  # type: ignore[attr-defined]
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


def snapshot(columns: Mapping[str, Any], tags: Iterable[str]) -> dict[str, Any]:
    """A JSON-safe copy of a lead's column values and tags (the ``before`` of an update)."""
    values = {name: _to_json(value) for name, value in columns.items()}
    return {"lead": values, "tags": sorted(tags), "notes_added": []}


def _converter(column: Any) -> Callable[[Any], Any] | None:
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat
    if isinstance(column.type, Date):
        return date.fromisoformat
    if isinstance(column.type, Boolean):
        return bool
    return None


# How each lead column's snapshot value is read back (None: as it is).
_CONVERT = {column.name: _converter(column) for column in LEAD_TABLE.columns}


def _from_json(before: dict[str, Any], columns: Iterable[str] | None = None) -> dict[str, Any]:
    """The lead columns of a snapshot as Python values, in the order of ``columns`` if given.

    Keys that are not lead columns (or not in ``columns``) are left out.
    """
    values: dict[str, Any] = {}
    convert = _CONVERT
    for name in before if columns is None else columns:
        if name not in before or name not in convert:
            continue
        value = before[name]
        to_python = convert[name]
        values[name] = value if value is None or to_python is None else to_python(value)
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
    # Plain rows only: a batch may hold a hundred thousand leads.
    created = list(
        session.execute(
            select(ImportItem.lead_id).where(of_batch, col(ImportItem.action) == "created")
        ).scalars()
    )
    updated = session.execute(
        select(ImportItem.lead_id).where(of_batch, col(ImportItem.action) == "updated")
    ).scalars()
    touched_ids = [*created, *updated]
    _refuse_later_batches(session, batch_id, touched_ids)
    if not force:
        _refuse_changed(session, batch, created, touched_ids)
    del touched_ids
    held = _Held(session)
    held.drop_leads(created)  # loaded by the caller: they are about to be deleted
    deleted = 0
    conn = session.connection()
    for chunk in _chunks(created):
        # The session holds none of these leads now: no need to match them in memory.
        deleted += _rowcount(conn.execute(delete(LEAD_TABLE).where(LEAD_TABLE.c.id.in_(chunk))))
    del created
    restored = 0
    for items in _updated_items(session, batch_id):
        restored += _restore(conn, items, refresh=force, held=held)
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
    "do_not_contact",
)


class _Held:
    """The lead rows the caller's session already holds as objects, so undo keeps it true.

    Undo writes with plain statements (nothing is matched against the session);
    the few objects the caller loaded are dropped (deleted leads, tags, notes)
    or expired (restored leads: read again on next use).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.leads: dict[int, Lead] = {}
        self.tags: dict[int, list[LeadTag]] = {}
        self.notes: dict[int, Interaction] = {}
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Lead) and obj.id is not None:
                self.leads[obj.id] = obj
            elif isinstance(obj, LeadTag):
                self.tags.setdefault(obj.lead_id, []).append(obj)
            elif isinstance(obj, Interaction) and obj.id is not None:
                self.notes[obj.id] = obj

    def drop_leads(self, lead_ids: list[int]) -> None:
        """Expunge the deleted leads (their tags and notes go with them)."""
        if not (self.leads or self.tags or self.notes):
            return
        gone = set(lead_ids)
        for lead_id in gone.intersection(self.leads):
            self.session.expunge(self.leads.pop(lead_id))
        for lead_id in gone.intersection(self.tags):
            for tag in self.tags.pop(lead_id):
                self.session.expunge(tag)
        for note_id, note in list(self.notes.items()):
            if note.lead_id in gone:
                self.session.expunge(self.notes.pop(note_id))

    def restored(self, lead_ids: Iterable[int], note_ids: list[int]) -> None:
        """Expire the restored leads; expunge their tags and the notes deleted."""
        if not (self.leads or self.tags or self.notes):
            return
        for lead_id in lead_ids:
            if lead_id in self.leads:
                self.session.expire(self.leads[lead_id])
            for tag in self.tags.pop(lead_id, ()):
                self.session.expunge(tag)
        for note_id in note_ids:
            note = self.notes.pop(note_id, None)
            if note is not None:
                self.session.expunge(note)


def _updated_items(session: Session, batch_id: int) -> Iterator[list[tuple[int, Any]]]:
    """The batch's updated leads and their snapshots, newest item first, _CHUNK at a time.

    Keyset pages (``id < last``): one page of snapshots in memory at a time, and
    no cursor left open while the restore writes.
    """
    items = _ITEM_TABLE
    query = (
        select(items.c.id, items.c.lead_id, items.c.before)
        .where(items.c.batch_id == batch_id, items.c.action == "updated")
        .order_by(items.c.id.desc())
        .limit(_CHUNK)
    )
    last: int | None = None
    while True:
        page = query if last is None else query.where(items.c.id < last)
        rows = session.execute(page).all()
        if not rows:
            return
        last = rows[-1][0]
        yield [(row[1], row[2]) for row in rows]
        if len(rows) < _CHUNK:
            return


def _restore(conn: Connection, items: list[tuple[int, Any]], *, refresh: bool, held: _Held) -> int:
    """Put back what the import changed on a chunk of leads; ``refresh`` rebuilds their search text.

    ``items`` are (lead id, snapshot), newest first: the same as restoring the
    snapshots one by one in that order (a lead with several ends as its oldest
    says). Leads deleted since are skipped and not counted. A handful of
    statements per chunk: the existing leads, the columns (one ``executemany``
    per set of restored columns), the tags, the notes the import added.
    """
    ids = list({lead_id for lead_id, _ in items})
    present = set(conn.execute(select(LEAD_TABLE.c.id).where(LEAD_TABLE.c.id.in_(ids))).scalars())
    values: dict[int, dict[str, Any]] = {}
    tags: dict[int, list[str]] = {}
    notes: list[int] = []
    restored = 0
    for lead_id, before in items:
        if lead_id not in present:
            continue
        restored += 1
        before = before or {}
        columns = _from_json(before.get("lead", {}), RESTORED_COLUMNS)
        newer = values.get(lead_id)
        if newer is not None:  # an older snapshot of the same lead: it wins where it has a value
            both = {**newer, **columns}
            columns = {key: both[key] for key in RESTORED_COLUMNS if key in both}
        values[lead_id] = columns
        tags[lead_id] = list(before.get("tags") or [])
        notes.extend(before.get("notes_added") or [])
    if not restored:
        return 0
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for lead_id, columns in values.items():
        if columns:  # in the order of RESTORED_COLUMNS: the same columns, the same key
            by_columns.setdefault(tuple(columns), []).append({**columns, "lead_id": lead_id})
    for params in by_columns.values():
        conn.execute(update(LEAD_TABLE).where(LEAD_TABLE.c.id == bindparam("lead_id")), params)
    lead_ids = list(values)
    conn.execute(delete(_TAG_TABLE).where(_TAG_TABLE.c.lead_id.in_(lead_ids)))
    tag_rows = [
        {"lead_id": lead_id, "tag": tag} for lead_id, names in tags.items() for tag in names
    ]
    if tag_rows:
        conn.execute(insert(_TAG_TABLE), tag_rows)
    for chunk in _chunks(notes):
        conn.execute(delete(_NOTE_TABLE).where(_NOTE_TABLE.c.id.in_(chunk)))
    if refresh:
        _refresh_search_text(conn, lead_ids)
    held.restored(lead_ids, notes)
    return restored


def _refresh_search_text(conn: Connection, lead_ids: list[int]) -> None:
    """Rebuild the search text of these leads (``leads.refresh_search_text``, in bulk)."""
    tags, notes = search_parts(conn, lead_ids)
    columns = [LEAD_TABLE.c[name] for name in SEARCH_COLUMNS]
    changed = []
    for row in conn.execute(
        select(LEAD_TABLE.c.id, LEAD_TABLE.c.search_text, *columns).where(
            LEAD_TABLE.c.id.in_(lead_ids)
        )
    ).mappings():
        lead_id = row["id"]
        text = search_text_of(dict(row), tags.get(lead_id, ()), notes.get(lead_id, ()))
        if text != row["search_text"]:
            changed.append({"lead_id": lead_id, "search_text": text})
    if changed:
        conn.execute(update(LEAD_TABLE).where(LEAD_TABLE.c.id == bindparam("lead_id")), changed)


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
            anyway = (
                "undo --force deletes it anyway, with what was added to it since"
                if row[0] in created
                else "undo --force puts back the fields the import changed anyway"
            )
            raise Conflict(
                f"lead #{row[0]} {row[1] or row[2] or ''} changed after import #{batch.id};"
                f" {anyway}"
            )
    for chunk in _chunks(created):
        row = session.execute(
            select(Lead.id, Lead.name)
            .where(
                col(Lead.id).in_(chunk),
                or_(
                    # Follow-ups the import itself made (stage not-now) are not "since".
                    select(FollowUp.id)
                    .where(
                        col(FollowUp.lead_id) == col(Lead.id),
                        col(FollowUp.created_at) > batch.created_at,
                    )
                    .exists(),
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
