"""Reports that ask for action: stale leads (with their thresholds) and lost reasons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, ClassVar

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from prospectr.domain.report_base import NO_SOURCE, ReportData, as_datetime, pipeline_of
from prospectr.errors import InvalidInput
from prospectr.models import Lead, Setting, StageHistory

DEFAULT_STALE_DAYS: dict[str, int] = {"new": 7, "contacted": 14, "nurturing": 30, "default": 14}
STALE_SETTING = "stale_days"
MAX_STALE_DAYS = 3650
NO_REASON = "(no reason)"

# --- stale ----------------------------------------------------------------------------


def stale_settings(session: Session) -> dict[str, int]:
    """The stored ``stale_days`` setting merged over the defaults (stage key or name -> days)."""
    row = session.get(Setting, STALE_SETTING)
    merged = dict(DEFAULT_STALE_DAYS)
    if row is not None and isinstance(row.value, dict):
        for key, days in row.value.items():
            if isinstance(days, int) and not isinstance(days, bool) and days > 0:
                merged[str(key)] = days
    return merged


def stale_thresholds(session: Session) -> dict[str, int]:
    """Days without interaction after which a lead is stale, per active open stage name."""
    settings = stale_settings(session)
    folded = {k.casefold(): v for k, v in settings.items()}
    out: dict[str, int] = {}
    for stage in pipeline_of(session).active:
        if stage.kind != "open":
            continue
        days = settings.get(stage.key or "") or folded.get(stage.name.casefold())
        out[stage.name] = days or settings["default"]
    return out


def set_stale_thresholds(session: Session, assignments: Iterable[str]) -> dict[str, int]:
    """Store thresholds from ``STAGE=DAYS`` items (``default=DAYS`` for the other stages).

    A stage is named by name or key and must be an active open stage. Returns the
    effective thresholds. Raises InvalidInput with the offending item.
    """
    from prospectr.domain.leads import resolve_stage

    row = session.get(Setting, STALE_SETTING)
    stored: dict[str, int] = dict(row.value) if row and isinstance(row.value, dict) else {}
    for item in assignments:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value.isdigit():
            raise InvalidInput(f"stale threshold must be STAGE=DAYS, not {item!r}")
        days = int(value)
        if not 1 <= days <= MAX_STALE_DAYS:
            raise InvalidInput(f"stale days must be between 1 and {MAX_STALE_DAYS}: {item!r}")
        if name.casefold() == "default":
            stored["default"] = days
            continue
        stage = resolve_stage(session, name)
        if stage.kind != "open" or stage.retired:
            raise InvalidInput(
                f"stale thresholds apply to active open stages; {stage.name!r} is not"
            )
        stored[stage.key or stage.name] = days
    if row is None:
        row = Setting(key=STALE_SETTING)
    row.value = stored
    session.add(row)
    session.flush()
    return stale_thresholds(session)


def reset_stale_thresholds(session: Session) -> dict[str, int]:
    """Forget the stored thresholds: back to the defaults."""
    row = session.get(Setting, STALE_SETTING)
    if row is not None:
        session.delete(row)
        session.flush()
    return stale_thresholds(session)


@dataclass
class StaleLead:
    """An open lead nobody has talked to for too long."""

    lead_id: int
    name: str
    stage: str
    source: str | None
    last_at: datetime
    days: int
    threshold: int

    def as_dict(self) -> dict[str, Any]:
        """The row's ``--json`` / ``--csv`` shape."""
        return {
            "id": self.lead_id,
            "name": self.name,
            "stage": self.stage,
            "source": self.source,
            "last_interaction": self.last_at.isoformat(timespec="seconds"),
            "days": self.days,
            "threshold": self.threshold,
        }


@dataclass
class Stale:
    """Stale open leads, oldest first (``leads`` may be cut at a limit; ``total`` is not)."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = (
        "id",
        "name",
        "stage",
        "source",
        "last_interaction",
        "days",
        "threshold",
    )

    thresholds: dict[str, int]
    by_stage: list[tuple[str, int]]
    leads: list[StaleLead] = field(default_factory=list)

    @property
    def total(self) -> int:
        """All stale leads, however many are listed."""
        return sum(n for _, n in self.by_stage)

    def as_dict(self) -> dict[str, Any]:
        """The ``report stale --json`` shape."""
        return {
            "thresholds": self.thresholds,
            "total": self.total,
            "by_stage": [{"stage": s, "leads": n} for s, n in self.by_stage],
            "leads": [x.as_dict() for x in self.leads],
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per listed lead."""
        return [x.as_dict() for x in self.leads]


