"""Reports on the pipeline: funnel, sources, velocity (definitions in ``reports``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlmodel import col

from prospectr.domain.report_base import (
    PATH_KINDS,
    ReportData,
    cents_text,
    histograms,
    ratio,
)
from prospectr.models import Lead, StageHistory

# --- funnel ---------------------------------------------------------------------------


@dataclass
class FunnelRow:
    """One stage of the funnel."""

    stage: str
    kind: str
    reached: int
    share: float | None
    next_stage: str | None = None
    to_next: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The row's ``--json`` / ``--csv`` shape."""
        return {
            "stage": self.stage,
            "kind": self.kind,
            "reached": self.reached,
            "share": self.share,
            "next_stage": self.next_stage,
            "to_next": self.to_next,
        }


@dataclass
class Funnel:
    """How many leads reached each stage, and the conversion along the path."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = (
        "stage",
        "kind",
        "reached",
        "share",
        "next_stage",
        "to_next",
    )

    leads: int
    rows: list[FunnelRow]

    def as_dict(self) -> dict[str, Any]:
        """The ``report funnel --json`` shape."""
        return {"leads": self.leads, "stages": [r.as_dict() for r in self.rows]}

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per stage."""
        return [r.as_dict() for r in self.rows]


def funnel(data: ReportData) -> Funnel:
    """Leads that reached each stage (from stage history) and stage-to-stage conversion."""
    s, facts, pipe = data.session, data.facts, data.pipe
    by_top: dict[int | None, int] = {
        top: int(n)
        for top, n in s.execute(
            select(facts.c.top, func.count()).where(*data.cohort(facts)).group_by(facts.c.top)
        )
    }
    leads = sum(by_top.values())
    exits = [st.id for st in pipe.active if st.kind not in PATH_KINDS]
    exit_counts: dict[int, int] = {}
    if exits:
        conds = [col(StageHistory.to_stage_id).in_(exits)]
        if data.flt.source or data.flt.tag or data.flt.since or data.flt.until:
            members = select(facts.c.lead_id).where(*data.cohort(facts))
            conds.append(col(StageHistory.lead_id).in_(members))
        exit_counts = {
            int(sid): int(n)
            for sid, n in s.execute(
                select(
                    col(StageHistory.to_stage_id), func.count(func.distinct(StageHistory.lead_id))
                )
                .where(*conds)
                .group_by(col(StageHistory.to_stage_id))
            )
        }
    path = pipe.active_path
    reached_path = {
        st.id: sum(n for top, n in by_top.items() if top is not None and top >= st.position)
        for st in path
    }
    rows: list[FunnelRow] = []
    for stage in pipe.active:
        if stage.kind in PATH_KINDS:
            reached = reached_path[stage.id]
            row = FunnelRow(stage.name, stage.kind, reached, ratio(reached, leads))
            index = path.index(stage)
            if index + 1 < len(path):
                nxt = path[index + 1]
                row.next_stage = nxt.name
                row.to_next = ratio(reached_path[nxt.id], reached)
        else:
            reached = exit_counts.get(stage.id or 0, 0)
            row = FunnelRow(stage.name, stage.kind, reached, ratio(reached, leads))
        rows.append(row)
    return Funnel(leads, rows)


# --- sources --------------------------------------------------------------------------


@dataclass
class SourceRow:
    """One channel: how many leads it brought, and how many bought."""

    source: str
    leads: int
    qualified: int
    won: int
    revenue_cents: int
    median_days_to_sale: float | None

    @property
    def conversion(self) -> float | None:
        """Won / leads."""
        return ratio(self.won, self.leads)

    def as_dict(self) -> dict[str, Any]:
        """The row's ``--json`` / ``--csv`` shape."""
        return {
            "source": self.source,
            "leads": self.leads,
            "qualified": self.qualified,
            "won": self.won,
            "conversion": self.conversion,
            "revenue": cents_text(self.revenue_cents),
            "revenue_cents": self.revenue_cents,
            "median_days_to_sale": self.median_days_to_sale,
        }


@dataclass
class Sources:
    """Per source, best first (conversion, then revenue)."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = (
        "source",
        "leads",
        "qualified",
        "won",
        "conversion",
        "revenue",
        "revenue_cents",
        "median_days_to_sale",
    )

    rows: list[SourceRow]

    def as_dict(self) -> dict[str, Any]:
        """The ``report sources --json`` shape."""
        return {"sources": [r.as_dict() for r in self.rows]}

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per source."""
        return [r.as_dict() for r in self.rows]


