"""Lead capture: validation, normalisation, duplicate detection, edit and delete."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, delete, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from prospectr.domain import text as t
from prospectr.domain.dates import Birthday, parse_birthday
from prospectr.errors import Ambiguous, DuplicateLead, InvalidInput, NotFound
from prospectr.models import Interaction, Lead, LeadTag, Stage, StageHistory

# Plain text columns a caller may set directly (after cleaning).
TEXT_FIELDS = ("given_name", "family_name", "company", "title", "city", "country")
# Every key accepted by ``add_lead``/``update_lead``.
LEAD_FIELDS = (
    "name",
    *TEXT_FIELDS,
    "email",
    "phone",
    "source",
    "tags",
    "birthday",
    "referred_by",
    "do_not_contact",
    "custom",
)


_FIELD_SET = frozenset(LEAD_FIELDS)


def normalize_fields(fields: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """Validate and normalise lead fields; returns column values. Raises InvalidInput.

    Pure (no database): the import calls it for every row, so it is kept lean.
    """
    if not _FIELD_SET.issuperset(fields):
        unknown = set(fields) - _FIELD_SET
        raise InvalidInput(f"unknown lead field(s): {', '.join(sorted(unknown))}")
    clean = t.clean
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = clean(fields["name"])
    for key in TEXT_FIELDS:
        if key in fields:
            out[key] = clean(fields[key]) or None
    if "email" in fields:
        out["email"] = t.normalize_email(fields["email"])
    if "phone" in fields:
        phone = clean(fields["phone"]) or None
        out["phone_key"] = t.phone_digits(phone)
        out["phone"] = phone
    if "source" in fields:
        out["source"] = t.normalize_label(fields["source"]) or None
    if "tags" in fields:
        out["tags"] = normalize_tags(fields["tags"] or [])
    if "birthday" in fields:
        bday = fields["birthday"]
        if isinstance(bday, str):
            bday = parse_birthday(bday, today=today) if bday.strip() else None
        if bday is not None and not isinstance(bday, Birthday):
            raise InvalidInput("birthday must be a date such as 03-15 or 1986-03-15")
        out["bday_month"] = bday.month if bday else None
        out["bday_day"] = bday.day if bday else None
        out["bday_year"] = bday.year if bday else None
        out["bday_md"] = bday.md if bday else None
    if "do_not_contact" in fields:
        out["do_not_contact"] = bool(fields["do_not_contact"])
    if "custom" in fields:
        custom = fields["custom"] or {}
        out["custom"] = {clean(str(k)): clean(str(v)) for k, v in dict(custom).items()}
    if "referred_by" in fields:
        out["referred_by"] = fields["referred_by"]
    return out


def normalize_tags(tags: Iterable[str]) -> list[str]:
    """Tags cleaned, case-folded, de-duplicated, in first-seen order; commas split."""
    seen: dict[str, None] = {}
    for raw in tags:
        for part in str(raw).split(","):
            tag = t.normalize_label(part)
            if tag:
                seen.setdefault(tag, None)
    return list(seen)


def display_name(lead: Lead) -> str:
    """The name to show: the person's name, else the company."""
    return lead.name or lead.company or f"#{lead.id}"


# The lead columns search matches, in the order they are joined.
SEARCH_COLUMNS = (
    "name",
    "given_name",
    "family_name",
    "email",
    "phone_key",
    "company",
    "title",
    "city",
    "country",
    "source",
)


def search_text_for(lead: Lead, tags: Iterable[str], notes: Iterable[str]) -> str:
    """The folded text that search matches: name, contact fields, tags and notes."""
    return search_text_of({key: getattr(lead, key) for key in SEARCH_COLUMNS}, tags, notes)


def search_text_of(values: Mapping[str, Any], tags: Iterable[str], notes: Iterable[str]) -> str:
    """:func:`search_text_for` from column values (absent keys are empty), as imports have them."""
    # Folding is per character, so folding the parts one by one is the same as
    # folding the joined text, and lets the ASCII ones take fold's fast path.
    fold = t.fold
    parts = [fold(p) for p in map(values.get, SEARCH_COLUMNS) if p]
    parts.extend(fold(p) for p in tags if p)
    parts.extend(fold(p) for p in notes if p)
    return "\n".join(parts)


def find_duplicate(
    session: Session, *, email: str | None, phone_key: str | None, exclude_id: int | None = None
) -> tuple[Lead, str] | None:
    """An existing lead with the same email or phone digits, and which one matched."""
    conds = []
    if email:
        conds.append(col(Lead.email) == email)
    if phone_key:
        conds.append(col(Lead.phone_key) == phone_key)
    if not conds:
        return None
    stmt = select(Lead).where(or_(*conds))
    if exclude_id is not None:
        stmt = stmt.where(col(Lead.id) != exclude_id)
    for lead in session.exec(stmt.limit(5)):
        if email and lead.email == email:
            return lead, f"email {email}"
        return lead, f"phone {lead.phone}"
    return None


