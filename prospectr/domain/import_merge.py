"""``--on-duplicate update|merge``: combining rows into leads that already exist.

Runs after the bulk inserts of an import (or, for ``--dry-run``, instead of
them: the same plan and counts, nothing written), lead by lead in chunks: the
target leads' columns, tags and notes are read with one statement each per
chunk of at most 500 leads, each lead's duplicate rows are applied in memory in
file order, and the chunk's changes are written with ``executemany`` statements
(the changed columns of the leads, grouped by which columns changed; the new
tags; the new notes; the batch items).

A row that changes nothing (the same values, or in merge mode only fields that
are already filled and no new tag or note) is counted as unchanged, not merged.

Two values never replace what a lead has, in either mode: ``--source`` (the
channel of the import, the same on every row) only fills an empty source, and
``do_not_contact`` is only ever set, never cleared. A source column of the file
follows the mode like the other fields.

A lead that existed before the import is snapshotted once, before its first
change (the columns a merge may change, as read, and its tags), so undo can
restore it exactly; the ids of the notes added to it go into that snapshot's
``notes_added``.

The one order that crosses leads is who gets an email or phone that no lead
had yet: the first row in the file that may set it. Those rare keys that rows
of several leads want are settled first, in file order
(:meth:`Merger._settle_contested_keys`), so the chunked pass gives the same
result as applying the rows one by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, RowMapping, Table, bindparam, insert, select, update

from prospectr.domain import text as t
from prospectr.domain.import_batches import MERGED_TEXT, RESTORED_COLUMNS, snapshot
from prospectr.domain.leads import search_parts, search_text_of
from prospectr.models import ImportItem, Interaction, Lead, LeadTag

if TYPE_CHECKING:
    from prospectr.domain.importer import ImportRun

LEAD: Table = Lead.__table__  # type: ignore[attr-defined]
_TAGS: Table = LeadTag.__table__  # type: ignore[attr-defined]
_NOTES: Table = Interaction.__table__  # type: ignore[attr-defined]
_ITEMS: Table = ImportItem.__table__  # type: ignore[attr-defined]
CHUNK = 500
_BIRTHDAY = ("bday_month", "bday_day", "bday_year", "bday_md")


class Duplicate(NamedTuple):
    """A valid row that matched a lead (known, or created earlier in the file)."""

    line: int
    target: int
    why: str  # what matched: "email x@y" or "phone 555 ..."
    values: dict[str, Any]
    tags: list[str]
    note: str


class _Lead:
    """One target lead while its rows are applied: columns, tags, notes, and what is new."""

    __slots__ = (
        "before_tags", "changed", "new_notes", "new_tags", "notes", "original", "row", "state",
        "tags",
    )  # fmt: skip

    def __init__(
        self, row: RowMapping | None, state: dict[str, Any], tags: set[str], notes: list[str]
    ) -> None:
        self.row = row  # the columns as read, for the snapshot (None: not in the database)
        self.before_tags = frozenset(tags)
        self.original = dict(state)  # what to compare with: only changed columns are written
        self.state = state
        self.tags = tags
        self.notes = notes
        self.new_tags: list[str] = []
        self.new_notes: list[str] = []
        self.changed = False


# What a merge may change: what undo restores (``import_batches.RESTORED_COLUMNS``),
# and the do-not-contact flag, which an import may set.
_COLUMNS = RESTORED_COLUMNS
# What is read of a target lead, and what its snapshot holds.
_READ = ("id", *_COLUMNS)


class Merger:
    """Applies ``--on-duplicate update|merge`` to the matched leads and counts every row."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.report = run.report
        self.update = run.mode == "update"
        self.write = run.batch_id is not None
        # (field, whether a row's value replaces the lead's): update replaces, merge
        # fills; the source that --source gave every row only fills.
        self.text_rules = tuple(
            (key, self.update and not (key == "source" and run.source is not None))
            for key in MERGED_TEXT
        )

    def apply(self) -> None:
        """Combine ``run.merges`` into their leads (only plan them in a dry run)."""
        run = self.run
        rows, run.merges = run.merges, []
        self._settle_contested_keys(rows)
        groups: dict[int, list[Duplicate]] = {}
        for row in rows:
            groups.setdefault(row.target, []).append(row)
        del rows  # each lead's rows are dropped once written: memory falls as it goes
        ids = list(groups)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            leads = self._read(chunk)
            for lead_id in chunk:
                lead = leads[lead_id]
                for dup in groups.pop(lead_id):
                    self._count(dup, self._combine(lead_id, lead, dup))
                if lead.changed:
                    self._finish_lead(lead)
            if self.write:
                self._write(leads)
        self.report.unchanged_rows.sort()

    # --- reading ----------------------------------------------------------------

    def _read(self, chunk: list[int]) -> dict[int, _Lead]:
        """The chunk's leads with their tags and notes (planned new leads in a dry run)."""
        session = self.run.session
        planned = self.run.dry_created or {}
        tag_lists, note_lists = search_parts(session, chunk)
        tags = {i: set(tag_lists.get(i, ())) for i in chunk}
        notes = {i: note_lists.get(i, []) for i in chunk}
        out: dict[int, _Lead] = {}
        columns = [LEAD.c[key] for key in _READ]
        for row in session.execute(select(*columns).where(LEAD.c.id.in_(chunk))).mappings():
            lead_id = row["id"]
            state = {key: row[key] for key in _COLUMNS}
            state["custom"] = dict(row["custom"] or {})
            out[lead_id] = _Lead(row, state, tags[lead_id], notes[lead_id])
        for lead_id in chunk:
            if lead_id not in out:  # a dry run: created earlier in the file, not written
                values, new_tags, note = planned[lead_id]
                state = {key: values.get(key) for key in _COLUMNS}
                state["name"] = values.get("name") or ""
                state["do_not_contact"] = bool(values.get("do_not_contact"))
                state["custom"] = dict(values.get("custom") or {})
                out[lead_id] = _Lead(None, state, set(new_tags), [note] if note else [])
        return out

    # --- combining ----------------------------------------------------------------

    def _combine(self, lead_id: int, lead: _Lead, dup: Duplicate) -> bool:
        """Apply one row to its lead; whether it changed anything."""
        update_mode = self.update
        state = lead.state
        values = dup.values
        changed = False
        for key, replace in self.text_rules:
            value = values.get(key)
            if value not in (None, "") and (replace or not state[key]) and state[key] != value:
                state[key] = value
                changed = True
        if values.get("do_not_contact") and not state["do_not_contact"]:
            state["do_not_contact"] = True  # set by a row, never cleared by one
            changed = True
        replaced: list[tuple[str, str]] = []  # (custom field, the value a row replaced)
        email = values.get("email")
        by_email = self.run.by_email
        if (
            email
            and (update_mode or not state["email"])
            and by_email.get(email, lead_id) == lead_id
        ):
            by_email[email] = lead_id
            if state["email"] != email:
                if state["email"]:
                    replaced.append(("other emails", state["email"]))
                state["email"] = email
                changed = True
        phone_key = values.get("phone_key")
        by_phone = self.run.by_phone
        if (
            phone_key
            and (update_mode or not state["phone"])
            and by_phone.get(phone_key, lead_id) == lead_id
        ):
            by_phone[phone_key] = lead_id
            if state["phone"] and state["phone_key"] != phone_key:
                replaced.append(("other phones", state["phone"]))
            for key, value in (("phone", values.get("phone")), ("phone_key", phone_key)):
                if state[key] != value:
                    state[key] = value
                    changed = True
        if values.get("bday_md") is not None and (update_mode or state["bday_md"] is None):
            for key in _BIRTHDAY:
                if state[key] != values.get(key):
                    state[key] = values.get(key)
                    changed = True
        custom = values.get("custom")
        if custom:
            current = state["custom"]
            merged = {**current, **custom} if update_mode else {**custom, **current}
            if merged != current:
                state["custom"] = merged
                changed = True
        if replaced:
            # An email or phone a row replaced is kept with the others, not lost.
            state["custom"] = _kept(state["custom"], replaced)
        for tag in dup.tags:
            if tag not in lead.tags:
                lead.tags.add(tag)
                lead.new_tags.append(tag)
                changed = True
        note = dup.note
        if note and note not in lead.notes and note not in lead.new_notes:
            lead.new_notes.append(note)
            changed = True
        lead.changed = lead.changed or changed
        return changed

    def _count(self, dup: Duplicate, changed: bool) -> None:
        report = self.report
        if changed:
            if self.update:
                report.updated += 1
            else:
                report.merged += 1
            return
        report.unchanged += 1
        run = self.run
        where = (
            f"lead #{dup.target}"
            if dup.target < run.first_new_id
            else f"line {run.line_of[dup.target]}"
        )
        report.unchanged_rows.append((dup.line, f"duplicate of {where} ({dup.why}): no change"))

    def _finish_lead(self, lead: _Lead) -> None:
        """The derived columns of a changed lead: name key, search text, time of change."""
        state = lead.state
        state["name_key"] = t.fold(state["name"] or state["company"] or "")
        state["updated_at"] = self.run.now
        state["search_text"] = search_text_of(
            state, sorted(lead.tags), [*lead.notes, *lead.new_notes]
        )

    # --- writing ----------------------------------------------------------------

    def _write(self, leads: dict[int, _Lead]) -> None:
        """The chunk's changes: lead columns, new tags, new notes, then the batch items."""
        run = self.run
        conn: Connection = run.session.connection()
        changed = [(lead_id, lead) for lead_id, lead in leads.items() if lead.changed]
        if not changed:
            return
        # One statement per set of changed columns (a handful): only those are written.
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for lead_id, lead in changed:
            state, original = lead.state, lead.original
            dirty = tuple(key for key in _COLUMNS if state[key] != original[key])
            if not dirty:
                continue
            params = {key: state[key] for key in dirty}
            params["lead_id"] = lead_id
            by_columns.setdefault(dirty, []).append(params)
        for params_list in by_columns.values():
            conn.execute(update(LEAD).where(LEAD.c.id == bindparam("lead_id")), params_list)
        tag_rows = [
            {"lead_id": lead_id, "tag": tag} for lead_id, lead in changed for tag in lead.new_tags
        ]
        if tag_rows:
            conn.execute(insert(_TAGS), tag_rows)
        note_rows = [
            {"lead_id": lead_id, "kind": "note", "at": run.now, "text": text}
            for lead_id, lead in changed
            for text in lead.new_notes
        ]
        note_ids: Iterator[int] = iter(())
        if note_rows:
            result = conn.execute(
                insert(_NOTES).returning(_NOTES.c.id, sort_by_parameter_order=True), note_rows
            )
            note_ids = iter(result.scalars().all())
        items: list[dict[str, Any]] = []
        for lead_id, lead in changed:
            added = [next(note_ids) for _ in lead.new_notes]
            if lead.row is None or lead_id >= run.first_new_id:
                continue  # created by this batch: undo deletes it whole
            before = snapshot({key: lead.row[key] for key in _READ}, lead.before_tags)
            before["notes_added"] = added
            items.append(
                {
                    "batch_id": run.batch_id,
                    "lead_id": lead_id,
                    "action": "updated",
                    "before": before,
                }
            )
        if items:
            conn.execute(insert(_ITEMS), items)

    # --- the one order across leads -------------------------------------------------

    def _settle_contested_keys(self, rows: list[Duplicate]) -> None:
        """Give a new email or phone that rows of several leads want to the first that may set it.

        Replays, in file order, only the rows of the leads involved, with whether
        each lead has an email and a phone; the winners are recorded in
        ``run.by_email`` / ``run.by_phone`` so the pass by lead agrees.
        """
        run = self.run
        known = {"email": run.by_email, "phone": run.by_phone}
        first: dict[tuple[str, str], int] = {}
        contested: set[tuple[str, str]] = set()
        for row in rows:
            for kind, key in _keys(row):
                if (
                    key not in known[kind]
                    and first.setdefault((kind, key), row.target) != row.target
                ):
                    contested.add((kind, key))
        if not contested:
            return
        involved = {row.target for row in rows if _wants(row, contested)}
        has = self._has_email_and_phone(involved)
        owner: dict[tuple[str, str], int] = {}
        for row in rows:
            lead_id = row.target
            if lead_id not in involved:
                continue
            for kind, key in _keys(row):
                if not (self.update or not has[lead_id][kind]):
                    continue  # merge mode fills an empty email or phone only
                if key in known[kind]:
                    free = known[kind][key] == lead_id
                elif (kind, key) in contested:
                    free = owner.setdefault((kind, key), lead_id) == lead_id
                else:
                    free = True
                if free:  # the row sets it (as _combine will)
                    has[lead_id][kind] = has[lead_id][kind] or bool(row.values.get(kind))
        for (kind, key), lead_id in owner.items():
            known[kind][key] = lead_id

    def _has_email_and_phone(self, ids: set[int]) -> dict[int, dict[str, bool]]:
        """Whether each lead has an email and a phone now (before this merge)."""
        out: dict[int, dict[str, bool]] = {}
        id_list = sorted(ids)
        for start in range(0, len(id_list), CHUNK):
            chunk = id_list[start : start + CHUNK]
            for lead_id, email, phone in self.run.session.execute(
                select(LEAD.c.id, LEAD.c.email, LEAD.c.phone).where(LEAD.c.id.in_(chunk))
            ):
                out[lead_id] = {"email": bool(email), "phone": bool(phone)}
        planned = self.run.dry_created or {}
        for lead_id in ids - out.keys():  # a dry run: created earlier in the file
            values = planned[lead_id][0]
            out[lead_id] = {"email": bool(values.get("email")), "phone": bool(values.get("phone"))}
        return out


def _kept(custom: dict[str, str], replaced: list[tuple[str, str]]) -> dict[str, str]:
    """``custom`` with each replaced value added to its list field (once, any case)."""
    out = dict(custom)
    for key, value in replaced:
        listed = [v for v in (out.get(key) or "").split(", ") if v]
        if value.casefold() not in {v.casefold() for v in listed}:
            out[key] = ", ".join([*listed, value])
    return out


def _keys(row: Duplicate) -> Iterator[tuple[str, str]]:
    """The email and phone digits of a row, those it has."""
    email, phone_key = row.values.get("email"), row.values.get("phone_key")
    if email:
        yield "email", email
    if phone_key:
        yield "phone", phone_key


def _wants(row: Duplicate, contested: set[tuple[str, str]]) -> bool:
    return any(pair in contested for pair in _keys(row))
