"""Keeping in touch: notes and logged contacts, follow-ups, and sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

# The amount rules live in amounts.py; importable from here as before.
from prospectr.domain.amounts import parse_amount as parse_amount
from prospectr.domain.leads import get_row
from prospectr.domain.text import clean, fold, plural
from prospectr.errors import InvalidInput
from prospectr.models import (
    INTERACTION_KINDS,
    FollowUp,
    ImportItem,
    Interaction,
    Lead,
    Sale,
    Stage,
)


def log_interaction(
    session: Session,
    lead: Lead,
    *,
    text: str,
    at: datetime,
    kind: str = "note",
    now: datetime | None = None,
) -> Interaction:
    """Log a note or a contact (call, sms, chat, email, social, meeting).

    Every kind but a plain note counts as a contact (``last_contact_at``).
    With ``now`` (as the CLI and the TUI give it), a contact dated after it is
    refused: it has not happened, and a lead "contacted" in the future would
    never show as stale. What is planned is a follow-up.
    """
    kind = clean(kind).lower()
    if kind not in INTERACTION_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(INTERACTION_KINDS)}, not {kind!r}")
    if now is not None and at.date() > now.date():
        raise InvalidInput(
            f"{at.date().isoformat()} is in the future: log a {kind} once it has happened"
            " (plan it with a follow-up)"
        )
    body = clean(text, multiline=True)
    if not body and kind == "note":
        raise InvalidInput("a note needs some text")
    assert lead.id is not None
    item = Interaction(lead_id=lead.id, kind=kind, at=at, text=body)
    session.add(item)
    if kind != "note" and (lead.last_contact_at is None or at > lead.last_contact_at):
        lead.last_contact_at = at
    if body:
        lead.search_text = f"{lead.search_text}\n{fold(body)}"
    lead.updated_at = max(lead.updated_at, at)
    session.add(lead)
    session.flush()
    return item


def interactions(session: Session, lead_id: int) -> list[Interaction]:
    """A lead's timeline, newest first."""
    return list(
        session.exec(
            select(Interaction)
            .where(col(Interaction.lead_id) == lead_id)
            .order_by(col(Interaction.at).desc(), col(Interaction.id).desc())
        )
    )


# --- follow-ups -----------------------------------------------------------------


def add_followup(
    session: Session, lead: Lead, *, due: date, now: datetime, text: str = ""
) -> FollowUp:
    """A dated reminder to contact the lead again."""
    assert lead.id is not None
    item = FollowUp(lead_id=lead.id, due=due, text=clean(text), created_at=now)
    session.add(item)
    session.flush()
    return item


def overdue_note(due: date, today: date) -> str | None:
    """What to tell of a follow-up set before ``today``: it is overdue from the start."""
    if due >= today:
        return None
    return f"{due.isoformat()} was {plural((today - due).days, 'day')} ago: overdue already"


def get_followup(session: Session, followup_id: int) -> FollowUp:
    """A follow-up by id. Raises NotFound."""
    return get_row(session, FollowUp, followup_id, "follow-up")


def complete_followup(session: Session, item: FollowUp, *, now: datetime) -> FollowUp:
    """Mark a follow-up done (a change to its lead: see :func:`_touch`)."""
    if item.done_at is not None:
        raise InvalidInput(f"follow-up #{item.id} is already done")
    item.done_at = now
    session.add(item)
    _touch(session, item.lead_id, now)
    session.flush()
    return item


def snooze_followup(session: Session, item: FollowUp, *, until: date, now: datetime) -> FollowUp:
    """Move an open follow-up to a new due date (a change to its lead: see :func:`_touch`)."""
    if item.done_at is not None:
        raise InvalidInput(f"follow-up #{item.id} is already done")
    item.due = until
    session.add(item)
    _touch(session, item.lead_id, now)
    session.flush()
    return item