def _refuse_duplicate(
    session: Session, values: Mapping[str, Any], exclude_id: int | None = None
) -> None:
    found = find_duplicate(
        session,
        email=values.get("email"),
        phone_key=values.get("phone_key"),
        exclude_id=exclude_id,
    )
    if found:
        lead, what = found
        raise DuplicateLead(
            f"{what} is already on lead #{lead.id} {display_name(lead)}",
            lead.id or 0,
        )


def first_stage(session: Session) -> Stage:
    """The first open stage of the pipeline (where new leads start)."""
    stage = session.exec(
        select(Stage)
        .where(col(Stage.kind) == "open", col(Stage.retired).is_(False))
        .order_by(col(Stage.position))
        .limit(1)
    ).first()
    if stage is None:
        raise InvalidInput("the pipeline has no open stage; add one with 'prospectr stages add'")
    return stage


def _set_tags(session: Session, lead_id: int, tags: list[str]) -> None:
    session.execute(delete(LeadTag).where(col(LeadTag.lead_id) == lead_id))
    for tag in tags:
        session.add(LeadTag(lead_id=lead_id, tag=tag))


def lead_tags(session: Session, lead_id: int) -> list[str]:
    """The lead's tags, sorted."""
    return list(
        session.exec(
            select(LeadTag.tag).where(col(LeadTag.lead_id) == lead_id).order_by(col(LeadTag.tag))
        )
    )


def search_parts(
    db: Session | Connection, lead_ids: list[int]
) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """The tags (sorted) and note texts (in time order) of these leads, by lead id.

    The order in which :func:`search_text_for` takes them; one read for many leads.
    """
    tags: dict[int, list[str]] = {}
    notes: dict[int, list[str]] = {}
    tag_table, note_table = LeadTag.__table__, Interaction.__table__  # type: ignore[attr-defined]
    for lead_id, tag in db.execute(
        sa_select(tag_table.c.lead_id, tag_table.c.tag)
        .where(tag_table.c.lead_id.in_(lead_ids))
        .order_by(tag_table.c.lead_id, tag_table.c.tag)
    ):
        tags.setdefault(lead_id, []).append(tag)
    for lead_id, text in db.execute(
        sa_select(note_table.c.lead_id, note_table.c.text)
        .where(note_table.c.lead_id.in_(lead_ids))
        .order_by(note_table.c.lead_id, note_table.c.at, note_table.c.id)
    ):
        notes.setdefault(lead_id, []).append(text)
    return tags, notes


def refresh_search_text(session: Session, lead: Lead) -> None:
    """Rebuild the lead's search column from its fields, tags and notes."""
    assert lead.id is not None
    tags, notes = search_parts(session, [lead.id])
    lead.search_text = search_text_for(lead, tags.get(lead.id, []), notes.get(lead.id, []))
    session.add(lead)


def _apply(session: Session, lead: Lead, values: dict[str, Any]) -> list[str] | None:
    tags: list[str] | None = values.pop("tags", None)
    if "referred_by" in values:
        ref = values.pop("referred_by")
        lead.referred_by_id = resolve_lead(session, str(ref)).id if ref not in (None, "") else None
    for key, value in values.items():
        setattr(lead, key, value)
    if not (lead.name or lead.company):
        raise InvalidInput("a lead needs a name or a company")
    lead.name_key = t.fold(lead.name or lead.company or "")
    return tags


def add_lead(
    session: Session,
    *,
    now: datetime,
    force: bool = False,
    stage: str | None = None,
    note: str | None = None,
    **fields: Any,
) -> Lead:
    """Capture a lead. Refuses a likely duplicate (same email or phone) unless ``force``.

    ``fields`` are the keys of ``LEAD_FIELDS``; ``note`` logs a first note.
    """
    values = normalize_fields(fields, today=now.date())
    if not force:
        _refuse_duplicate(session, values)
    target = resolve_stage(session, stage) if stage else first_stage(session)
    lead = Lead(stage_id=target.id or 0, stage_since=now, created_at=now, updated_at=now)
    tags = _apply(session, lead, values) or []
    session.add(lead)
    session.flush()
    assert lead.id is not None
    _set_tags(session, lead.id, tags)
    session.add(
        StageHistory(lead_id=lead.id, from_stage_id=None, to_stage_id=target.id or 0, at=now)
    )
    notes: list[str] = []
    if note and t.clean(note, multiline=True):
        body = t.clean(note, multiline=True)
        session.add(Interaction(lead_id=lead.id, kind="note", at=now, text=body))
        notes.append(body)
    lead.search_text = search_text_for(lead, tags, notes)
    session.flush()
    return lead


