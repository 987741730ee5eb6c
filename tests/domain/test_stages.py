"""Stage moves (history, reasons, follow-ups) and the seller's pipeline configuration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from prospectr.domain import (
    add_stage,
    list_stages,
    move_lead,
    neighbour_stage,
    rename_stage,
    reorder_stage,
    resolve_stage,
    restore_stage,
    retire_stage,
    stage_counts,
)
from prospectr.domain.stages import stage_history
from prospectr.errors import Conflict, InvalidInput, NotFound
from prospectr.models import FollowUp, Lead, StageHistory

from ..conftest import NOW

LATER = NOW + timedelta(days=2)


def names(session: Session, include_retired: bool = False) -> list[str]:
    return [s.name for s in list_stages(session, include_retired=include_retired)]


def moves(session: Session, lead: Lead) -> list[tuple[str | None, str, str | None]]:
    return [(frm, to, h.reason) for h, frm, to in stage_history(session, lead.id or 0)]


def test_default_pipeline(session: Session) -> None:
    assert names(session) == [
        "new",
        "qualified",
        "contacted",
        "nurturing",
        "won",
        "lost",
        "not-now",
        "cold",
    ]
    kinds = {s.name: s.kind for s in list_stages(session)}
    assert kinds["won"] == "won"
    assert kinds["lost"] == "lost"
    assert kinds["not-now"] == "parked"
    assert resolve_stage(session, "NOT-NOW").name == "not-now"
    assert resolve_stage(session, "not_now").name == "not-now"
    with pytest.raises(NotFound):
        resolve_stage(session, "limbo")


def test_move_records_history_with_date_and_reason(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Maria")
    contacted = resolve_stage(session, "contacted")
    assert move_lead(session, lead, contacted, now=LATER, reason="  called her ").moved is True
    assert lead.stage_id == contacted.id
    assert lead.stage_since == LATER
    assert lead.updated_at == LATER
    assert moves(session, lead) == [(None, "new", None), ("new", "contacted", "called her")]
    assert stage_history(session, lead.id or 0)[-1][0].at == LATER
    # moving backwards is allowed too
    move_lead(session, lead, resolve_stage(session, "new"), now=LATER)
    assert moves(session, lead)[-1] == ("contacted", "new", None)


def test_move_to_the_same_stage_records_nothing(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Same")
    assert move_lead(session, lead, resolve_stage(session, "new"), now=LATER).moved is False
    assert len(moves(session, lead)) == 1


@pytest.mark.parametrize("reason", [None, "", "   ", "\u200b"])
def test_lost_without_reason_refused_and_nothing_changes(
    session: Session, make_lead: Callable[..., Lead], reason: str | None
) -> None:
    lead = make_lead("Ivan")
    before_stage = lead.stage_id
    with pytest.raises(InvalidInput, match="reason"):
        move_lead(session, lead, resolve_stage(session, "lost"), now=LATER, reason=reason)
    assert lead.stage_id == before_stage
    assert lead.stage_since == NOW
    assert lead.lost_reason is None
    assert len(session.exec(select(StageHistory)).all()) == 1


def test_lost_with_reason_keeps_it(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Ivan")
    move_lead(session, lead, resolve_stage(session, "lost"), now=LATER, reason="bought elsewhere")
    assert lead.lost_reason == "bought elsewhere"
    assert moves(session, lead)[-1] == ("new", "lost", "bought elsewhere")


def test_not_now_without_followup_refused(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Aram")
    with pytest.raises(InvalidInput, match="follow-up"):
        move_lead(session, lead, resolve_stage(session, "not-now"), now=LATER, reason="busy")
    assert resolve_stage(session, "new").id == lead.stage_id
    assert session.exec(select(FollowUp)).all() == []
    assert len(session.exec(select(StageHistory)).all()) == 1


def test_not_now_with_date_creates_the_followup(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Aram")
    due = date(2027, 1, 15)
    not_now = resolve_stage(session, "not-now")
    move_lead(session, lead, not_now, now=LATER, reason="after Tết", followup_due=due)
    assert lead.stage_id == not_now.id
    followups = session.exec(select(FollowUp).where(col(FollowUp.lead_id) == lead.id)).all()
    assert [(f.due, f.text, f.created_at, f.done_at) for f in followups] == [
        (due, "follow up (not-now): after Tết", LATER, None)
    ]
    assert moves(session, lead)[-1] == ("new", "not-now", "after Tết")


def test_a_new_not_now_date_moves_the_open_not_now_follow_up(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Again")
    not_now = resolve_stage(session, "not-now")
    move_lead(session, lead, not_now, now=NOW, followup_due=date(2027, 1, 8))
    move = move_lead(
        session, lead, not_now, now=LATER, followup_due=date(2027, 3, 1), followup_text="call back"
    )
    assert (move.moved, move.followup_was) == (False, date(2027, 1, 8))
    assert move.followup is not None
    assert move.followup.text == "call back"
    rows = session.exec(select(FollowUp.due, FollowUp.text).order_by(col(FollowUp.due))).all()
    assert rows == [(date(2027, 3, 1), "call back")]  # moved, not stacked
    assert moves(session, lead) == [(None, "new", None), ("new", "not-now", None)]


def test_a_follow_up_for_the_stage_the_lead_is_in_is_added_when_none_is_open(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Again")
    not_now = resolve_stage(session, "not-now")
    first = move_lead(session, lead, not_now, now=NOW, followup_due=date(2027, 1, 8))
    assert first.followup is not None
    first.followup.done_at = LATER  # called back already
    session.add(first.followup)
    move = move_lead(session, lead, not_now, now=LATER, followup_due=date(2027, 3, 1))
    assert (move.moved, move.followup_was) == (False, None)
    rows = session.exec(select(FollowUp.due).order_by(col(FollowUp.due))).all()
    assert rows == [date(2027, 1, 8), date(2027, 3, 1)]
    new = resolve_stage(session, "new")
    moved_back = move_lead(session, lead, new, now=LATER, followup_due=date(2027, 4, 1))
    assert moved_back.followup_was is None  # only a stage that asks for a date moves one


def test_lost_closes_the_open_followups(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead, other = make_lead("Said no"), make_lead("Other")
    not_now = resolve_stage(session, "not-now")
    move_lead(session, lead, not_now, now=NOW, followup_due=date(2027, 1, 8))
    move_lead(session, other, not_now, now=NOW, followup_due=date(2027, 1, 9))
    lost = resolve_stage(session, "lost")
    move = move_lead(session, lead, lost, now=LATER, reason="price")
    assert (move.moved, move.closed_followups, move.followup) == (True, 1, None)
    done = session.exec(select(FollowUp.lead_id, FollowUp.done_at).order_by(col(FollowUp.id)))
    assert done.all() == [(lead.id, LATER), (other.id, None)]
    # "May I call you next year?": a date given with the move stays open.
    again = make_lead("Maybe later")
    move_lead(session, again, not_now, now=NOW, followup_due=date(2027, 1, 8))
    move = move_lead(
        session, again, lost, now=LATER, reason="timing", followup_due=date(2027, 6, 1)
    )
    assert move.closed_followups == 1
    still_open = select(FollowUp.due).where(
        col(FollowUp.lead_id) == again.id, col(FollowUp.done_at).is_(None)
    )
    assert session.exec(still_open).all() == [date(2027, 6, 1)]


def test_moving_to_a_stage_it_is_in_needs_no_reason(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Gone")
    lost = resolve_stage(session, "lost")
    move_lead(session, lead, lost, now=NOW, reason="price")
    assert move_lead(session, lead, lost, now=LATER).moved is False
    assert lead.lost_reason == "price"


def test_followup_text_is_kept(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Text")
    move_lead(
        session,
        lead,
        resolve_stage(session, "not-now"),
        now=LATER,
        followup_due=date(2027, 2, 1),
        followup_text="ask about the new catalogue",
    )
    assert session.exec(select(FollowUp.text)).one() == "ask about the new catalogue"


def test_add_stage_goes_after_the_last_open_stage(session: Session) -> None:
    add_stage(session, "meeting")
    assert names(session)[:6] == ["new", "qualified", "contacted", "nurturing", "meeting", "won"]
    add_stage(session, "demo", before="meeting")
    assert names(session)[3:6] == ["nurturing", "demo", "meeting"]
    add_stage(session, "archived", kind="parked")
    assert names(session)[-1] == "archived"
    gone = add_stage(session, "gone", kind="lost")
    assert gone.requires_reason is True
    positions = [s.position for s in list_stages(session, include_retired=True)]
    assert positions == list(range(len(positions)))


@pytest.mark.parametrize(
    ("name", "kind", "error"),
    [
        ("Won", "open", Conflict),
        ("  ", "open", InvalidInput),
        ("42", "open", InvalidInput),
        ("demo", "weird", InvalidInput),
    ],
)
def test_add_stage_refusals(session: Session, name: str, kind: str, error: type) -> None:
    with pytest.raises(error):
        add_stage(session, name, kind=kind)
    assert len(names(session, include_retired=True)) == 8


def test_rename_keeps_history(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Rename")
    contacted = resolve_stage(session, "contacted")
    move_lead(session, lead, contacted, now=LATER)
    rename_stage(session, contacted, "  called ")
    assert contacted.name == "called"
    assert moves(session, lead)[-1] == ("new", "called", None)
    assert resolve_stage(session, "called").id == contacted.id
    # the stable key still finds the renamed default stage
    assert resolve_stage(session, "contacted").id == contacted.id
    with pytest.raises(Conflict):
        rename_stage(session, contacted, "WON")
    rename_stage(session, contacted, "Called")  # a case change of itself is fine
    assert contacted.name == "Called"


def test_reorder(session: Session) -> None:
    won = resolve_stage(session, "won")
    reorder_stage(session, won, 1)
    assert names(session)[:3] == ["won", "new", "qualified"]
    reorder_stage(session, won, 8)
    assert names(session)[-1] == "won"
    with pytest.raises(InvalidInput):
        reorder_stage(session, won, 0)
    with pytest.raises(InvalidInput):
        reorder_stage(session, won, 10)


def test_retire_and_restore(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("Mover")
    nurturing = resolve_stage(session, "nurturing")
    retire_stage(session, nurturing)
    assert "nurturing" not in names(session)
    assert "nurturing" in names(session, include_retired=True)
    with pytest.raises(InvalidInput, match="retired"):
        move_lead(session, lead, nurturing, now=LATER)
    assert len(moves(session, lead)) == 1
    with pytest.raises(InvalidInput):
        retire_stage(session, nurturing)
    restore_stage(session, nurturing)
    assert "nurturing" in names(session)
    move_lead(session, lead, nurturing, now=LATER)
    assert lead.stage_id == nurturing.id
    with pytest.raises(NotFound):
        restore_stage(session, nurturing)


def test_retiring_a_stage_in_use_is_refused(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    lead = make_lead("Busy")
    contacted = resolve_stage(session, "contacted")
    move_lead(session, lead, contacted, now=LATER)
    with pytest.raises(Conflict, match="1 lead"):
        retire_stage(session, contacted)
    assert contacted.retired is False
    assert stage_counts(session) == {contacted.id: 1}
    move_lead(session, lead, resolve_stage(session, "qualified"), now=LATER)
    retire_stage(session, contacted)
    assert contacted.retired is True


def test_the_last_open_stage_cannot_be_retired(session: Session) -> None:
    opens = [s for s in list_stages(session) if s.kind == "open"]
    for stage in opens[:-1]:
        retire_stage(session, stage)
    with pytest.raises(Conflict):
        retire_stage(session, opens[-1])


def test_new_leads_start_in_the_first_open_stage(
    session: Session, make_lead: Callable[..., Lead]
) -> None:
    reorder_stage(session, resolve_stage(session, "qualified"), 1)
    lead = make_lead("First")
    assert lead.stage_id == resolve_stage(session, "qualified").id
    other = make_lead("Placed", stage="contacted")
    assert other.stage_id == resolve_stage(session, "contacted").id


def test_neighbour_stage(session: Session, make_lead: Callable[..., Lead]) -> None:
    lead = make_lead("N")
    nxt = neighbour_stage(session, lead, 1)
    assert nxt is not None
    assert nxt.name == "qualified"
    assert neighbour_stage(session, lead, -1) is None
