"""BANT: temperature and score derived from the answers, SQL mirror, automatic moves."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from prospectr.domain import qualify
from prospectr.domain.bant import (
    BANT,
    explain,
    parse_answer,
    score,
    temperature,
    temperature_clause,
    temperature_expr,
)
from prospectr.domain.stages import move_lead, stage_by_key, stage_history
from prospectr.errors import InvalidInput
from prospectr.models import Lead, Stage

from ..conftest import NOW

Y, N, U = "yes", "no", "unknown"

# (budget, authority, need, timeline) -> (temperature, score)
BANT_TABLE = [
    # nothing answered
    ((U, U, U, U), "unknown", 0),
    # one "no" alone is not cold, and no "yes" means unknown
    ((N, U, U, U), "unknown", 0),
    ((U, U, U, N), "unknown", 0),
    # hot: need, budget and timeline yes (authority does not matter)
    ((Y, Y, Y, Y), "hot", 100),
    ((Y, U, Y, Y), "hot", 75),
    ((Y, N, Y, Y), "hot", 75),
    # warm: some yes, not hot, fewer than two no
    ((Y, U, U, U), "warm", 25),
    ((U, Y, U, U), "warm", 25),
    ((U, U, Y, U), "warm", 25),
    ((U, U, U, Y), "warm", 25),
    ((Y, Y, Y, U), "warm", 75),
    ((Y, Y, U, Y), "warm", 75),
    ((U, Y, Y, Y), "warm", 75),
    ((Y, Y, Y, N), "warm", 75),
    ((N, Y, Y, Y), "warm", 75),
    ((Y, U, Y, N), "warm", 50),
    ((N, Y, U, U), "warm", 25),
    # cold: two or more no wins over any yes
    ((N, N, U, U), "cold", 0),
    ((U, U, N, N), "cold", 0),
    ((N, U, N, U), "cold", 0),
    ((Y, N, Y, N), "cold", 50),
    ((N, Y, Y, N), "cold", 50),
    ((N, N, Y, Y), "cold", 50),
    ((N, N, N, Y), "cold", 25),
    ((N, N, N, N), "cold", 0),
]


@pytest.mark.parametrize(("answers", "expected_temp", "expected_score"), BANT_TABLE)
def test_bant_table(answers: tuple[str, ...], expected_temp: str, expected_score: int) -> None:
    mapping = dict(zip(BANT, answers, strict=True))
    assert temperature(mapping) == expected_temp
    assert score(mapping) == expected_score
    assert explain(mapping).startswith(expected_temp)


def test_missing_answers_count_as_unknown() -> None:
    assert temperature({}) == "unknown"
    assert temperature({"need": "yes"}) == "warm"
    assert temperature({"need": "yes", "budget": "yes", "timeline": "yes"}) == "hot"
    assert temperature({"need": "no", "budget": "no"}) == "cold"
    assert score({"authority": "yes"}) == 25


@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        *[("y", Y), ("YES", Y), (" true ", Y), ("1", Y)],
        *[("n", N), ("No", N), ("0", N)],
        *[("?", U), ("u", U), ("unknown", U), ("", U)],
    ],
)
def test_parse_answer(raw: str, answer: str) -> None:
    assert parse_answer(raw) == answer


@pytest.mark.parametrize("raw", ["maybe", "yess", "2"])
def test_parse_answer_refuses_other_words(raw: str) -> None:
    with pytest.raises(InvalidInput):
        parse_answer(raw)


def test_temperature_clause_rejects_unknown_name() -> None:
    with pytest.raises(InvalidInput):
        temperature_clause("lukewarm")


def test_sql_temperature_agrees_with_python_for_all_81_combinations(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    expected: dict[int, str] = {}
    for combo in itertools.product((Y, N, U), repeat=4):
        lead = make_lead(" ".join(combo))
        for key, value in zip(BANT, combo, strict=True):
            setattr(lead, key, value)
        session.add(lead)
        assert lead.id is not None
        expected[lead.id] = temperature(dict(zip(BANT, combo, strict=True)))
    session.flush()
    assert len(expected) == 81
    for temp in ("hot", "warm", "cold", "unknown"):
        in_sql = set(session.exec(select(Lead.id).where(temperature_clause(temp))))
        in_python = {i for i, t in expected.items() if t == temp}
        assert in_sql == in_python, temp
        assert in_python, f"no combination is {temp}"
    by_expr = dict(session.exec(select(Lead.id, temperature_expr())).all())
    assert by_expr == expected


def _stage(session: Session, key: str) -> Stage:
    stage = stage_by_key(session, key)
    assert stage is not None
    return stage


def test_three_yes_in_first_stage_moves_to_qualified(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria Santos")
    assert lead.stage_id == _stage(session, "new").id
    result = qualify(session, lead, now=NOW, answers={"budget": "y", "need": "y", "authority": "y"})
    assert result.moved_to == "qualified"
    assert result.temperature == "warm"
    assert result.score == 75
    assert lead.stage_id == _stage(session, "qualified").id
    assert lead.stage_since == NOW
    history = stage_history(session, lead.id or 0)
    assert [(frm, to) for _, frm, to in history] == [(None, "new"), ("new", "qualified")]
    assert history[-1][0].reason == "BANT: three or more yes"
    assert history[-1][0].at == NOW


def test_two_no_moves_open_lead_to_cold(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Ivan")
    contacted = _stage(session, "contacted")
    move_lead(session, lead, contacted, now=NOW)
    result = qualify(session, lead, now=NOW, answers={"budget": "no", "timeline": "no"})
    assert result.temperature == "cold"
    assert result.moved_to == "cold"
    assert lead.stage_id == _stage(session, "cold").id
    history = stage_history(session, lead.id or 0)
    assert [(frm, to) for _, frm, to in history][-1] == ("contacted", "cold")
    assert history[-1][0].reason == "BANT: two or more no"


def test_three_yes_outside_first_stage_does_not_move(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Aram")
    nurturing = _stage(session, "nurturing")
    move_lead(session, lead, nurturing, now=NOW)
    before = len(stage_history(session, lead.id or 0))
    result = qualify(session, lead, now=NOW, answers=dict.fromkeys(BANT, "yes"))
    assert result.moved_to is None
    assert result.temperature == "hot"
    assert lead.stage_id == nurturing.id
    assert len(stage_history(session, lead.id or 0)) == before


def test_two_no_on_parked_lead_does_not_move(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Parked")
    not_now = _stage(session, "not_now")
    move_lead(session, lead, not_now, now=NOW, followup_due=NOW.date())
    result = qualify(session, lead, now=NOW, answers={"need": "no", "budget": "no"})
    assert result.moved_to is None
    assert lead.stage_id == not_now.id


def test_qualify_sets_notes_and_keeps_other_answers(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Notes")
    qualify(session, lead, now=NOW, answers={"need": "yes"}, notes={"need": "  wants a fridge  "})
    qualify(session, lead, now=NOW, answers={"budget": "no"})
    assert (lead.budget, lead.authority, lead.need, lead.timeline) == (N, U, Y, U)
    assert lead.need_note == "wants a fridge"
    stored = session.exec(select(Lead).where(col(Lead.id) == lead.id)).one()
    assert stored.need == "yes"


def test_qualify_refuses_unknown_question_and_bad_answer(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Bad")
    with pytest.raises(InvalidInput):
        qualify(session, lead, now=NOW, answers={"money": "yes"})
    with pytest.raises(InvalidInput):
        qualify(session, lead, now=NOW, answers={"need": "perhaps"})