def _touch(session: Session, lead_id: int, now: datetime) -> None:
    """Work on a follow-up changes its lead (``updated_at``), as a note does: an
    import's undo then sees that the lead changed since."""
    lead = session.get(Lead, lead_id)
    if lead is not None:
        lead.updated_at = max(lead.updated_at, now)
        session.add(lead)


def open_followups(session: Session, lead_id: int) -> list[FollowUp]:
    """A lead's open follow-ups, soonest first."""
    return list(
        session.exec(
            select(FollowUp)
            .where(col(FollowUp.lead_id) == lead_id, col(FollowUp.done_at).is_(None))
            .order_by(col(FollowUp.due), col(FollowUp.id))
        )
    )


def followups_of(session: Session, lead_id: int) -> list[FollowUp]:
    """All of a lead's follow-ups: open ones first by due date, then done ones."""
    items = session.exec(select(FollowUp).where(col(FollowUp.lead_id) == lead_id))
    return sorted(items, key=lambda f: (f.done_at is not None, f.due, f.id or 0))


def due_followups(session: Session, *, today: date, days: int = 0) -> list[tuple[FollowUp, Lead]]:
    """Open follow-ups due on or before ``today + days`` (overdue ones included), by due date."""
    horizon = today + timedelta(days=days)
    rows = session.exec(
        select(FollowUp, Lead)
        .join(Lead, col(Lead.id) == col(FollowUp.lead_id))
        .where(col(FollowUp.done_at).is_(None), col(FollowUp.due) <= horizon)
        .order_by(col(FollowUp.due), col(Lead.name_key), col(FollowUp.id))
    )
    return [(f, lead) for f, lead in rows]


# --- sales ------------------------------------------------------------------------


def record_sale(
    session: Session,
    lead: Lead,
    *,
    amount: str | Decimal | int | float,
    on: date,
    now: datetime,
    description: str = "",
) -> Sale:
    """Record a purchase. The first sale moves the lead to the won stage.

    A sale dated after ``now`` is refused: it is not made yet.
    """
    from prospectr.domain.stages import move_lead

    if on > now.date():
        raise InvalidInput(f"{on.isoformat()} is in the future: record a sale once it is made")
    value = parse_amount(amount)
    assert lead.id is not None
    sale = Sale(
        lead_id=lead.id, date=on, amount_cents=int(value * 100), description=clean(description)
    )
    session.add(sale)
    stage = session.get(Stage, lead.stage_id)
    if stage is None or stage.kind != "won":
        won = session.exec(
            select(Stage)
            .where(col(Stage.kind) == "won", col(Stage.retired).is_(False))
            .order_by(col(Stage.position))
        ).first()
        if won is not None:
            move_lead(session, lead, won, now=now, reason="sale", automatic=True)
    session.flush()
    return sale


def sales_of(session: Session, lead_id: int) -> list[Sale]:
    """A lead's sales, oldest first."""
    return list(
        session.exec(
            select(Sale).where(col(Sale.lead_id) == lead_id).order_by(col(Sale.date), col(Sale.id))
        )
    )


def customer_status(sale_count: int) -> str:
    """ "" (no sale), "customer" (one sale) or "repeat customer" (two or more)."""
    if sale_count >= 2:
        return "repeat customer"
    return "customer" if sale_count == 1 else ""


def sale_count(session: Session, lead_id: int) -> int:
    """How many sales a lead has."""
    return int(
        session.exec(
            select(func.count()).select_from(Sale).where(col(Sale.lead_id) == lead_id)
        ).one()
    )


def money(cents: int) -> Decimal:
    """Cents as an exact Decimal amount."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


# --- taking back a mistake --------------------------------------------------------
#
# A sale, note, logged contact or follow-up entered by mistake is removed, not
# offset: reports count what is stored. Each removal is a change to its lead
# (``updated_at``), so an import's undo sees that the lead changed since.


@dataclass(frozen=True)
class SaleRemoved:
    """A deleted sale, its lead, and what the lead has left."""

    sale: Sale
    lead: Lead
    sales_left: int
    stage: Stage

    @property
    def stays_won(self) -> bool:
        """The lead has no sale left but stays in its won stage (stages move only when asked)."""
        return self.sales_left == 0 and self.stage.kind == "won"


@dataclass(frozen=True)
class InteractionRemoved:
    """A deleted note or contact, and its lead with ``last_contact_at`` recomputed."""

    item: Interaction
    lead: Lead
    last_contact_before: datetime | None

    @property
    def last_contact_changed(self) -> bool:
        """The deleted entry was the lead's last contact."""
        return self.lead.last_contact_at != self.last_contact_before


