"""``--on-duplicate update|merge``: combining rows into leads that already exist.

Runs after the bulk inserts of an import, on ORM objects (duplicates are the
uncommon case). A lead that existed before the import is snapshotted once,
before its first change, so undo can restore it exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlmodel import col, select

from prospectr.domain import text as t
from prospectr.domain.import_batches import MERGED_TEXT, snapshot
from prospectr.domain.leads import refresh_search_text
from prospectr.models import ImportItem, Interaction, Lead, LeadTag

if TYPE_CHECKING:
    from prospectr.domain.importer import ImportRun


class Merger:
    """Applies ``--on-duplicate update|merge`` to the matched leads, after the inserts."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.session = run.session
        self.update = run.mode == "update"
        self.befores: dict[int, dict[str, Any]] = {}
        self.changed: dict[int, Lead] = {}

    def apply(self) -> None:
        session = self.session
        run = self.run
        ids = list(dict.fromkeys(target for target, *_ in run.merges))
        leads: dict[int, Lead] = {}
        tags: dict[int, set[str]] = {i: set() for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for lead in session.exec(select(Lead).where(col(Lead.id).in_(chunk))):
                leads[lead.id or 0] = lead
            for lead_id, tag in session.exec(
                select(LeadTag.lead_id, LeadTag.tag).where(col(LeadTag.lead_id).in_(chunk))
            ):
                tags[lead_id].add(tag)
        for target, values, new_tags, note in run.merges:
            lead = leads[target]
            if target < run.first_new_id and target not in self.befores:
                self.befores[target] = snapshot(lead, sorted(tags[target]))
            self._combine(lead, values, new_tags, note, tags[target])
        session.flush()
        for lead in self.changed.values():
            lead.name_key = t.fold(lead.name or lead.company or "")
            lead.updated_at = run.now
            refresh_search_text(session, lead)
        items = [
            {"batch_id": run.batch_id, "lead_id": i, "action": "updated", "before": before}
            for i, before in self.befores.items()
            if i in self.changed
        ]
        if items:
            session.execute(insert(ImportItem.__table__), items)  # type: ignore[attr-defined]

    def _combine(
        self,
        lead: Lead,
        values: dict[str, Any],
        new_tags: list[str],
        note: str,
        tags: set[str],
    ) -> None:
        run = self.run
        lead_id = lead.id or 0
        changes: dict[str, Any] = {}
        for key in MERGED_TEXT:
            value = values.get(key)
            if value not in (None, "") and (self.update or not getattr(lead, key)):
                changes[key] = value
        email = values.get("email")
        if (
            email
            and (self.update or not lead.email)
            and run.by_email.get(email, lead_id) == lead_id
        ):
            changes["email"] = email
            run.by_email[email] = lead_id
        phone_key = values.get("phone_key")
        if (
            phone_key
            and (self.update or not lead.phone)
            and run.by_phone.get(phone_key, lead_id) == lead_id
        ):
            changes["phone"], changes["phone_key"] = values.get("phone"), phone_key
            run.by_phone[phone_key] = lead_id
        if values.get("bday_md") is not None and (self.update or lead.bday_md is None):
            for key in ("bday_month", "bday_day", "bday_year", "bday_md"):
                changes[key] = values.get(key)
        custom = values.get("custom") or {}
        if custom:
            current = dict(lead.custom or {})
            merged = {**current, **custom} if self.update else {**custom, **current}
            if merged != current:
                changes["custom"] = merged
        for key, value in changes.items():
            if getattr(lead, key) != value:
                setattr(lead, key, value)
                self.changed[lead_id] = lead
        for tag in new_tags:
            if tag not in tags:
                tags.add(tag)
                self.session.add(LeadTag(lead_id=lead_id, tag=tag))
                self.changed[lead_id] = lead
        if note:
            self._add_note(lead, note)

    def _add_note(self, lead: Lead, note: str) -> None:
        session = self.session
        exists = session.exec(
            select(Interaction.id)
            .where(col(Interaction.lead_id) == lead.id, col(Interaction.text) == note)
            .limit(1)
        ).first()
        if exists is not None:
            return
        item = Interaction(lead_id=lead.id or 0, kind="note", at=self.run.now, text=note)
        session.add(item)
        session.flush()
        self.changed[lead.id or 0] = lead
        if (lead.id or 0) in self.befores:
            self.befores[lead.id or 0]["notes_added"].append(item.id)
