"""Amounts with a decimal comma, and taking back a sale, a note or contact, a follow-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from prospectr.domain import (
    LeadQuery,
    add_followup,
    agenda,
    cancel_followup,
    complete_followup,
    delete_interaction,
    delete_sale,
    due_followups,
    get_followup,
    get_interaction,
    get_sale,
    lead_detail,
    list_leads,
    log_interaction,
    move_lead,
    parse_amount,
    record_sale,
    resolve_stage,
)
from prospectr.domain.import_batches import undo_import
from prospectr.domain.importer import ImportOptions, import_file
from prospectr.domain.leads import search_text_for
from prospectr.errors import InvalidInput, NotFound
from prospectr.models import FollowUp, ImportItem, Interaction, Lead, Sale

from ..conftest import NOW, TODAY

LATER = NOW + timedelta(hours=2)


# --- amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        # a decimal comma: never thousands with one or two digits after it
        ("1,5", 150),
        ("12,5", 1250),
        ("12,50", 1250),
        (",5", 50),
        # commas in threes are thousands
        ("1,234", 123400),
        ("1,234,567", 123456700),
        # both marks: the last one is the decimal mark
        ("1,234.50", 123450),
        ("1.234,50", 123450),
        ("2.500,50", 250050),
        ("1.234.567,89", 123456789),
        ("1,234,567.5", 123456750),
        # dots only: one is the decimal point, several group thousands
        ("12.5", 1250),
        ("0.1", 10),
        ("19.99", 1999),
        ("5.", 500),
        (".5", 50),
        ("1.234.567", 123456700),
        # spaces (no-break, narrow no-break, thin) and one currency sign are ignored
        (" 150 ", 15000),
        ("\u00a012\u2009", 1200),
        ("1 234 567", 123456700),
        ("1\u00a0234,50", 123450),
        ("1\u202f234,50 ₽", 123450),
        ("$1,234.50", 123450),
        ("€ 12,50", 1250),
        ("₫150.000.000", 15000000000),
        ("֏ 15 000", 1500000),
        ("15 000 ֏", 1500000),
        ("₱ 2,500", 250000),
        ("+5", 500),
        # digits of other scripts, underscores as in Python
        ("\uff11\uff12\uff0c\uff15\uff10", 1250),  # fullwidth "12,50"
        ("١٢", 1200),
        ("1_000", 100000),
        ("9999999999.99", 999999999999),
    ],
)
def test_amounts_as_people_write_them(raw: str, cents: int) -> None:
    value = parse_amount(raw)
    assert int(value * 100) == cents
    assert value == value.quantize(Decimal("0.01"))  # always two decimals


def test_numbers_are_taken_as_they_are() -> None:
    assert str(parse_amount(Decimal("2.5"))) == "2.50"
    assert str(parse_amount(7)) == "7.00"
    assert str(parse_amount(0.1)) == "0.10"


COMMA = "write up to two decimals after the comma (12,50) or thousands in groups of three (12,345)"
MIXED = (
    "with both . and , the last one marks the decimals and the other groups thousands"
    " in threes (1,234.50 or 1.234,50)"
)
NEGATIVE = "(a sale recorded by mistake is deleted instead)"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("1,2345", f"ambiguous amount '1,2345': {COMMA}"),
        ("12,345,6", f"ambiguous amount '12,345,6': {COMMA}"),
        ("0,500", f"ambiguous amount '0,500': {COMMA}"),
        (",500", f"ambiguous amount ',500': {COMMA}"),
        ("1,23.50", f"ambiguous amount '1,23.50': {MIXED}"),
        ("1.234,5.6", f"ambiguous amount '1.234,5.6': {MIXED}"),
        (
            "1.23.456",
            "ambiguous amount '1.23.456': dots between thousands group digits in threes"
            " (1.234.567)",
        ),
        (
            "12 34",
            "ambiguous amount '12 34': a space groups thousands in threes (1 234 567,50)",
        ),
        ("12.345", "amount has more than two decimals: '12.345'"),
        ("150.000", "amount has more than two decimals: '150.000'"),
        ("1.234,567", "amount has more than two decimals: '1.234,567'"),
        ("0", "amount must be more than zero: '0'"),
        ("0,00", "amount must be more than zero: '0,00'"),
        ("-0", "amount must be more than zero: '-0'"),
        ("-5", f"amount cannot be negative: '-5' {NEGATIVE}"),
        ("-1,5", f"amount cannot be negative: '-1,5' {NEGATIVE}"),
        ("\u22125", f"amount cannot be negative: '\u22125' {NEGATIVE}"),
        ("-$5", f"amount cannot be negative: '-$5' {NEGATIVE}"),
        ("1e9", "write the amount in full, without an exponent: '1e9'"),
        ("1,5E3", "write the amount in full, without an exponent: '1,5E3'"),
        ("inf", "amount must be finite: 'inf'"),
        ("-Infinity", "amount must be finite: '-Infinity'"),
        ("NaN", "not a number: 'NaN'"),
        ("lots", "not an amount: 'lots'"),
        ("", "not an amount: ''"),
        ("$", "not an amount: '$'"),
        ("$5$", "not an amount: '$5$'"),
        ("1e3x", "not an amount: '1e3x'"),
        ("10000000000", "amount too large: '10000000000'"),
    ],
)
def test_amounts_refused_with_one_clear_message(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(raw)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("-1"), "amount cannot be negative: Decimal('-1')"),
        (float("inf"), "amount must be finite: inf"),
        (float("nan"), "not a number: nan"),
        (0, "amount must be more than zero: 0"),
    ],
)
def test_numbers_refused_too(value: Decimal | float, message: str) -> None:
    with pytest.raises(InvalidInput, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_amount(value)


def test_a_sale_with_a_decimal_comma_is_stored_in_cents(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Նարեկ Հակոբյան")
    record_sale(session, lead, amount="1,5", on=TODAY, now=NOW)
    record_sale(session, lead, amount="12,50", on=TODAY, now=NOW)
    record_sale(session, lead, amount="1.234,50", on=TODAY, now=NOW)
    stored = session.exec(select(Sale.amount_cents).order_by(col(Sale.id))).all()
    assert stored == [150, 1250, 123450]


# --- deleting a sale ----------------------------------------------------------------------


def test_deleting_the_last_sale_leaves_the_stage(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Nguyễn Thị Hương")
    sale = record_sale(session, lead, amount="150", on=TODAY, now=NOW)
    history = len(lead_detail(session, lead).history)
    gone = delete_sale(session, get_sale(session, sale.id or 0), now=LATER)
    assert (gone.sale.id, gone.lead.id, gone.sales_left) == (sale.id, lead.id, 0)
    assert gone.stage.name == "won"
    assert gone.stays_won
    assert session.exec(select(func.count()).select_from(Sale)).one() == 0
    detail = lead_detail(session, lead)
    assert (detail.stage.name, detail.customer, len(detail.history)) == ("won", "", history)
    assert lead.updated_at == LATER  # a change to the lead: an import's undo sees it
    rows = {r.name: r for r in list_leads(session, LeadQuery(), today=TODAY)}
    assert rows["Nguyễn Thị Hương"].sales == 0


def test_deleting_one_of_two_sales_keeps_a_customer(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Иван Петров")
    first = record_sale(session, lead, amount="10", on=TODAY, now=NOW)
    second = record_sale(session, lead, amount="20", on=TODAY, now=NOW)
    gone = delete_sale(session, second, now=NOW)
    assert (gone.sales_left, gone.stays_won) == (1, False)
    assert [s.id for s in lead_detail(session, lead).sales] == [first.id]
    assert lead_detail(session, lead).customer == "customer"


def test_deleting_the_last_sale_of_a_lead_moved_on_says_nothing_of_won(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Wei Chen")
    sale = record_sale(session, lead, amount="10", on=TODAY, now=NOW)
    move_lead(session, lead, resolve_stage(session, "nurturing"), now=NOW)
    gone = delete_sale(session, sale, now=NOW)
    assert (gone.stage.name, gone.sales_left, gone.stays_won) == ("nurturing", 0, False)


def test_unknown_ids_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match=r"^no sale #9$"):
        get_sale(session, 9)
    with pytest.raises(NotFound, match=r"^no note or contact #9$"):
        get_interaction(session, 9)
    with pytest.raises(NotFound, match=r"^no follow-up #9$"):
        get_followup(session, 9)


# --- deleting a note or contact -------------------------------------------------------------


def test_deleting_the_last_contact_goes_back_to_the_one_before(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Արամ Պետրոսյան")
    early = NOW - timedelta(days=3)
    log_interaction(session, lead, text="first call", at=early, kind="call")
    last = log_interaction(session, lead, text="gửi báo giá", at=NOW, kind="email")
    log_interaction(session, lead, text="likes the blue one", at=NOW, kind="note")
    assert lead.last_contact_at == NOW
    gone = delete_interaction(session, get_interaction(session, last.id or 0), now=LATER)
    assert (gone.item.kind, gone.item.text) == ("email", "gửi báo giá")
    assert (gone.last_contact_before, lead.last_contact_at) == (NOW, early)
    assert gone.last_contact_changed
    assert [i.kind for i in lead_detail(session, lead).interactions] == ["note", "call"]
    assert lead.updated_at == LATER


def test_deleting_the_only_contact_clears_last_contact(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria Santos")
    call = log_interaction(session, lead, text="", at=NOW, kind="call")
    gone = delete_interaction(session, call, now=NOW)
    assert lead.last_contact_at is None
    assert gone.last_contact_changed


def test_deleting_a_note_leaves_last_contact(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria Santos")
    log_interaction(session, lead, text="call", at=NOW, kind="call")
    note = log_interaction(session, lead, text="nota", at=LATER, kind="note")
    gone = delete_interaction(session, note, now=LATER)
    assert (lead.last_contact_at, gone.last_contact_changed) == (NOW, False)


def test_a_deleted_note_is_no_longer_searched(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Đặng Văn Lâm", tags=["hội chợ"])
    kept = log_interaction(session, lead, text="hỏi về giá sỉ", at=NOW)
    typo = log_interaction(session, lead, text="Бизнес-ланч", at=NOW)

    def found(text: str) -> list[str]:
        return [r.name for r in list_leads(session, LeadQuery(text=text), today=TODAY)]

    assert found("бизнес") == ["Đặng Văn Lâm"]
    delete_interaction(session, typo, now=NOW)
    assert found("бизнес") == []
    assert found("gia si") == ["Đặng Văn Lâm"]
    assert found("hoi cho") == ["Đặng Văn Lâm"]
    assert lead.search_text == search_text_for(lead, ["hội chợ"], [kept.text])


def test_undo_of_an_import_after_its_note_was_deleted_keeps_newer_notes(
    session: Session, make_lead: Callable[..., Lead], tmp_path: Path
) -> None:
    """Undo deletes the notes an import added by id; a deleted one is struck from its list,
    so a newer note that got the same id (SQLite reuses the last id) is not deleted."""
    lead = make_lead("Maria Santos", email="maria@example.com")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Notes\nMaria Santos,maria@example.com,met at the fair\n")
    report = import_file(session, path, ImportOptions(on_duplicate="merge"), now=NOW, today=TODAY)
    added = session.exec(select(Interaction).where(col(Interaction.lead_id) == lead.id)).one()
    delete_interaction(session, added, now=LATER)
    item = session.exec(select(ImportItem).where(col(ImportItem.lead_id) == lead.id)).one()
    assert (item.before or {})["notes_added"] == []
    newer = log_interaction(session, lead, text="called back", at=LATER, kind="call")
    undo_import(session, report.batch_id or 0, now=LATER, force=True)
    texts = session.exec(select(Interaction.text).where(col(Interaction.lead_id) == lead.id))
    assert list(texts) == ["called back"]
    assert newer.id is not None


def test_undo_without_force_sees_a_deleted_note_as_a_change(
    session: Session, make_lead: Callable[..., Lead], tmp_path: Path
) -> None:
    from prospectr.errors import Conflict

    lead = make_lead("Maria Santos", email="maria@example.com")
    path = tmp_path / "people.csv"
    path.write_text("Name,Email,Notes\nMaria Santos,maria@example.com,met at the fair\n")
    report = import_file(session, path, ImportOptions(on_duplicate="merge"), now=NOW, today=TODAY)
    added = session.exec(select(Interaction).where(col(Interaction.lead_id) == lead.id)).one()
    delete_interaction(session, added, now=LATER)
    with pytest.raises(Conflict, match="changed after import"):
        undo_import(session, report.batch_id or 0, now=LATER)


# --- cancelling a follow-up ------------------------------------------------------------------


def test_a_cancelled_followup_is_gone_from_today_and_lists(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Nguyễn Thị Hương")
    late = add_followup(session, lead, due=TODAY - timedelta(days=2), now=NOW, text="gọi lại")
    kept = add_followup(session, lead, due=TODAY, now=NOW, text="gửi mẫu")
    assert len(agenda(session, today=TODAY).overdue) == 1
    gone = cancel_followup(session, get_followup(session, late.id or 0), now=LATER)
    assert (gone.item.text, gone.lead.id, gone.needs_followup) == ("gọi lại", lead.id, False)
    assert session.exec(select(FollowUp.id)).all() == [kept.id]
    assert agenda(session, today=TODAY).overdue == []
    assert [f.id for f, _ in due_followups(session, today=TODAY, days=7)] == [kept.id]
    assert lead.updated_at == LATER


def test_a_done_followup_cannot_be_cancelled(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria Santos")
    item = add_followup(session, lead, due=TODAY, now=NOW)
    complete_followup(session, item, now=NOW)
    with pytest.raises(InvalidInput, match=rf"^follow-up #{item.id} is already done$"):
        cancel_followup(session, item, now=NOW)
    assert session.get(FollowUp, item.id) is not None


def test_cancelling_the_followup_a_not_now_lead_needs_says_so(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Иван Петров")
    move_lead(
        session, lead, resolve_stage(session, "not-now"), now=NOW, followup_due=TODAY + timedelta(7)
    )
    item = session.exec(select(FollowUp).where(col(FollowUp.lead_id) == lead.id)).one()
    gone = cancel_followup(session, item, now=NOW)
    assert (gone.stage.name, gone.needs_followup) == ("not-now", True)


def test_hot_lead_with_its_only_followup_cancelled_has_no_next_step_again(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    from prospectr.domain import qualify

    lead = make_lead("Wei Chen")
    qualify(session, lead, now=NOW, answers={"budget": "yes", "need": "yes", "timeline": "yes"})
    item = add_followup(session, lead, due=TODAY + timedelta(days=3), now=NOW)
    assert agenda(session, today=TODAY).hot == []
    cancel_followup(session, item, now=NOW)
    assert [h.id for h in agenda(session, today=TODAY).hot] == [lead.id]
