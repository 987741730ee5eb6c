"""Reports: which channels bring buyers, where leads get stuck.

All counting happens in SQL aggregates (GROUP BY, subqueries); Python only
reshapes the few rows that come back (per-stage or per-day histograms, never
per-lead rows). Every date rule takes ``today``. The sections live in
``report_pipeline`` (funnel, sources, velocity), ``report_attention`` (stale,
lost) and ``report_money`` (trend, customers); ``report_base`` holds the shared
filter, SQL helpers and the per-lead facts table. Call :func:`build_report`.

Definitions (the README's "Reports" section repeats them):

- **Period.** ``since``/``until`` (inclusive dates) select the leads *captured*
  in the period (a cohort) for funnel, sources, velocity, stale and lost. Trend
  and customers count *events* dated in the period (captures, moves, sales).
  ``source`` and ``tag`` filters apply to every section; sources compare
  case-folded and ``(none)`` selects the leads without a source.
- **Path.** The pipeline's open and won stages in position order; lost and
  parked stages are exits.
- **Reached** (funnel). A lead reached a path stage when its stage history
  entered that stage *or any later path stage*, so the funnel never widens and
  a lead that skipped a stage still counts for it. An exit stage is reached
  when the history entered it. Conversion is reached(next) / reached(this).
- **Qualified.** Reached the stage keyed ``qualified`` (or, when no stage has
  that key, the second path stage) or any later path stage, or has a sale.
- **Won.** Has a sale or entered a won-kind stage.
- **Sources** are sorted by conversion to won, then revenue, then leads, so the
  best channel is first and the worst last. Revenue is every sale of the
  cohort's leads, in exact integer cents.
- **Days** are whole calendar days between the dates of two moments.
- **Velocity.** A stay runs from a move into a stage to the lead's next move.
  A lead now in an open-kind stage is counted as staying there from
  ``stage_since`` up to ``today``; the last stay of a won, lost or parked lead
  is not counted (it is not "stuck"), but its finished stays are.
- **Median** is the mean of the middle value(s); **p90** is the nearest-rank
  90th percentile (the value at rank ceil(0.9 n)).
- **Stale.** A lead in an open-kind stage whose last interaction (the latest
  ``Interaction.at``, else its capture) is N or more days before ``today``; N
  per stage from the ``stale_days`` setting (stage key or name -> days, plus
  ``default``), see ``DEFAULT_STALE_DAYS``.
- **Lost.** Leads now in a lost-kind stage; the reason is ``Lead.lost_reason``,
  else the reason of their latest move into a lost stage, lower-cased.
- **Trend / revenue by month.** Without ``since``, the last ``TREND_BUCKETS``
  months (or weeks) up to ``until`` (default ``today``).
- **Customers.** Leads with a sale dated in the period; repeat customers have
  two or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session

from prospectr.domain.report_attention import (
    DEFAULT_STALE_DAYS,
    Lost,
    LostSource,
    Stale,
    StaleLead,
    lost_reasons,
    reset_stale_thresholds,
    set_stale_thresholds,
    stale,
    stale_thresholds,
)
from prospectr.domain.report_base import (
    BY,
    NO_SOURCE,
    SECTIONS,
    TREND_BUCKETS,
    ReportData,
    ReportFilter,
    bucket_label,
    cents_text,
    report_data,
)
from prospectr.domain.report_money import CustomerRow, Customers, Trend, TrendRow, customers, trend
from prospectr.domain.report_pipeline import (
    Funnel,
    FunnelRow,
    SourceRow,
    Sources,
    Velocity,
    VelocityRow,
    funnel,
    sources,
    velocity,
)
from prospectr.errors import InvalidInput

__all__ = [
    "BY",
    "DEFAULT_STALE_DAYS",
    "NO_SOURCE",
    "SECTIONS",
    "TREND_BUCKETS",
    "CustomerRow",
    "Customers",
    "Funnel",
    "FunnelRow",
    "Lost",
    "LostSource",
    "Report",
    "ReportData",
    "ReportFilter",
    "SourceRow",
    "Sources",
    "Stale",
    "StaleLead",
    "Trend",
    "TrendRow",
    "Velocity",
    "VelocityRow",
    "bucket_label",
    "build_report",
    "cents_text",
    "customers",
    "funnel",
    "lost_reasons",
    "report_data",
    "reset_stale_thresholds",
    "set_stale_thresholds",
    "sources",
    "stale",
    "stale_thresholds",
    "trend",
    "velocity",
]


@dataclass
class Report:
    """The sections asked for, by name, for one period and filter."""

    today: date
    flt: ReportFilter
    sections: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """The ``report --json`` shape: ``today``, ``filters`` and one key per section."""
        out: dict[str, Any] = {"today": self.today.isoformat(), "filters": self.flt.as_dict()}
        for name, value in self.sections.items():
            out[name] = value.as_dict()
        return out


def build_report(
    session: Session,
    *,
    today: date,
    flt: ReportFilter | None = None,
    sections: Sequence[str] = SECTIONS,
    by: str = "month",
    stale_limit: int | None = None,
) -> Report:
    """The requested sections, in ``SECTIONS`` order, sharing one facts table.

    Raises InvalidInput for an unknown section, ``by`` value or a reversed period.
    """
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise InvalidInput(
            f"unknown report section {unknown[0]!r} (sections: {', '.join(SECTIONS)})"
        )
    if by not in BY:
        raise InvalidInput(f"--by must be month or week, not {by!r}")
    if stale_limit is not None and stale_limit < 0:
        raise InvalidInput("the stale list limit cannot be negative")
    out: dict[str, Any] = {}
    with report_data(session, today=today, flt=flt, sections=sections) as data:
        for name in SECTIONS:
            if name not in sections:
                continue
            if name == "funnel":
                out[name] = funnel(data)
            elif name == "sources":
                out[name] = sources(data)
            elif name == "velocity":
                out[name] = velocity(data)
            elif name == "stale":
                out[name] = stale(data, limit=stale_limit)
            elif name == "lost":
                out[name] = lost_reasons(data)
            elif name == "trend":
                out[name] = trend(data, by=by)
            else:
                out[name] = customers(data)
        return Report(today, data.flt, out)
