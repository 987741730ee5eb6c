"""BANT qualification: the answers are stored, temperature and score are derived.

Rules (domain.md, "Qualification: BANT"):
- unknown: nothing answered, or no "yes" and fewer than two "no";
- cold: two or more "no" (objections that cannot be resolved);
- hot: need, budget and timeline are all "yes";
- warm: at least one "yes" otherwise.
Score: 25 points per "yes" (0-100).
Moves: a lead in the first stage with three or more "yes" moves to *qualified*;
an open lead with two or more "no" moves to the *cold* stage (a parked stage, so
it leaves the active board but stays on the list). Both moves go to stage history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from prospectr.domain.leads import first_stage
from prospectr.domain.text import clean_optional
from prospectr.errors import InvalidInput
from prospectr.models import Lead, Stage

BANT = ("budget", "authority", "need", "timeline")
TEMPERATURES = ("hot", "warm", "cold", "unknown")
_ANSWER_WORDS = {
    "y": "yes",
    "yes": "yes",
    "true": "yes",
    "1": "yes",
    "n": "no",
    "no": "no",
    "false": "no",
    "0": "no",
    "?": "unknown",
    "u": "unknown",
    "unknown": "unknown",
    "": "unknown",
}


def parse_answer(value: str) -> str:
    """``y``/``yes``, ``n``/``no``, ``?``/``unknown`` -> the stored answer."""
    answer = _ANSWER_WORDS.get(value.strip().lower())
    if answer is None:
        raise InvalidInput(f"BANT answer must be yes, no or unknown, not {value!r}")
    return answer


def temperature(answers: Mapping[str, str]) -> str:
    """The temperature the four answers imply (see the module rules)."""
    values = [answers.get(k, "unknown") for k in BANT]
    yes = values.count("yes")
    no = values.count("no")
    if no >= 2:
        return "cold"
    if all(answers.get(k) == "yes" for k in ("need", "budget", "timeline")):
        return "hot"
    if yes >= 1:
        return "warm"
    return "unknown"


def score(answers: Mapping[str, str]) -> int:
    """25 points for every "yes"."""
    return 25 * sum(1 for k in BANT if answers.get(k) == "yes")


def answers_of(lead: Lead) -> dict[str, str]:
    """The four stored answers of a lead."""
    return {k: str(getattr(lead, k)) for k in BANT}


def lead_temperature(lead: Lead) -> str:
    """The lead's derived temperature."""
    return temperature(answers_of(lead))


def explain(answers: Mapping[str, str]) -> str:
    """Why the temperature is what it is, in one line."""
    temp = temperature(answers)
    yes = [k for k in BANT if answers.get(k) == "yes"]
    no = [k for k in BANT if answers.get(k) == "no"]
    if temp == "cold":
        return f"cold: two or more 'no' ({', '.join(no)})"
    if temp == "hot":
        return "hot: need, budget and timeline are all 'yes'"
    if temp == "warm":
        return f"warm: 'yes' on {', '.join(yes)}; hot needs need, budget and timeline"
    return "unknown: no 'yes' yet and fewer than two 'no'"


def _count(value: str) -> ColumnElement[int]:
    """SQL: how many of the four answers equal ``value``."""
    b, a, n, t = (case((col(getattr(Lead, k)) == value, 1), else_=0) for k in BANT)
    return b + a + n + t


def temperature_clause(temp: str) -> ColumnElement[bool]:
    """A SQL condition true exactly for leads of this temperature (mirrors ``temperature``)."""
    if temp not in TEMPERATURES:
        raise InvalidInput(f"temperature must be one of {', '.join(TEMPERATURES)}, not {temp!r}")
    no2 = _count("no") >= 2
    hot = and_(col(Lead.need) == "yes", col(Lead.budget) == "yes", col(Lead.timeline) == "yes")
    any_yes = _count("yes") >= 1
    if temp == "cold":
        return no2
    if temp == "hot":
        return and_(~no2, hot)
    if temp == "warm":
        return and_(~no2, ~hot, any_yes)
    return and_(~no2, ~hot, ~any_yes)


def temperature_expr() -> ColumnElement[str]:
    """A SQL expression giving each lead's temperature (for grouping and sorting)."""
    return case(
        (temperature_clause("cold"), "cold"),
        (temperature_clause("hot"), "hot"),
        (temperature_clause("warm"), "warm"),
        else_="unknown",
    )


@dataclass
class QualifyResult:
    """What qualifying did: the temperature now, and a stage move if one happened."""

    temperature: str
    score: int
    moved_to: str | None


def qualify(
    session: Session,
    lead: Lead,
    *,
    now: datetime,
    answers: Mapping[str, str] | None = None,
    notes: Mapping[str, str | None] | None = None,
) -> QualifyResult:
    """Set any subset of the BANT answers (and notes), then apply the automatic moves."""
    from prospectr.domain.stages import move_lead, stage_by_key

    for key, value in (answers or {}).items():
        if key not in BANT:
            raise InvalidInput(f"unknown BANT question {key!r}")
        setattr(lead, key, parse_answer(value))
    for key, note in (notes or {}).items():
        if key not in BANT:
            raise InvalidInput(f"unknown BANT question {key!r}")
        setattr(lead, f"{key}_note", clean_optional(note))
    lead.updated_at = now
    session.add(lead)
    current = answers_of(lead)
    yes = sum(1 for v in current.values() if v == "yes")
    no = sum(1 for v in current.values() if v == "no")
    stage = session.get(Stage, lead.stage_id)
    moved_to: str | None = None
    target: Stage | None = None
    if yes >= 3 and stage is not None and stage.id == first_stage(session).id:
        target = stage_by_key(session, "qualified")
        reason = "BANT: three or more yes"
    elif no >= 2 and stage is not None and stage.kind == "open":
        target = stage_by_key(session, "cold")
        reason = "BANT: two or more no"
    if target is not None and not target.retired and target.id != lead.stage_id:
        move_lead(session, lead, target, now=now, reason=reason, automatic=True)
        moved_to = target.name
    session.flush()
    return QualifyResult(temperature(current), score(current), moved_to)


__all__ = [
    "BANT",
    "TEMPERATURES",
    "QualifyResult",
    "answers_of",
    "explain",
    "lead_temperature",
    "parse_answer",
    "qualify",
    "score",
    "temperature",
    "temperature_clause",
    "temperature_expr",
]
