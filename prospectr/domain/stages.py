"""Stage moves and the seller's pipeline configuration.

Moves are always allowed (domain.md rule 2) and always recorded with their
date. A stage that requires a reason (lost) refuses a move without one; a stage
that requires a follow-up (not-now) refuses a move without a follow-up date and
creates that follow-up. A follow-up date given for the stage the lead is already
in is still added. A move into a lost stage closes the lead's open follow-ups
(they were reasons to call someone who has now said no); a follow-up date given
with that move ("may I call you next year?") is added after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from prospectr.domain.leads import resolve_stage
from prospectr.domain.text import clean, clean_optional
from prospectr.errors import Conflict, InvalidInput, NotFound
from prospectr.models import STAGE_KINDS, FollowUp, Lead, Stage, StageHistory


def stage_by_key(session: Session, key: str) -> Stage | None:
    """A default stage by its stable key ("qualified", "cold", ...), if it still exists."""
    return session.exec(select(Stage).where(col(Stage.key) == key)).first()


def list_stages(session: Session, *, include_retired: bool = False) -> list[Stage]:
    """The pipeline in order."""
    stmt = select(Stage).order_by(col(Stage.position), col(Stage.id))
    if not include_retired:
        stmt = stmt.where(col(Stage.retired).is_(False))
    return list(session.exec(stmt))


def stage_counts(session: Session) -> dict[int, int]:
    """Number of leads in each stage, by stage id."""
    rows = session.exec(select(Lead.stage_id, func.count()).group_by(col(Lead.stage_id)))
    return {int(stage_id): int(n) for stage_id, n in rows}


@dataclass(frozen=True)
class Move:
    """What :func:`move_lead` did."""

    moved: bool  # False when the lead was already in the stage
    closed_followups: int = 0  # open follow-ups closed by a move into a lost stage
    followup: FollowUp | None = None  # the follow-up added (or moved) with the move
    # Already in a stage that asks for a follow-up: the date its open one had before.
    followup_was: date | None = None


def move_lead(
    session: Session,
    lead: Lead,
    stage: Stage,
    *,
    now: datetime,
    reason: str | None = None,
    followup_due: date | None = None,
    followup_text: str | None = None,
    automatic: bool = False,
) -> Move:
    """Move a lead to ``stage``.

    Already in ``stage``: nothing moves, but a follow-up date given is added;
    when the stage asks for one (not-now) and the lead has an open follow-up
    from a move into it, that one moves to the new date instead (giving the date
    again corrects it, it does not stack reminders).
    Into a lost stage: the lead's open follow-ups are marked done (``now``).

    Raises InvalidInput when the stage is retired, or needs a reason or a
    follow-up date that was not given.
    """
    reason = clean_optional(reason)
    if stage.retired:
        raise InvalidInput(f"stage {stage.name!r} is retired")
    already = stage.id == lead.stage_id
    if stage.requires_reason and not reason and not automatic and not already:
        raise InvalidInput(f"moving to {stage.name} needs a reason", field="reason")
    if stage.requires_followup and followup_due is None and not automatic and not already:
        raise InvalidInput(f"moving to {stage.name} needs a follow-up date", field="followup")
    assert lead.id is not None
    assert stage.id is not None
    closed = 0
    if not already:
        _record_move(session, lead, stage, now=now, reason=reason)
        lead.stage_id = stage.id
        lead.stage_since = now
        lead.updated_at = now
        if stage.kind == "lost":
            lead.lost_reason = reason
            closed = _close_open_followups(session, lead.id, now)
        session.add(lead)
    followup = None
    was = None
    if followup_due is not None:
        about = f"follow up ({stage.name})" + (f": {reason}" if reason else "")
        text = clean(followup_text) or about
        if already and stage.requires_followup:
            followup = _followup_of_move_into(session, lead.id, stage.id)
        if followup is not None:
            was = followup.due
            followup.due = followup_due
            if followup_text or reason:
                followup.text = text
            lead.updated_at = max(lead.updated_at, now)
            session.add(lead)
        else:
            followup = FollowUp(lead_id=lead.id, due=followup_due, text=text, created_at=now)
        session.add(followup)
    session.flush()
    return Move(moved=not already, closed_followups=closed, followup=followup, followup_was=was)


def _followup_of_move_into(session: Session, lead_id: int, stage_id: int) -> FollowUp | None:
    """The open follow-up the lead's latest move into the stage made, if still open.

    Found by when it was made (with the move, at the move's time), not by its
    text, which ``--followup-text`` or a stage rename may have changed.
    """
    entered = session.exec(
        select(func.max(col(StageHistory.at))).where(
            col(StageHistory.lead_id) == lead_id, col(StageHistory.to_stage_id) == stage_id
        )
    ).one()
    if entered is None:
        return None
    return session.exec(
        select(FollowUp)
        .where(
            col(FollowUp.lead_id) == lead_id,
            col(FollowUp.done_at).is_(None),
            col(FollowUp.created_at) == entered,
        )
        .order_by(col(FollowUp.id))  # the move's own comes before any added at that time
    ).first()


def _close_open_followups(session: Session, lead_id: int, now: datetime) -> int:
    """Mark a lead's open follow-ups done at ``now``; how many there were."""
    items = session.exec(
        select(FollowUp).where(col(FollowUp.lead_id) == lead_id, col(FollowUp.done_at).is_(None))
    ).all()
    for item in items:
        item.done_at = now
        session.add(item)
    return len(items)


def _record_move(
    session: Session, lead: Lead, stage: Stage, *, now: datetime, reason: str | None
) -> None:
    """Add the history row of a move, with the stay it ends (``from_at``, ``stay_days``).

    The stay began at the lead's latest move at or before ``now`` (the new row
    comes after every row with the same time). A move dated before a later one
    also becomes where that later move's stay began.
    """
    moves = col(StageHistory.lead_id) == lead.id
    at = col(StageHistory.at)
    began = session.exec(select(func.max(at)).where(moves, at <= now)).one()
    session.add(
        StageHistory(
            lead_id=lead.id or 0,
            from_stage_id=lead.stage_id,
            to_stage_id=stage.id or 0,
            at=now,
            reason=reason,
            from_at=began,
            stay_days=(now.date() - began.date()).days if began is not None else None,
        )
    )
    later = session.exec(
        select(StageHistory).where(moves, at > now).order_by(at, col(StageHistory.id)).limit(1)
    ).first()
    if later is not None and later.from_stage_id is not None:
        later.from_at = now
        later.stay_days = (later.at.date() - now.date()).days
        session.add(later)


def stage_history(session: Session, lead_id: int) -> list[tuple[StageHistory, str | None, str]]:
    """A lead's moves, oldest first, with the from and to stage names."""
    names = {s.id: s.name for s in session.exec(select(Stage))}
    rows = session.exec(
        select(StageHistory)
        .where(col(StageHistory.lead_id) == lead_id)
        .order_by(col(StageHistory.at), col(StageHistory.id))
    )
    return [
        (h, names.get(h.from_stage_id) if h.from_stage_id else None, names[h.to_stage_id])
        for h in rows
    ]


def _check_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    name = clean(name)
    if not name:
        raise InvalidInput("a stage needs a name")
    if name.isdigit():
        raise InvalidInput("a stage name cannot be only digits")
    for stage in session.exec(select(Stage)):
        if stage.id != exclude_id and stage.name.casefold() == name.casefold():
            raise Conflict(f"there is already a stage named {stage.name!r}")
    return name


def _renumber(session: Session, ordered: list[Stage]) -> None:
    for i, stage in enumerate(ordered):
        stage.position = i
        session.add(stage)
    session.flush()


def add_stage(
    session: Session,
    name: str,
    *,
    kind: str = "open",
    before: str | None = None,
    requires_reason: bool = False,
    requires_followup: bool = False,
) -> Stage:
    """Add a stage. Open stages go after the last open stage unless ``before`` names one."""
    name = _check_name(session, name)
    if kind not in STAGE_KINDS:
        raise InvalidInput(f"stage kind must be one of {', '.join(STAGE_KINDS)}, not {kind!r}")
    ordered = list_stages(session, include_retired=True)
    if before is not None:
        anchor = resolve_stage(session, before)
        index = next(i for i, s in enumerate(ordered) if s.id == anchor.id)
    elif kind == "open":
        opens = [i for i, s in enumerate(ordered) if s.kind == "open"]
        index = opens[-1] + 1 if opens else 0
    else:
        index = len(ordered)
    stage = Stage(
        name=name,
        kind=kind,
        position=0,
        requires_reason=requires_reason or kind == "lost",
        requires_followup=requires_followup,
    )
    session.add(stage)
    ordered.insert(index, stage)
    _renumber(session, ordered)
    return stage


def rename_stage(session: Session, stage: Stage, new_name: str) -> Stage:
    """Rename a stage (its history follows, since history keeps stage ids)."""
    stage.name = _check_name(session, new_name, exclude_id=stage.id)
    session.add(stage)
    session.flush()
    return stage


def reorder_stage(session: Session, stage: Stage, position: int) -> list[Stage]:
    """Put a stage at ``position`` (1-based) in the pipeline."""
    ordered = [s for s in list_stages(session, include_retired=True) if s.id != stage.id]
    if not 1 <= position <= len(ordered) + 1:
        raise InvalidInput(f"position must be between 1 and {len(ordered) + 1}")
    ordered.insert(position - 1, stage)
    _renumber(session, ordered)
    return ordered


def retire_stage(session: Session, stage: Stage) -> Stage:
    """Retire a stage: hidden from the board and from moves; refused while leads are in it."""
    if stage.retired:
        raise InvalidInput(f"stage {stage.name!r} is already retired")
    in_use = stage_counts(session).get(stage.id or 0, 0)
    if in_use:
        raise Conflict(
            f"stage {stage.name!r} still has {in_use} lead(s); move them to another stage first"
        )
    active = [s for s in list_stages(session) if s.id != stage.id]
    if not any(s.kind == "open" for s in active):
        raise Conflict("the pipeline needs at least one open stage")
    stage.retired = True
    session.add(stage)
    session.flush()
    return stage


def restore_stage(session: Session, stage: Stage) -> Stage:
    """Bring a retired stage back."""
    if not stage.retired:
        raise NotFound(f"stage {stage.name!r} is not retired")
    stage.retired = False
    session.add(stage)
    session.flush()
    return stage


def neighbour_stage(session: Session, lead: Lead, step: int) -> Stage | None:
    """The next (step=1) or previous (step=-1) active stage of the pipeline, if any."""
    ordered = list_stages(session)
    ids = [s.id for s in ordered]
    if lead.stage_id not in ids:
        return None
    index = ids.index(lead.stage_id) + step
    return ordered[index] if 0 <= index < len(ordered) else None