def sources(data: ReportData) -> Sources:
    """Leads, qualified, won, conversion, revenue and median days to first sale per source."""
    s, f = data.session, data.facts
    sold = f.c.sales > 0
    qualified = sold
    if data.pipe.qualified_position is not None:
        qualified = or_(f.c.top >= data.pipe.qualified_position, sold)
    won = or_(f.c.won_at.is_not(None), sold)
    totals = s.execute(
        select(
            f.c.source,
            func.count(),
            func.sum(case((qualified, 1), else_=0)),
            func.sum(case((won, 1), else_=0)),
            func.sum(f.c.cents),
        )
        .where(*data.cohort(f))
        .group_by(f.c.source)
    ).all()
    days = (data.day(f.c.first_sale) - data.day(f.c.created_at)).label("days")
    medians = histograms(
        s.execute(
            select(f.c.source, days, func.count())
            .where(f.c.first_sale.is_not(None), *data.cohort(f))
            .group_by(f.c.source, days)
        )
    )
    rows = [
        SourceRow(
            source=str(src),
            leads=int(n),
            qualified=int(q or 0),
            won=int(w or 0),
            revenue_cents=int(rev or 0),
            median_days_to_sale=medians[src].median if src in medians else None,
        )
        for src, n, q, w, rev in totals
    ]
    rows.sort(key=lambda r: (-(r.conversion or 0), -r.revenue_cents, -r.leads, r.source))
    return Sources(rows)


# --- velocity -------------------------------------------------------------------------


@dataclass
class VelocityRow:
    """Days spent in one stage."""

    stage: str
    kind: str
    stays: int
    median_days: float | None
    p90_days: float | None

    def as_dict(self) -> dict[str, Any]:
        """The row's ``--json`` / ``--csv`` shape."""
        return {
            "stage": self.stage,
            "kind": self.kind,
            "stays": self.stays,
            "median_days": self.median_days,
            "p90_days": self.p90_days,
        }


@dataclass
class Velocity:
    """Median and 90th percentile days per stage, in pipeline order."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = ("stage", "kind", "stays", "median_days", "p90_days")

    rows: list[VelocityRow]

    def as_dict(self) -> dict[str, Any]:
        """The ``report velocity --json`` shape."""
        return {"stages": [r.as_dict() for r in self.rows]}

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per stage."""
        return [r.as_dict() for r in self.rows]


def velocity(data: ReportData) -> Velocity:
    """Median and p90 days per stay in each stage (see the module notes for open stays).

    A finished stay ends at a move out of the stage (``from_stage_id``) and began
    at the lead's previous move, found by an indexed lookup rather than a window
    function (SQLite's are slow on large tables).
    """
    s, flt = data.session, data.flt
    h, prev = StageHistory, aliased(StageHistory)
    earlier = or_(
        col(prev.at) < col(h.at),
        and_(col(prev.at) == col(h.at), col(prev.id) < col(h.id)),
    )
    began = (
        select(func.max(prev.at))
        .where(col(prev.lead_id) == col(h.lead_id), earlier)
        .correlate(h)
        .scalar_subquery()
    )
    finished = select(
        col(h.from_stage_id).label("stage_id"),
        (data.day(col(h.at)) - data.day(began)).label("days"),
    ).where(col(h.from_stage_id).is_not(None), *flt.on_lead_id(col(h.lead_id)))
    open_ids = data.pipe.ids("open")
    since = func.coalesce(col(Lead.stage_since), col(Lead.created_at))
    ongoing = select(
        col(Lead.stage_id).label("stage_id"),
        (literal(data.day_of(data.today)) - data.day(since)).label("days"),
    ).where(col(Lead.stage_id).in_(open_ids), *flt.lead_conditions())
    stays = union_all(finished, ongoing).subquery()
    found = histograms(
        s.execute(
            select(stays.c.stage_id, stays.c.days, func.count()).group_by(
                stays.c.stage_id, stays.c.days
            )
        )
    )
    rows = []
    for stage in data.pipe.active:
        q = found.get(stage.id)
        rows.append(
            VelocityRow(
                stage.name,
                stage.kind,
                q.n if q else 0,
                q.median if q else None,
                q.p90 if q else None,
            )
        )
    return Velocity(rows)
