"""Each move records the stay it ends (``from_at``, ``stay_days``): what velocity reads.

The definition the stored values must match: a move's stay began at the lead's
previous move in time order (ties by id), and lasted date(at) - date(from_at) days.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from prospectr.domain.leads import add_lead, resolve_stage
from prospectr.domain.reports import build_report
from prospectr.domain.stages import move_lead
from prospectr.models import Lead, Stage, StageHistory

from .dataset import TODAY


def stays(session: Session, lead: Lead) -> list[tuple[str, datetime | None, int | None]]:
    """(to stage, from_at, stay_days) of each history row of ``lead``, in time order."""
    names = {s.id: s.name for s in session.exec(select(Stage))}
    rows = session.exec(
        select(StageHistory)
        .where(col(StageHistory.lead_id) == lead.id)
        .order_by(col(StageHistory.at), col(StageHistory.id))
    )
    return [(names[h.to_stage_id], h.from_at, h.stay_days) for h in rows]


def test_a_move_records_when_the_stay_began_and_its_days(session: Session) -> None:
    lead = add_lead(session, now=datetime(2026, 3, 1, 23, 50), name="Maria Santos")
    move_lead(session, lead, resolve_stage(session, "qualified"), now=datetime(2026, 3, 2, 0, 5))
    move_lead(session, lead, resolve_stage(session, "contacted"), now=datetime(2026, 3, 2, 0, 5))
    move_lead(session, lead, resolve_stage(session, "won"), now=datetime(2026, 3, 31, 9, 0))
    assert stays(session, lead) == [
        ("new", None, None),  # a first entry ends no stay
        ("qualified", datetime(2026, 3, 1, 23, 50), 1),  # 15 minutes, but another day
        ("contacted", datetime(2026, 3, 2, 0, 5), 0),  # same minute: after the move before
        ("won", datetime(2026, 3, 2, 0, 5), 29),
    ]


def test_a_move_dated_before_a_later_one_becomes_where_that_stay_began(
    session: Session,
) -> None:
    lead = add_lead(session, now=datetime(2026, 5, 1, 10, 0), name="Иван Петров")
    move_lead(session, lead, resolve_stage(session, "contacted"), now=datetime(2026, 5, 20, 10, 0))
    # Recorded afterwards, dated in between: the contacted move's stay now begins here.
    move_lead(session, lead, resolve_stage(session, "qualified"), now=datetime(2026, 5, 8, 10, 0))
    assert stays(session, lead) == [
        ("new", None, None),
        ("qualified", datetime(2026, 5, 1, 10, 0), 7),
        ("contacted", datetime(2026, 5, 8, 10, 0), 12),
    ]
    # Velocity counts each stay under the stage the move left (as recorded): the move to
    # contacted left "new" (12 days, 05-08 to 05-20), the later-recorded move to
    # qualified left "contacted" (7 days, 05-01 to 05-08). The lead is now in
    # qualified since that move (05-08): 200 days to 2026-11-24, still running.
    velocity = build_report(session, today=TODAY, sections=["velocity"]).sections["velocity"]
    found = {r.stage: (r.stays, r.median_days) for r in velocity.rows if r.stays}
    assert found == {"new": (1, 12.0), "contacted": (1, 7.0), "qualified": (1, 200.0)}