def update_lead(
    session: Session, lead: Lead, *, now: datetime, force: bool = False, **fields: Any
) -> Lead:
    """Change some fields of a lead, with the same validation and duplicate check as add."""
    edit_lead(session, lead, now=now, force=force, **fields)
    return lead


# Which field a changed column belongs to, when the names differ.
_FIELD_OF_COLUMN = {
    "phone_key": "phone",
    "bday_month": "birthday",
    "bday_day": "birthday",
    "bday_year": "birthday",
    "bday_md": "birthday",
    "referred_by_id": "referred_by",
}


def edit_lead(
    session: Session, lead: Lead, *, now: datetime, force: bool = False, **fields: Any
) -> list[str]:
    """:func:`update_lead`, returning the fields whose stored value changed.

    The names are ``LEAD_FIELDS`` ones, in the order ``fields`` gave them.
    A value equal to the stored one is no change: when nothing changes, the lead
    (its ``updated_at`` too) is left as it was and the list is empty.
    """
    values = normalize_fields(fields, today=now.date())
    if not force and (values.get("email") or values.get("phone_key")):
        probe = {k: values.get(k) for k in ("email", "phone_key")}
        _refuse_duplicate(session, probe, exclude_id=lead.id)
    assert lead.id is not None
    columns = [k for k in values if k not in ("tags", "referred_by")]
    if "referred_by" in values:
        columns.append("referred_by_id")
    before = {k: getattr(lead, k) for k in columns}
    old_tags = lead_tags(session, lead.id) if "tags" in values else None
    tags = _apply(session, lead, values)
    changed = [_FIELD_OF_COLUMN.get(k, k) for k in columns if getattr(lead, k) != before[k]]
    if tags is not None and sorted(tags) != old_tags:
        changed.append("tags")
        _set_tags(session, lead.id, tags)
    if not changed:
        return []
    lead.updated_at = now
    session.flush()
    refresh_search_text(session, lead)
    session.flush()
    given = {name: i for i, name in enumerate(fields)}
    return sorted(dict.fromkeys(changed), key=lambda name: given.get(name, len(given)))


def delete_lead(session: Session, lead: Lead) -> None:
    """Delete a lead and (by foreign-key cascade) its notes, history, follow-ups, sales."""
    session.delete(lead)
    session.flush()


_Row = TypeVar("_Row", bound=SQLModel)


def get_row(session: Session, model: type[_Row], row_id: int, what: str) -> _Row:
    """The row of ``model`` with this id. Raises NotFound (``no sale #9``)."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"no {what} #{row_id}")
    return row


def get_lead(session: Session, lead_id: int) -> Lead:
    """The lead with this id. Raises NotFound."""
    return get_row(session, Lead, lead_id, "lead")


def resolve_lead(session: Session, ref: str) -> Lead:
    """A lead named by id (``12`` or ``#12``) or by a unique name fragment.

    Raises NotFound, or Ambiguous with the candidates when several match.
    """
    raw = t.clean(ref)
    if not raw:
        raise InvalidInput("empty lead reference")
    digits = raw[1:] if raw.startswith("#") else raw
    if digits.isdigit():
        return get_lead(session, int(digits))
    key = t.fold(raw)
    exact = list(session.exec(select(Lead).where(col(Lead.name_key) == key).limit(11)))
    if len(exact) == 1:
        return exact[0]
    if not exact:
        pattern = f"%{t.like_escape(key)}%"
        exact = list(
            session.exec(
                select(Lead)
                .where(col(Lead.name_key).like(pattern, escape="\\"))
                .order_by(col(Lead.name_key))
                .limit(11)
            )
        )
    if not exact:
        raise NotFound(f"no lead matches {raw!r}")
    if len(exact) == 1:
        return exact[0]
    candidates = [(lead.id or 0, display_name(lead)) for lead in exact[:10]]
    more = "+" if len(exact) > 10 else ""
    raise Ambiguous(f"{raw!r} matches {len(candidates)}{more} leads; use the id", candidates)


def resolve_stage(session: Session, name: str) -> Stage:
    """A stage by name (case-insensitive) or key. Raises NotFound listing the stages."""
    key = t.clean(name).casefold()
    stages = list(session.exec(select(Stage).order_by(col(Stage.position))))
    for stage in stages:
        if stage.name.casefold() == key or (stage.key or "") == key.replace("-", "_"):
            return stage
    names = ", ".join(s.name for s in stages if not s.retired)
    raise NotFound(f"no stage {t.clean(name)!r} (stages: {names})")
