"""Search and listing: folding across scripts, fields searched, literal wildcards, filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from prospectr.domain import LeadQuery, count_matching, list_leads, qualify
from prospectr.domain.activity import add_followup, complete_followup, log_interaction
from prospectr.domain.stages import move_lead, stage_by_key
from prospectr.errors import InvalidInput, NotFound
from prospectr.models import Lead

from ..conftest import NOW, TODAY


def names(session: Session, **query: object) -> list[str]:
    rows = list_leads(session, LeadQuery(**query), today=TODAY, limit=None)  # type: ignore[arg-type]
    return [r.name for r in rows]


def found(session: Session, text: str) -> set[str]:
    return set(names(session, text=text))


@pytest.fixture
def world(make_lead: Callable[..., Lead]) -> None:
    make_lead("Nguyễn Văn An", city="Hà Nội")
    make_lead("Trần Thị Dũng")
    make_lead("Đặng Minh")
    make_lead("Иван Петров", city="Москва")
    make_lead("Արամ Պետրոսյան", city="Երևան")
    make_lead("王小明", company="北京贸易")
    make_lead("Maria Santos", email="Maria.Santos@Example.com", phone="+63 917 123 4567")
    make_lead("", company="Acme Widgets")


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nguyen", {"Nguyễn Văn An"}),
        ("NGUYEN van", {"Nguyễn Văn An"}),
        ("Nguyễn", {"Nguyễn Văn An"}),
        ("ha noi", {"Nguyễn Văn An"}),
        ("dung", {"Trần Thị Dũng"}),
        ("dũng", {"Trần Thị Dũng"}),
        ("dang", {"Đặng Minh"}),
        ("đặng", {"Đặng Minh"}),
        ("ĐẶNG", {"Đặng Minh"}),
        ("иван", {"Иван Петров"}),
        ("ИВАН", {"Иван Петров"}),
        ("иВаН пЕТ", {"Иван Петров"}),
        ("москва", {"Иван Петров"}),
        ("արամ", {"Արամ Պետրոսյան"}),
        ("ԱՐԱՄ", {"Արամ Պետրոսյան"}),
        ("小明", {"王小明"}),
        ("贸易", {"王小明"}),
        ("maria.santos@example.com", {"Maria Santos"}),
        ("EXAMPLE.COM", {"Maria Santos"}),
        ("9171234567", {"Maria Santos"}),
        ("917123", {"Maria Santos"}),
        ("acme", {"Acme Widgets"}),
        ("widgets", {"Acme Widgets"}),
        ("nobody-here", set()),
    ],
)
def test_search_folds_case_and_accents(session: Session, query: str, expected: set[str]) -> None:
    assert found(session, query) == expected


def test_empty_search_lists_everyone(session: Session, make_lead: Callable[..., Lead]) -> None:
    make_lead("A")
    make_lead("B")
    assert found(session, "") == {"A", "B"}
    assert found(session, "   ") == {"A", "B"}


def test_search_over_tags_and_notes(session: Session, make_lead: Callable[..., Lead]) -> None:
    make_lead("Tagged", tags=["VIP", "Fair 2026"])
    noted = make_lead("Noted", note="Asked about the Tết bundle")
    make_lead("Plain")
    assert found(session, "vip") == {"Tagged"}
    assert found(session, "fair 2026") == {"Tagged"}
    assert found(session, "tet bundle") == {"Noted"}
    log_interaction(session, noted, text="Prefers Zalo messages", at=NOW, kind="call")
    assert found(session, "zalo") == {"Noted"}


def test_like_wildcards_and_quotes_are_plain_data(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    make_lead("100% natural")
    make_lead("under_score")
    make_lead("underXscore")
    make_lead("'; DROP TABLE lead; --")
    make_lead("back\\slash")
    make_lead("Plain")
    assert found(session, "%") == {"100% natural"}
    assert found(session, "_") == {"under_score"}
    assert found(session, "under_s") == {"under_score"}
    assert found(session, "\\") == {"back\\slash"}
    assert found(session, "'; DROP TABLE lead; --") == {"'; DROP TABLE lead; --"}
    assert len(session.exec(select(Lead)).all()) == 6


@pytest.fixture
def filtered(session: Session, make_lead: Callable[..., Lead]) -> dict[str, Lead]:
    leads = {
        "Hot Hanh": make_lead("Hot Hanh", source="Referral", city="Da Nang", tags=["vip"]),
        "Warm Wen": make_lead("Warm Wen", source="facebook", city="da nang"),
        "Cold Cal": make_lead("Cold Cal", source="fair", city="Manila", tags=["VIP", "fair"]),
        "New Nora": make_lead("New Nora", source="referral", city="Manila"),
    }
    qualify(
        session,
        leads["Hot Hanh"],
        now=NOW,
        answers={"need": "yes", "budget": "yes", "timeline": "yes"},
    )
    qualify(session, leads["Warm Wen"], now=NOW, answers={"need": "yes"})
    qualify(session, leads["Cold Cal"], now=NOW, answers={"need": "no", "budget": "no"})
    add_followup(session, leads["Warm Wen"], due=TODAY - timedelta(days=2), now=NOW)
    add_followup(session, leads["New Nora"], due=TODAY + timedelta(days=3), now=NOW)
    done = add_followup(session, leads["Hot Hanh"], due=TODAY - timedelta(days=5), now=NOW)
    complete_followup(session, done, now=NOW)
    return leads


@pytest.mark.usefixtures("filtered")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"stage": "new"}, ["New Nora", "Warm Wen"]),
        ({"stage": "qualified"}, ["Hot Hanh"]),
        ({"stage": "COLD"}, ["Cold Cal"]),
        ({"temperature": "hot"}, ["Hot Hanh"]),
        ({"temperature": "warm"}, ["Warm Wen"]),
        ({"temperature": "cold"}, ["Cold Cal"]),
        ({"temperature": "unknown"}, ["New Nora"]),
        ({"temperature": "HOT"}, ["Hot Hanh"]),
        ({"source": "referral"}, ["Hot Hanh", "New Nora"]),
        ({"source": "REFERRAL"}, ["Hot Hanh", "New Nora"]),
        ({"tag": "vip"}, ["Cold Cal", "Hot Hanh"]),
        ({"tag": "Fair"}, ["Cold Cal"]),
        ({"city": "da nang"}, ["Hot Hanh", "Warm Wen"]),
        ({"city": "MANILA"}, ["Cold Cal", "New Nora"]),
        ({"due": True}, ["Warm Wen"]),
        ({"source": "referral", "temperature": "unknown"}, ["New Nora"]),
        ({"tag": "vip", "text": "hanh"}, ["Hot Hanh"]),
    ],
)
def test_filters(session: Session, query: dict[str, object], expected: list[str]) -> None:
    assert names(session, **query) == expected
    assert count_matching(session, LeadQuery(**query), today=TODAY) == len(expected)  # type: ignore[arg-type]


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize(
    ("city", "expected"),
    [
        ("Москва", ["Иван Петров"]),
        ("москва", ["Иван Петров"]),
        ("МОСКВА", ["Иван Петров"]),  # noqa: RUF001
        ("Hà Nội", ["Nguyễn Văn An"]),
        ("HÀ NỘI", ["Nguyễn Văn An"]),
        ("ha  noi", ["Nguyễn Văn An"]),
        ("երևան", ["Արամ Պետրոսյան"]),
        ("Mosc", []),
        ("Paris", []),
    ],
)
def test_city_filter_folds_case_and_accents_in_every_script(
    session: Session, city: str, expected: list[str]
) -> None:
    assert names(session, city=city) == expected


def test_unknown_stage_or_temperature_filter_is_refused(session: Session) -> None:
    with pytest.raises(NotFound):
        names(session, stage="nowhere")
    with pytest.raises(InvalidInput):
        names(session, temperature="lukewarm")
    with pytest.raises(InvalidInput):
        names(session, sort="shoe size")


def test_rows_carry_derived_values(session: Session, filtered: dict[str, Lead]) -> None:
    rows = {r.name: r for r in list_leads(session, LeadQuery(), today=TODAY)}
    assert rows["Hot Hanh"].temperature == "hot"
    assert rows["Hot Hanh"].stage == "qualified"
    assert rows["Hot Hanh"].next_followup is None  # its only follow-up is done
    assert rows["Warm Wen"].next_followup == TODAY - timedelta(days=2)
    assert rows["New Nora"].next_followup == TODAY + timedelta(days=3)
    assert rows["Cold Cal"].sales == 0
    assert rows["Warm Wen"].as_dict()["next_followup"] == "2026-11-22"


def test_sorting(session: Session, make_lead: Callable[..., Lead]) -> None:
    early = NOW - timedelta(days=3)
    make_lead("bravo", now=NOW - timedelta(days=1), company="Zeta")
    make_lead("Émile", now=early, company="Alpha")
    make_lead("alpha", now=NOW, company=None)
    assert names(session, sort="name") == ["alpha", "bravo", "Émile"]
    assert names(session, sort="name", descending=True) == ["Émile", "bravo", "alpha"]
    assert names(session, sort="created") == ["Émile", "bravo", "alpha"]
    assert names(session, sort="created", descending=True) == ["alpha", "bravo", "Émile"]
    # no company sorts last either way
    assert names(session, sort="company") == ["Émile", "bravo", "alpha"]
    assert names(session, sort="company", descending=True) == ["bravo", "Émile", "alpha"]


def test_sort_by_stage_and_followup(session: Session, make_lead: Callable[..., Lead]) -> None:
    a = make_lead("a")
    b = make_lead("b")
    c = make_lead("c")
    won = stage_by_key(session, "won")
    contacted = stage_by_key(session, "contacted")
    assert won is not None
    assert contacted is not None
    move_lead(session, a, won, now=NOW)
    move_lead(session, b, contacted, now=NOW)
    assert names(session, sort="stage") == ["c", "b", "a"]
    add_followup(session, a, due=date(2026, 12, 5), now=NOW)
    add_followup(session, c, due=date(2026, 12, 1), now=NOW)
    assert names(session, sort="followup") == ["c", "a", "b"]


def test_paging(session: Session, make_lead: Callable[..., Lead]) -> None:
    for i in range(12):
        make_lead(f"Lead {i:02d}", tags=["even" if i % 2 == 0 else "odd"])
    page1 = list_leads(session, LeadQuery(), today=TODAY, limit=5, offset=0)
    page2 = list_leads(session, LeadQuery(), today=TODAY, limit=5, offset=5)
    page3 = list_leads(session, LeadQuery(), today=TODAY, limit=5, offset=10)
    assert [r.name for r in page1] == [f"Lead {i:02d}" for i in range(5)]
    assert [r.name for r in page2] == [f"Lead {i:02d}" for i in range(5, 10)]
    assert [r.name for r in page3] == ["Lead 10", "Lead 11"]
    assert count_matching(session, LeadQuery(), today=TODAY) == 12
    assert count_matching(session, LeadQuery(tag="even"), today=TODAY) == 6
    evens = list_leads(session, LeadQuery(tag="even"), today=TODAY, limit=2, offset=2)
    assert [r.name for r in evens] == ["Lead 04", "Lead 06"]


def test_ids_filter(session: Session, make_lead: Callable[..., Lead]) -> None:
    a = make_lead("a")
    make_lead("b")
    c = make_lead("c")
    assert names(session, ids=[a.id, c.id]) == ["a", "c"]
    assert set(session.exec(select(Lead.name).where(col(Lead.id) == a.id))) == {"a"}
