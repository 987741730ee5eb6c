"""The full picture of one lead, as plain data for ``show``, ``--json`` and the TUI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from prospectr.domain.activity import customer_status, followups_of, interactions, money, sales_of
from prospectr.domain.bant import BANT, answers_of, explain, score, temperature
from prospectr.domain.leads import display_name, lead_tags
from prospectr.domain.stages import stage_history
from prospectr.models import FollowUp, Interaction, Lead, Sale, Stage

# The columns both JSON shapes of a lead (``show --json``, ``export``) give as stored.
CONTACT_FIELDS = (
    "given_name", "family_name", "email", "phone", "company", "title", "city", "country", "source",
)  # fmt: skip


def contact_fields(lead: Lead) -> dict[str, Any]:
    """The lead's contact columns as stored, in the order of the JSON shapes."""
    return {name: getattr(lead, name) for name in CONTACT_FIELDS}


def iso_birthday(lead: Lead) -> str | None:
    """``1986-03-15``, ``--03-15`` when the year is unknown, None when there is no birthday."""
    if lead.bday_month is None or lead.bday_day is None:
        return None
    if lead.bday_year:
        return f"{lead.bday_year:04d}-{lead.bday_month:02d}-{lead.bday_day:02d}"
    return f"--{lead.bday_month:02d}-{lead.bday_day:02d}"


MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def birthday_words(month: int | None, day: int | None, year: int | None = None) -> str:
    """A birthday in words, as every screen shows it; empty when there is none.

    "27 November 1986", or "1 December (year unknown)" without a year.
    """
    if month is None or day is None:
        return ""
    text = f"{day} {MONTHS[month - 1]}"
    return f"{text} {year}" if year else f"{text} (year unknown)"


@dataclass
class LeadDetail:
    """A lead with everything attached to it."""

    lead: Lead
    stage: Stage
    tags: list[str]
    referred_by: Lead | None
    interactions: list[Interaction]
    history: list[tuple[Any, str | None, str]]
    followups: list[FollowUp]
    sales: list[Sale]

    @property
    def temperature(self) -> str:
        """Derived from the BANT answers."""
        return temperature(answers_of(self.lead))

    @property
    def score(self) -> int:
        """25 per "yes"."""
        return score(answers_of(self.lead))

    @property
    def why(self) -> str:
        """Why the temperature is what it is."""
        return explain(answers_of(self.lead))

    @property
    def customer(self) -> str:
        """ "", "customer" or "repeat customer"."""
        return customer_status(len(self.sales))

    @property
    def birthday(self) -> str | None:
        """ISO birthday, ``--MM-DD`` when the year is unknown."""
        return iso_birthday(self.lead)

    def as_dict(self) -> dict[str, Any]:
        """The stable ``show --json`` shape."""
        lead = self.lead
        return {
            "id": lead.id,
            "name": display_name(lead),
            **contact_fields(lead),
            "referred_by": {"id": self.referred_by.id, "name": display_name(self.referred_by)}
            if self.referred_by
            else None,
            "tags": self.tags,
            "birthday": self.birthday,
            "stage": self.stage.name,
            "stage_since": _iso(lead.stage_since),
            "bant": {
                k: {"answer": getattr(lead, k), "note": getattr(lead, f"{k}_note")} for k in BANT
            },
            "temperature": self.temperature,
            "score": self.score,
            "do_not_contact": lead.do_not_contact,
            "lost_reason": lead.lost_reason,
            "customer": self.customer,
            "custom": dict(lead.custom or {}),
            "created_at": _iso(lead.created_at),
            "updated_at": _iso(lead.updated_at),
            "last_contact": _iso(lead.last_contact_at),
            "interactions": [
                {"id": i.id, "kind": i.kind, "at": _iso(i.at), "text": i.text}
                for i in self.interactions
            ],
            "history": [
                {"at": _iso(h.at), "from": frm, "to": to, "reason": h.reason}
                for h, frm, to in self.history
            ],
            "followups": [
                {"id": f.id, "due": f.due.isoformat(), "text": f.text, "done_at": _iso(f.done_at)}
                for f in self.followups
            ],
            "sales": [
                {
                    "id": s.id,
                    "date": s.date.isoformat(),
                    "amount": str(money(s.amount_cents)),
                    "description": s.description,
                }
                for s in self.sales
            ],
        }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value.isoformat())


def lead_detail(session: Session, lead: Lead) -> LeadDetail:
    """Load everything about one lead."""
    assert lead.id is not None
    stage = session.get(Stage, lead.stage_id)
    assert stage is not None
    ref = session.get(Lead, lead.referred_by_id) if lead.referred_by_id else None
    return LeadDetail(
        lead=lead,
        stage=stage,
        tags=lead_tags(session, lead.id),
        referred_by=ref,
        interactions=interactions(session, lead.id),
        history=stage_history(session, lead.id),
        followups=followups_of(session, lead.id),
        sales=sales_of(session, lead.id),
    )
