"""Notes and contacts, follow-ups, and sales (customer, repeat customer, exact money)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from prospectr.domain import (
    LeadQuery,
    add_followup,
    complete_followup,
    customer_status,
    due_followups,
    get_followup,
    lead_detail,
    list_leads,
    log_interaction,
    money,
    move_lead,
    open_followups,
    parse_amount,
    record_sale,
    resolve_stage,
    snooze_followup,
)
from prospectr.domain.activity import interactions, sale_count
from prospectr.errors import InvalidInput, NotFound
from prospectr.models import Lead, Sale

from ..conftest import NOW, TODAY


def found(session: Session, text: str) -> list[str]:
    return [r.name for r in list_leads(session, LeadQuery(text=text), today=TODAY)]


# --- interactions -------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["call", "sms", "chat", "email", "social", "meeting", " CALL "])
def test_contacts_update_last_contact(
    session: Session, make_lead: Callable[..., Lead], kind: str
) -> None:
    lead = make_lead("Maria")
    at = NOW + timedelta(hours=2)
    item = log_interaction(session, lead, text="talked", at=at, kind=kind)
    assert item.kind == kind.strip().lower()
    assert lead.last_contact_at == at
    assert lead.updated_at == at


def test_a_note_is_not_a_contact_but_is_searchable(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    make_lead("Other")
    log_interaction(session, lead, text="Wants the Bánh Chưng gift box", at=NOW)
    assert lead.last_contact_at is None
    assert found(session, "banh chung") == ["Maria"]
    assert found(session, "GIFT BOX") == ["Maria"]


def test_older_contact_does_not_move_last_contact_back(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    log_interaction(session, lead, text="", at=NOW, kind="call")
    log_interaction(session, lead, text="earlier", at=NOW - timedelta(days=3), kind="sms")
    assert lead.last_contact_at == NOW
    texts = [i.text for i in interactions(session, lead.id or 0)]
    assert texts == ["", "earlier"]  # newest first


def test_interaction_refusals(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Maria")
    with pytest.raises(InvalidInput):
        log_interaction(session, lead, text="hi", at=NOW, kind="telepathy")
    with pytest.raises(InvalidInput):
        log_interaction(session, lead, text="  \x1b ", at=NOW, kind="note")
    assert interactions(session, lead.id or 0) == []


def test_note_text_is_cleaned_but_keeps_lines(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    item = log_interaction(session, lead, text="  line one\r\n\x1b[31mline two  ", at=NOW)
    assert item.text == "line one\nline two"


# --- follow-ups -------------------------------------------------------------------------


def test_followup_add_done_snooze(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Maria")
    first = add_followup(session, lead, due=date(2026, 12, 1), now=NOW, text=" send catalogue ")
    second = add_followup(session, lead, due=date(2026, 11, 30), now=NOW)
    assert first.text == "send catalogue"
    assert [f.id for f in open_followups(session, lead.id or 0)] == [second.id, first.id]
    snooze_followup(session, second, until=date(2026, 12, 10), now=NOW)
    assert second.due == date(2026, 12, 10)
    assert [f.id for f in open_followups(session, lead.id or 0)] == [first.id, second.id]
    done_at = NOW + timedelta(hours=1)
    complete_followup(session, first, now=done_at)
    assert first.done_at == done_at
    assert [f.id for f in open_followups(session, lead.id or 0)] == [second.id]
    assert get_followup(session, first.id or 0).done_at == done_at


def test_done_twice_and_snoozing_done_refused(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    item = add_followup(session, lead, due=TODAY, now=NOW)
    complete_followup(session, item, now=NOW)
    with pytest.raises(InvalidInput, match="already done"):
        complete_followup(session, item, now=NOW + timedelta(hours=1))
    assert item.done_at == NOW
    with pytest.raises(InvalidInput):
        snooze_followup(session, item, until=TODAY + timedelta(days=1), now=NOW)
    assert item.due == TODAY


def test_unknown_followup(session: Session) -> None:
    with pytest.raises(NotFound):
        get_followup(session, 404)


def test_due_followups_overdue_and_today(session: Session, make_lead: Callable[..., Lead]) -> None:
    a = make_lead("Anh")
    b = make_lead("Bao")
    overdue = add_followup(session, b, due=TODAY - timedelta(days=3), now=NOW)
    today_a = add_followup(session, a, due=TODAY, now=NOW)
    tomorrow = add_followup(session, a, due=TODAY + timedelta(days=1), now=NOW)
    in_a_week = add_followup(session, b, due=TODAY + timedelta(days=7), now=NOW)
    done = add_followup(session, a, due=TODAY - timedelta(days=10), now=NOW)
    complete_followup(session, done, now=NOW)
    assert [f.id for f, _ in due_followups(session, today=TODAY)] == [overdue.id, today_a.id]
    assert [lead.name for _, lead in due_followups(session, today=TODAY)] == ["Bao", "Anh"]
    assert [f.id for f, _ in due_followups(session, today=TODAY, days=1)] == [
        overdue.id,
        today_a.id,
        tomorrow.id,
    ]
    assert len(due_followups(session, today=TODAY, days=7)) == 4
    assert in_a_week.id in [f.id for f, _ in due_followups(session, today=TODAY, days=7)]


# --- sales ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10", Decimal("10.00")),
        ("0.1", Decimal("0.10")),
        ("19.99", Decimal("19.99")),
        (" 1,250.50 ", Decimal("1250.50")),
        (Decimal("2.5"), Decimal("2.50")),
        (7, Decimal("7.00")),
    ],
)
def test_parse_amount(raw: str | Decimal | int, expected: Decimal) -> None:
    value = parse_amount(raw)
    assert value == expected
    assert str(value) == str(expected)


@pytest.mark.parametrize(
    "raw", ["-5", "-0.01", "abc", "", "1.001", "NaN", "Infinity", "1e3x", "10000000000"]
)
def test_parse_amount_refuses(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(raw)


def test_money() -> None:
    assert money(1999) == Decimal("19.99")
    assert str(money(10)) == "0.10"
    assert str(money(0)) == "0.00"


def test_customer_status() -> None:
    assert customer_status(0) == ""
    assert customer_status(1) == "customer"
    assert customer_status(2) == "repeat customer"
    assert customer_status(5) == "repeat customer"


def test_first_sale_makes_a_customer_in_won(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    sale = record_sale(
        session, lead, amount="49.90", on=TODAY, now=NOW, description=" starter kit "
    )
    assert sale.amount_cents == 4990
    assert sale.description == "starter kit"
    won = resolve_stage(session, "won")
    assert lead.stage_id == won.id
    detail = lead_detail(session, lead)
    assert detail.customer == "customer"
    assert detail.stage.name == "won"
    assert [(frm, to, h.reason) for h, frm, to in detail.history][-1] == ("new", "won", "sale")
    assert detail.as_dict()["sales"] == [
        {"id": sale.id, "date": "2026-11-24", "amount": "49.90", "description": "starter kit"}
    ]


def test_second_sale_makes_a_repeat_customer_visible_in_list_and_show(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    make_lead("Window shopper")
    record_sale(session, lead, amount="0.10", on=TODAY, now=NOW)
    history_after_first = len(lead_detail(session, lead).history)
    later = NOW + timedelta(days=30)
    record_sale(session, lead, amount="0.20", on=later.date(), now=later)
    detail = lead_detail(session, lead)
    assert detail.customer == "repeat customer"
    assert detail.as_dict()["customer"] == "repeat customer"
    assert len(detail.history) == history_after_first  # already won: no second move
    rows = {r.name: r for r in list_leads(session, LeadQuery(), today=TODAY)}
    assert rows["Maria"].sales == 2
    assert customer_status(rows["Maria"].sales) == "repeat customer"
    assert rows["Window shopper"].sales == 0
    assert rows["Maria"].as_dict()["sales"] == 2
    assert sale_count(session, lead.id or 0) == 2


def test_money_sums_are_exact(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Maria")
    for _ in range(10):
        record_sale(session, lead, amount="0.10", on=TODAY, now=NOW)
    record_sale(session, lead, amount="0.20", on=TODAY, now=NOW)
    total_cents = session.exec(select(func.sum(Sale.amount_cents))).one()
    assert total_cents == 120
    assert money(int(total_cents or 0)) == Decimal("1.20")
    amounts = [Decimal(s["amount"]) for s in lead_detail(session, lead).as_dict()["sales"]]
    assert sum(amounts) == Decimal("1.20")


def test_sale_from_a_lost_lead_moves_it_to_won(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Comeback")
    move_lead(session, lead, resolve_stage(session, "lost"), now=NOW, reason="too expensive")
    record_sale(session, lead, amount="5", on=TODAY, now=datetime(2026, 12, 1, 9, 0))
    assert lead.stage_id == resolve_stage(session, "won").id


def test_bad_amount_writes_nothing(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Maria")
    with pytest.raises(InvalidInput):
        record_sale(session, lead, amount="-3", on=TODAY, now=NOW)
    assert session.exec(select(Sale)).all() == []
    assert lead.stage_id == resolve_stage(session, "new").id


def test_a_contact_or_a_sale_in_the_future_is_refused(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Nguyễn Thị Hương")
    tomorrow = NOW + timedelta(days=1)
    with pytest.raises(InvalidInput, match=r"^2026-11-25 is in the future: log a call once"):
        log_interaction(session, lead, text="hi", at=tomorrow, kind="call", now=NOW)
    with pytest.raises(InvalidInput, match=r"^2026-11-25 is in the future: record a sale once"):
        record_sale(session, lead, amount="10", on=tomorrow.date(), now=NOW)
    # Later today is today: a call logged at 23:00 when it is 10:00 still counts.
    late = log_interaction(session, lead, text="ok", at=NOW + timedelta(hours=13), now=NOW)
    assert late.id is not None
    assert session.exec(select(func.count()).select_from(Sale)).one() == 0
    assert lead.last_contact_at is None  # the refused call left no trace
