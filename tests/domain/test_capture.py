"""Capture: validation, normalisation, cleaning, duplicates, edits, referrals."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from prospectr.domain import (
    add_lead,
    delete_lead,
    edit_lead,
    find_duplicate,
    resolve_lead,
    update_lead,
)
from prospectr.domain.leads import lead_tags, normalize_tags
from prospectr.domain.text import clean, fold, normalize_email, phone_key
from prospectr.errors import Ambiguous, DuplicateLead, InvalidInput, NotFound
from prospectr.models import Interaction, Lead, LeadTag, StageHistory

from ..conftest import NOW

LATER = NOW + timedelta(hours=1)


def count(session: Session, model: type) -> int:
    return len(session.exec(select(model)).all())


# --- text rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Maria@Example.COM", "maria@example.com"),
        ("  ann.lee+shop@mail.co.uk ", "ann.lee+shop@mail.co.uk"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_email(raw: str | None, expected: str | None) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["maria", "maria@", "@example.com", "maria@example", "a@b@c.com", "a b@c.com", "a@.com"]
)
def test_invalid_email_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+63 917 123 4567", "639171234567"),
        ("(02) 555-0199", "025550199"),
        ("555.0199", "5550199"),
        ("", None),
        (None, None),
    ],
)
def test_phone_key(raw: str | None, expected: str | None) -> None:
    assert phone_key(raw) == expected


@pytest.mark.parametrize("raw", ["123456", "12-34-56", "call me", "+1 (23)"])
def test_short_phone_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        phone_key(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Maria   Santos  ", "Maria Santos"),
        ("Ann\x1b[31mRed\x07", "AnnRed"),
        # A lone C1 control (Windows-1252 text read as Latin-1) or an unterminated
        # sequence loses only its control characters, never the text after it.
        ("Bo\x9eena Nov\u00e1kov\u00e1", "Boena Nov\u00e1kov\u00e1"),
        ("\x9bQuoted\x8b Shop", "Quoted Shop"),
        ("x\x1b]unterminated name", "xunterminated name"),
        ("Esc\x1b]0;title\x07ape", "Escape"),
        ("Zero\u200bWidth\u200d", "ZeroWidth"),
        ("\u202eevil\u202c name", "evil name"),
        ("line\nbreak\ttab", "line break tab"),
        ("Maria\r\nSantos", "Maria Santos"),
        ("a\u2028b", "a b"),
        ("a \x1b b", "a b"),
        ("Nguye\u0302\u0303n", "Nguyễn"),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_multiline_keeps_newlines_and_tabs() -> None:
    assert clean(" first\r\nsecond\tcol\x1b \n", multiline=True) == "first\nsecond\tcol"


def test_fold() -> None:
    assert fold("Nguyễn Văn Đức") == "nguyen van duc"
    assert fold("ИВАН") == "иван"
    assert fold("Արամ") == "արամ"
    assert fold("Straße") == "strasse"


# --- add_lead --------------------------------------------------------------------


def test_add_lead_normalizes_everything(session: Session) -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    lead = add_lead(
        session,
        now=NOW,
        name=f"  {decomposed}\u200b ",
        email=" NGUYEN@Example.com ",
        phone="+84 90 123 4567",
        company=" Phở\x1b[2J Co ",
        city="  Hà Nội ",
        source=" Facebook ",
        tags=["VIP", "vip", " Fair , Tết "],
        birthday="--02-29",
        custom={" size ": " M "},
    )
    assert lead.name == "Nguyễn Văn An"
    assert unicodedata.is_normalized("NFC", lead.name)
    assert lead.name_key == "nguyen van an"
    assert lead.email == "nguyen@example.com"
    assert lead.phone == "+84 90 123 4567"
    assert lead.phone_key == "84901234567"
    assert lead.company == "Phở Co"
    assert lead.city == "Hà Nội"
    assert lead.source == "facebook"
    assert lead_tags(session, lead.id or 0) == ["fair", "tết", "vip"]
    assert (lead.bday_month, lead.bday_day, lead.bday_year, lead.bday_md) == (2, 29, None, 229)
    assert lead.custom == {"size": "M"}
    assert lead.created_at == NOW
    assert lead.updated_at == NOW
    history = session.exec(select(StageHistory).where(col(StageHistory.lead_id) == lead.id)).all()
    assert [(h.from_stage_id, h.to_stage_id, h.at) for h in history] == [(None, lead.stage_id, NOW)]


def test_normalize_tags() -> None:
    assert normalize_tags(["B", "a,b", " ", "A ", "Mẹ  bỉm"]) == ["b", "a", "mẹ bỉm"]


def test_first_note_is_logged(session: Session) -> None:
    lead = add_lead(session, now=NOW, name="Noted", note="  met at the fair\n  ")
    notes = session.exec(select(Interaction).where(col(Interaction.lead_id) == lead.id)).all()
    assert [(n.kind, n.text, n.at) for n in notes] == [("note", "met at the fair", NOW)]
    assert lead.last_contact_at is None


def test_name_required_unless_company(session: Session) -> None:
    with pytest.raises(InvalidInput):
        add_lead(session, now=NOW, name="   ")
    with pytest.raises(InvalidInput):
        add_lead(session, now=NOW, name="\u200b\x1b")
    assert count(session, Lead) == 0
    lead = add_lead(session, now=NOW, name="", company="Acme")
    assert lead.name == ""
    assert lead.name_key == "acme"


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "not-an-email"},
        {"phone": "12345"},
        {"birthday": "2001-02-29"},
        {"birthday": "02-30"},
        {"shoe_size": "42"},
    ],
)
def test_bad_field_refused_and_nothing_written(session: Session, fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        add_lead(session, now=NOW, name="Bad", **fields)
    assert count(session, Lead) == 0
    assert count(session, StageHistory) == 0


def test_duplicate_email_refused_even_if_case_differs(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    first = make_lead("Maria Santos", email="maria@example.com")
    with pytest.raises(DuplicateLead) as info:
        make_lead("Maria S.", email="MARIA@Example.com")
    assert info.value.existing_id == first.id
    assert "email maria@example.com" in str(info.value)
    assert count(session, Lead) == 1


def test_duplicate_phone_refused_even_if_formatting_differs(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    first = make_lead("Maria Santos", phone="+63 917 123 4567")
    with pytest.raises(DuplicateLead) as info:
        make_lead("Another Maria", phone="63-917-123-4567")
    assert info.value.existing_id == first.id
    assert count(session, Lead) == 1


def test_force_adds_a_duplicate(session: Session, make_lead: Callable[..., Lead]) -> None:
    make_lead("Maria Santos", email="maria@example.com")
    make_lead("Maria Santos", email="maria@example.com", force=True)
    assert count(session, Lead) == 2


def test_same_name_alone_is_not_a_duplicate(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    make_lead("Maria Santos")
    make_lead("Maria Santos")
    assert count(session, Lead) == 2


def test_find_duplicate(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("X", email="x@example.com", phone="555 0100 99")
    assert find_duplicate(session, email=None, phone_key=None) is None
    hit = find_duplicate(session, email="x@example.com", phone_key=None)
    assert hit is not None
    assert hit[0].id == lead.id
    hit = find_duplicate(session, email=None, phone_key="555010099")
    assert hit is not None
    assert hit[1] == "phone 555 0100 99"
    email = "x@example.com"
    assert find_duplicate(session, email=email, phone_key=None, exclude_id=lead.id) is None


# --- update_lead -------------------------------------------------------------------


def test_update_keeps_its_own_email_and_phone(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria", email="maria@example.com", phone="0917 123 4567")
    update_lead(session, lead, now=LATER, email="Maria@Example.com", phone="09171234567")
    assert lead.email == "maria@example.com"
    assert lead.phone == "09171234567"
    assert lead.updated_at == LATER
    assert lead.created_at == NOW


def test_edit_names_only_what_changed(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead(
        "Maria", email="maria@example.com", phone="0917 123 4567", tags=["vip"], city="Cebu"
    )
    same = edit_lead(
        session,
        lead,
        now=LATER,
        city=" Cebu ",
        email="MARIA@example.com",
        phone="0917 123 4567",
        tags=["VIP"],
        birthday=None,
    )
    assert same == []
    assert lead.updated_at == NOW  # nothing changed, so not "updated" either
    changed = edit_lead(
        session, lead, now=LATER, tags=["vip", "b"], city="Cebu", birthday="03-15", phone=""
    )
    assert changed == ["tags", "birthday", "phone"]
    assert lead.updated_at == LATER
    assert (lead.bday_md, lead.phone, lead.phone_key) == (315, None, None)
    assert lead_tags(session, lead.id or 0) == ["b", "vip"]


def test_update_refuses_another_leads_email_or_phone(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    make_lead("Maria", email="maria@example.com", phone="0917 123 4567")
    other = make_lead("Ana", email="ana@example.com")
    with pytest.raises(DuplicateLead):
        update_lead(session, other, now=LATER, email="MARIA@example.com")
    with pytest.raises(DuplicateLead):
        update_lead(session, other, now=LATER, phone="(0917) 123-4567")
    update_lead(session, other, now=LATER, email="maria@example.com", force=True)
    assert other.email == "maria@example.com"


def test_update_refreshes_search_and_tags(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Old Name", tags=["a"], note="likes tea")
    update_lead(session, lead, now=LATER, name="Đức Mới", tags=["B", "c"])
    assert lead.name_key == "duc moi"
    assert "duc moi" in lead.search_text
    assert "likes tea" in lead.search_text
    assert "old name" not in lead.search_text
    assert lead_tags(session, lead.id or 0) == ["b", "c"]
    update_lead(session, lead, now=LATER, city="Huế")
    assert lead_tags(session, lead.id or 0) == ["b", "c"]  # tags untouched when not given


def test_update_cannot_empty_the_name_without_company(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Someone")
    with pytest.raises(InvalidInput):
        update_lead(session, lead, now=LATER, name="")


def test_update_clears_birthday(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("B", birthday="1990-03-15")
    update_lead(session, lead, now=LATER, birthday="")
    assert (lead.bday_month, lead.bday_day, lead.bday_year, lead.bday_md) == (None,) * 4


# --- referrals and references ---------------------------------------------------------


def test_referred_by_resolves_by_name_or_id(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    maria = make_lead("Maria Santos")
    by_name = make_lead("Friend One", referred_by="maria")
    by_id = make_lead("Friend Two", referred_by=f"#{maria.id}")
    assert by_name.referred_by_id == maria.id
    assert by_id.referred_by_id == maria.id
    with pytest.raises(NotFound):
        make_lead("Friend Three", referred_by="nobody at all")
    update_lead(session, by_name, now=LATER, referred_by=None)
    assert by_name.referred_by_id is None


def test_deleting_the_referrer_keeps_the_referred(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    maria = make_lead("Maria Santos")
    friend = make_lead("Friend", referred_by="Maria Santos")
    delete_lead(session, maria)
    session.expire_all()
    stored = session.get(Lead, friend.id)
    assert stored is not None
    assert stored.referred_by_id is None


def test_resolve_lead(session: Session, make_lead: Callable[..., Lead]) -> None:
    an = make_lead("Nguyễn Văn An")
    make_lead("Nguyễn Thị Bình")
    ann = make_lead("Ann")
    make_lead("Anna")
    assert resolve_lead(session, str(an.id)).id == an.id
    assert resolve_lead(session, f"#{an.id}").id == an.id
    assert resolve_lead(session, "van an").id == an.id
    assert resolve_lead(session, "ann").id == ann.id  # an exact name wins over fragments
    with pytest.raises(Ambiguous) as info:
        resolve_lead(session, "nguyen")
    assert sorted(name for _, name in info.value.candidates) == ["Nguyễn Thị Bình", "Nguyễn Văn An"]
    with pytest.raises(NotFound):
        resolve_lead(session, "zzz")
    with pytest.raises(NotFound):
        resolve_lead(session, "#999")
    with pytest.raises(InvalidInput):
        resolve_lead(session, "  ")


def test_resolve_lead_fragment_wildcards_are_literal(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    make_lead("a_b")
    make_lead("axb")
    assert resolve_lead(session, "_").name == "a_b"
    assert count(session, LeadTag) == 0
