"""Reports on the pipeline: funnel, sources, velocity (definitions in ``reports``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import func, literal, select
from sqlmodel import col

from prospectr.domain.report_base import (
    PATH_KINDS,
    ReportData,
    cents_text,
    histograms,
    ratio,
)
from prospectr.models import StageHistory

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
    pipe, sums = data.pipe, data.facts_sums("funnel")
    by_top: dict[int | None, int] = {}
    for (top, _, _), (leads, _, _) in sums.cells.items():
        by_top[top] = by_top.get(top, 0) + leads
    leads = sum(by_top.values())
    exit_counts = sums.exits
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
    sums = data.facts_sums("sources")
    qualified_from = data.pipe.qualified_position
    totals: dict[str, list[int]] = {}  # source -> [leads, qualified, won, cents]
    for (top, source, sold), (leads, won_moves, cents) in sums.cells.items():
        row = totals.setdefault(str(source), [0, 0, 0, 0])
        qualified = sold or (
            qualified_from is not None and top is not None and top >= qualified_from
        )
        row[0] += leads
        row[1] += leads if qualified else 0
        row[2] += leads if sold else won_moves
        row[3] += cents
    medians = histograms((src, days, n) for (src, days), n in sums.sale_days.items())
    rows = [
        SourceRow(
            source=src,
            leads=n,
            qualified=q,
            won=w,
            revenue_cents=rev,
            median_days_to_sale=medians[src].median if src in medians else None,
        )
        for src, (n, q, w, rev) in totals.items()
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

    A finished stay ends at a move out of the stage (``from_stage_id``) and its
    length is stored with that move (``stay_days``), so the finished stays of
    every stage are one read of an index, already in order. The stays still
    running come from the open-leads table.
    """
    h = StageHistory
    finished = (
        select(col(h.from_stage_id), col(h.stay_days), func.count())
        .where(col(h.from_stage_id).is_not(None), *data.flt.on_lead_id(col(h.lead_id)))
        .group_by(col(h.from_stage_id), col(h.stay_days))
    )
    o = data.open_leads(last="stale" in data.sections)
    days = (literal(data.day_of(data.today)) - data.day(o.c.since)).label("days")
    ongoing = select(o.c.stage_id, days, func.count()).group_by(o.c.stage_id, days)
    found = histograms([*data.run(finished), *data.run(ongoing)])
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
