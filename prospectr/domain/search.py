"""Listing and search: filters, sorting and paging done in the database.

Search is case- and accent-insensitive: the query is folded the same way as the
stored ``search_text`` column, and matched with an escaped ``LIKE`` (portable to
every backend; user wildcards are plain characters). A phone number typed as
shown ("+63 917 123 4567", "916 123-45-67") is matched by its digits, which
``search_text`` holds (see :func:`text_conditions`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, literal, or_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from prospectr.domain.bant import lead_temperature, temperature_clause
from prospectr.domain.text import clean, fold, like_escape, normalize_label
from prospectr.errors import InvalidInput
from prospectr.models import FollowUp, Lead, LeadTag, Sale, Stage

SORTS = ("name", "created", "updated", "stage", "last-contact", "followup", "source", "company")


@dataclass
class LeadQuery:
    """Filters for ``list``/``search``/``export``; empty fields do not filter."""

    text: str = ""
    stage: str | None = None
    temperature: str | None = None
    source: str | None = None
    tag: str | None = None
    city: str | None = None
    due: bool = False
    sort: str = "name"
    descending: bool = False
    ids: list[int] = field(default_factory=list)


@dataclass
class LeadRow:
    """One line of a lead list."""

    id: int
    name: str
    company: str | None
    email: str | None
    phone: str | None
    stage: str
    temperature: str
    source: str | None
    city: str | None
    next_followup: date | None
    last_contact: datetime | None
    created_at: datetime
    sales: int

    def as_dict(self) -> dict[str, Any]:
        """The stable ``--json`` shape of a list row."""
        return {
            "id": self.id,
            "name": self.name,
            "company": self.company,
            "email": self.email,
            "phone": self.phone,
            "stage": self.stage,
            "temperature": self.temperature,
            "source": self.source,
            "city": self.city,
            "next_followup": self.next_followup.isoformat() if self.next_followup else None,
            "last_contact": self.last_contact.isoformat(timespec="seconds")
            if self.last_contact
            else None,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "sales": self.sales,
        }


def _next_followup() -> Any:
    return (
        select(func.min(FollowUp.due))
        .where(col(FollowUp.lead_id) == col(Lead.id), col(FollowUp.done_at).is_(None))
        .correlate(Lead)
        .scalar_subquery()
    )


def _sales_count() -> Any:
    return (
        select(func.count(col(Sale.id)))
        .where(col(Sale.lead_id) == col(Lead.id))
        .correlate(Lead)
        .scalar_subquery()
    )


# Characters a phone number is written with, besides digits and spaces.
_PHONE_MARKS = frozenset("+-()./")
# Fewer digits than this in a run of phone-like words: plain words ("room 12").
MIN_PHONE_QUERY_DIGITS = 3


def _contains(text: str) -> ColumnElement[bool]:
    return col(Lead.search_text).like(f"%{like_escape(text)}%", escape="\\")


def _phone_like(word: str) -> bool:
    return all(ch.isdecimal() or ch in _PHONE_MARKS for ch in word)


def text_conditions(text: str) -> list[ColumnElement[bool]]:
    """Search text as conditions on ``Lead.search_text``: every word must be found.

    Words are folded (case and accents ignored). A run of words made only of
    digits and ``+ - ( ) . /`` holding at least 3 digits is a phone number as
    displayed: it also matches when its digits, joined, are found (the stored
    phone digits are part of ``search_text``), so "+63 917 123 4567" finds
    63 917 1234567 while "374 91" still finds what each word finds.
    """
    words = fold(clean(text)).split()
    conds: list[ColumnElement[bool]] = []
    i = 0
    while i < len(words):
        if not _phone_like(words[i]):
            conds.append(_contains(words[i]))
            i += 1
            continue
        end = i
        while end < len(words) and _phone_like(words[end]):
            end += 1
        group = words[i:end]
        i = end
        digits = "".join(str(unicodedata.decimal(ch)) for w in group for ch in w if ch.isdecimal())
        each = [_contains(w) for w in group]
        if len(digits) < MIN_PHONE_QUERY_DIGITS or group == [digits]:
            conds.extend(each)  # nothing to add: too short, or already plain digits
        else:
            conds.append(or_(and_(*each), _contains(digits)))
    return conds


def _conditions(session: Session, query: LeadQuery, today: date) -> list[ColumnElement[bool]]:
    conds = text_conditions(query.text)
    if query.stage:
        from prospectr.domain.leads import resolve_stage

        conds.append(col(Lead.stage_id) == resolve_stage(session, query.stage).id)
    if query.temperature:
        conds.append(temperature_clause(query.temperature.strip().lower()))
    if query.source:
        conds.append(col(Lead.source) == normalize_label(query.source))
    if query.city:
        # SQL lower() folds ASCII only: match the stored spellings that fold alike.
        wanted = " ".join(fold(query.city).split())
        cities = session.exec(select(Lead.city).where(col(Lead.city).is_not(None)).distinct())
        conds.append(col(Lead.city).in_([c for c in cities if c and fold(c) == wanted]))
    if query.tag:
        tags = matching_tags(session, query.tag)
        conds.append(
            exists().where(and_(col(LeadTag.lead_id) == col(Lead.id), col(LeadTag.tag).in_(tags)))
        )
    if query.due:
        conds.append(
            exists().where(
                and_(
                    col(FollowUp.lead_id) == col(Lead.id),
                    col(FollowUp.done_at).is_(None),
                    col(FollowUp.due) <= today,
                )
            )
        )
    if query.ids:
        conds.append(col(Lead.id).in_(query.ids))
    return conds


def matching_tags(session: Session, tag: str) -> list[str]:
    """The stored tags that ``tag`` names, case and accents ignored ("ha noi" -> "hà nội").

    Folding happens here, not in SQL (whose ``lower()`` folds ASCII only); tags
    are few. The tag exactly as typed (case-folded) comes first when stored, then
    the others in order; empty when none folds alike.
    """
    exact = normalize_label(tag)
    wanted = " ".join(fold(exact).split())
    if not wanted:
        return []
    stored = session.exec(select(LeadTag.tag).distinct())
    found = sorted(t for t in stored if " ".join(fold(t).split()) == wanted)
    if exact in found:
        found.remove(exact)
        found.insert(0, exact)
    return found


def count_matching(session: Session, query: LeadQuery, *, today: date) -> int:
    """How many leads match the query (for paging)."""
    stmt = select(func.count()).select_from(Lead).where(*_conditions(session, query, today))
    return int(session.exec(stmt).one())


def lead_select(session: Session, query: LeadQuery, *columns: Any, today: date) -> Select[Any]:
    """``SELECT columns, next_followup`` of the leads matching ``query``, in list order.

    The FROM is each lead joined to its stage; the last column is the date of the
    lead's next open follow-up (None without one). ``list`` and ``export`` share it.
    """
    if query.sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}, not {query.sort!r}")
    nxt = _next_followup().label("next_followup")
    stmt = (
        sa_select(*columns, nxt)
        .select_from(Lead)
        .join(Stage, col(Stage.id) == col(Lead.stage_id))
        .where(*_conditions(session, query, today))
    )
    name_key: Any = col(Lead.name_key)
    if query.text.strip():
        # With search text, scan the table and sort the few matches: walking the
        # name index in order would visit every row when matches are rare.
        # ``|| ''`` keeps the order and makes the index unusable for sorting.
        name_key = name_key.concat(literal(""))
    key: Any = {
        "name": name_key,
        "created": col(Lead.created_at),
        "updated": col(Lead.updated_at),
        "stage": col(Stage.position),
        "last-contact": col(Lead.last_contact_at),
        "followup": nxt,
        "source": col(Lead.source),
        "company": col(Lead.company),
    }[query.sort]
    if query.descending:
        order = [key.desc().nulls_last(), col(Lead.id).desc()]
    else:
        order = [key.asc().nulls_last(), col(Lead.id)]
    if query.sort != "name":
        order.insert(1, name_key)
    return stmt.order_by(*order)


def list_leads(
    session: Session,
    query: LeadQuery,
    *,
    today: date,
    limit: int | None = 50,
    offset: int = 0,
) -> list[LeadRow]:
    """A page of leads matching ``query``, sorted in the database."""
    sales = _sales_count().label("sales")
    stmt = lead_select(session, query, Lead, Stage.name, sales, today=today)
    stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows: list[LeadRow] = []
    for lead, stage_name, n_sales, next_due in session.execute(stmt):
        rows.append(
            LeadRow(
                id=lead.id,
                name=lead.name or lead.company or "",
                company=lead.company,
                email=lead.email,
                phone=lead.phone,
                stage=stage_name,
                temperature=lead_temperature(lead),
                source=lead.source,
                city=lead.city,
                next_followup=_as_date(next_due),
                last_contact=lead.last_contact_at,
                created_at=lead.created_at,
                sales=int(n_sales or 0),
            )
        )
    return rows


def _as_date(value: Any) -> date | None:
    """Aggregates over a Date column come back as text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


__all__ = [
    "MIN_PHONE_QUERY_DIGITS",
    "SORTS",
    "LeadQuery",
    "LeadRow",
    "count_matching",
    "lead_select",
    "list_leads",
    "matching_tags",
    "text_conditions",
]