@dataclass(frozen=True)
class FollowUpCancelled:
    """A cancelled (deleted) follow-up and its lead."""

    item: FollowUp
    lead: Lead
    stage: Stage
    # The lead's stage asks for a follow-up (not-now) and none is left open.
    needs_followup: bool


def get_sale(session: Session, sale_id: int) -> Sale:
    """A sale by id. Raises NotFound."""
    return get_row(session, Sale, sale_id, "sale")


def get_interaction(session: Session, interaction_id: int) -> Interaction:
    """A note or logged contact by id. Raises NotFound."""
    return get_row(session, Interaction, interaction_id, "note or contact")


def delete_sale(session: Session, sale: Sale, *, now: datetime) -> SaleRemoved:
    """Delete a sale. The lead keeps its stage, even when this was its last sale."""
    lead = _lead_of(session, sale.lead_id)
    session.delete(sale)
    _touch(session, sale.lead_id, now)
    session.flush()
    return SaleRemoved(
        sale=sale,
        lead=lead,
        sales_left=sale_count(session, sale.lead_id),
        stage=_stage_of(session, lead),
    )


def delete_interaction(session: Session, item: Interaction, *, now: datetime) -> InteractionRemoved:
    """Delete a note or logged contact; the lead's last contact and search text follow."""
    from prospectr.domain.leads import refresh_search_text

    lead = _lead_of(session, item.lead_id)
    before = lead.last_contact_at
    session.delete(item)
    session.flush()
    lead.last_contact_at = session.exec(
        select(func.max(Interaction.at)).where(
            col(Interaction.lead_id) == item.lead_id, col(Interaction.kind) != "note"
        )
    ).one()
    refresh_search_text(session, lead)
    lead.updated_at = max(lead.updated_at, now)
    _forget_imported_note(session, item)
    session.flush()
    return InteractionRemoved(item=item, lead=lead, last_contact_before=before)


def _forget_imported_note(session: Session, item: Interaction) -> None:
    """Strike the note from the import snapshots that list it as added.

    Undo deletes a batch's added notes by id; SQLite hands the id of a deleted
    last row to the next one, so a stale id could name a newer note.
    """
    entries = session.exec(
        select(ImportItem).where(
            col(ImportItem.lead_id) == item.lead_id, col(ImportItem.action) == "updated"
        )
    )
    for entry in entries:
        before = entry.before or {}
        added = before.get("notes_added") or []
        if item.id in added:
            entry.before = {**before, "notes_added": [n for n in added if n != item.id]}
            session.add(entry)


def cancel_followup(session: Session, item: FollowUp, *, now: datetime) -> FollowUpCancelled:
    """Cancel an open follow-up: it is deleted, so no list, agenda or export shows it again.

    A done follow-up is history and stays.
    """
    if item.done_at is not None:
        raise InvalidInput(f"follow-up #{item.id} is already done")
    lead = _lead_of(session, item.lead_id)
    session.delete(item)
    _touch(session, item.lead_id, now)
    session.flush()
    stage = _stage_of(session, lead)
    needs = stage.requires_followup and not open_followups(session, item.lead_id)
    return FollowUpCancelled(item=item, lead=lead, stage=stage, needs_followup=needs)


def _lead_of(session: Session, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    assert lead is not None  # the foreign key holds
    return lead


def _stage_of(session: Session, lead: Lead) -> Stage:
    stage = session.get(Stage, lead.stage_id)
    assert stage is not None  # the foreign key holds
    return stage