def stale(data: ReportData, *, limit: int | None = None) -> Stale:
    """Open leads with no interaction for their stage's threshold, oldest first.

    ``limit`` cuts the list (not the counts).
    """
    session, today = data.session, data.today
    thresholds = stale_thresholds(session)
    opens = [s for s in data.pipe.active if s.kind == "open"]
    if not opens:
        return Stale(thresholds, [])
    cutoffs = {
        s.id: datetime.combine(today - timedelta(days=thresholds[s.name] - 1), time.min)
        for s in opens
    }
    t = data.open_leads(last=True).c
    cutoff = case(*((t.stage_id == sid, at) for sid, at in cutoffs.items()))
    stale_now = t.last < cutoff  # NULL, so not stale, in a stage without threshold
    counts: dict[int | None, int] = {
        int(sid): int(n)
        for sid, n in data.run(
            select(t.stage_id, func.count()).where(stale_now).group_by(t.stage_id)
        )
    }
    by_stage = [(s.name, int(counts[s.id])) for s in opens if counts.get(s.id)]
    names = {s.id: s.name for s in opens}
    oldest = select(t.lead_id, t.stage_id, t.last).where(stale_now).order_by(t.last, t.lead_id)
    if limit is not None:
        oldest = oldest.limit(limit)
    listed = oldest.subquery()
    stmt = (
        select(
            listed.c.lead_id,
            col(Lead.name),
            col(Lead.company),
            listed.c.stage_id,
            col(Lead.source),
            listed.c.last,
        )
        .join(Lead, col(Lead.id) == listed.c.lead_id)
        .order_by(listed.c.last, listed.c.lead_id)
    )
    leads = []
    for lead_id, name, company, stage_id, source, last_at in data.run(stmt):
        when = as_datetime(last_at)
        leads.append(
            StaleLead(
                lead_id=int(lead_id),
                name=name or company or f"#{lead_id}",
                stage=names[stage_id],
                source=source,
                last_at=when,
                days=(today - when.date()).days,
                threshold=thresholds[names[stage_id]],
            )
        )
    return Stale(thresholds, by_stage, leads)


# --- lost reasons ---------------------------------------------------------------------


@dataclass
class LostSource:
    """Lost leads of one source, by reason."""

    source: str
    leads: int
    reasons: list[tuple[str, int]]


@dataclass
class Lost:
    """Why leads were lost: by reason, and by source."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = ("source", "reason", "leads")

    total: int
    by_reason: list[tuple[str, int]]
    by_source: list[LostSource]

    def as_dict(self) -> dict[str, Any]:
        """The ``report lost --json`` shape."""
        return {
            "total": self.total,
            "by_reason": [{"reason": r, "leads": n} for r, n in self.by_reason],
            "by_source": [
                {
                    "source": s.source,
                    "leads": s.leads,
                    "reasons": [{"reason": r, "leads": n} for r, n in s.reasons],
                }
                for s in self.by_source
            ],
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per (source, reason)."""
        return [
            {"source": s.source, "reason": r, "leads": n}
            for s in self.by_source
            for r, n in s.reasons
        ]


def lost_reasons(data: ReportData) -> Lost:
    """Counts of lost leads by reason and by source, most frequent first."""
    flt = data.flt
    lost_ids = data.pipe.ids("lost")
    if not lost_ids:
        return Lost(0, [], [])
    moved = (
        select(col(StageHistory.reason))
        .where(
            col(StageHistory.lead_id) == col(Lead.id),
            col(StageHistory.to_stage_id).in_(lost_ids),
            col(StageHistory.reason).is_not(None),
        )
        .order_by(col(StageHistory.at).desc(), col(StageHistory.id).desc())
        .limit(1)
        .correlate(Lead)
        .scalar_subquery()
    )
    reason = func.lower(func.coalesce(col(Lead.lost_reason), moved, NO_REASON))
    source = func.coalesce(col(Lead.source), NO_SOURCE)
    rows = data.run(
        select(source, reason, func.count())
        .where(col(Lead.stage_id).in_(lost_ids), *flt.lead_conditions())
        .group_by(source, reason)
    ).all()
    per_reason: dict[str, int] = defaultdict(int)
    per_source: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for src, why, n in rows:
        per_reason[str(why)] += int(n)
        per_source[str(src)].append((str(why), int(n)))
    by_reason = sorted(per_reason.items(), key=lambda x: (-x[1], x[0]))
    by_source = [
        LostSource(src, sum(n for _, n in rs), sorted(rs, key=lambda x: (-x[1], x[0])))
        for src, rs in per_source.items()
    ]
    by_source.sort(key=lambda s: (-s.leads, s.source))
    return Lost(sum(per_reason.values()), by_reason, by_source)
