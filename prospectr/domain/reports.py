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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from prospectr.db import side_reader
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
    FactsSums,
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
from prospectr.models import Lead, LeadTag

# The sections that read the facts table. With a second connection, each one
# builds the facts of a share of the leads, the shares' sums are added, and the
# other sections run beside: SIDE_SECTIONS on the second connection, the rest on
# the caller's. SQLite works outside Python's lock, so both sides overlap.
FACT_SECTIONS = frozenset({"funnel", "sources", "trend"})
SIDE_SECTIONS = frozenset({"velocity", "stale"})
# Relative weights of each part (about its seconds on the bench's 100,000
# leads, bench/report.py, then tuned so that both sides end together): the
# facts table with its sums, then each section that does not read it.
COST = {"facts": 0.40, "velocity": 0.11, "stale": 0.11, "lost": 0.05, "customers": 0.03}
# Below this many lead ids the second connection costs more than it saves (on
# the bench's data: 12 ms more at 500 leads, even at 5,000, 14 ms less at 20,000).
SPLIT_MIN_LEADS = 5_000

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
    # Hints for the reader: a source or tag filter that no lead matches.
    notes: list[str] = field(default_factory=list)

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
    """The requested sections, in ``SECTIONS`` order.

    On a SQLite file (see :func:`prospectr.db.side_reader` for when) whose
    lead ids span ``SPLIT_MIN_LEADS`` or more, a second read-only session in a
    thread builds the facts of a share of the leads and runs the
    ``SIDE_SECTIONS``, while ``session`` builds the facts of the other leads and
    runs the rest; the two shares' sums are added. Each session reads
    its own snapshot: a write committed by another program while the report
    starts (a stage reordered, a lead moved) may show in one share and not the
    other, so the report then mixes two moments; it never counts a lead twice.

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
    wanted = [name for name in SECTIONS if name in sections]
    beside = [name for name in wanted if name in SIDE_SECTIONS]
    facts = [name for name in wanted if name in FACT_SECTIONS]
    split = facts or (beside and len(beside) < len(wanted))
    side = side_reader(session) if split else None
    ids = _ids_worth_sharing(session) if side is not None else None
    if side is not None and ids is None:
        side.close()
    args: dict[str, Any] = {"today": today, "flt": flt, "sections": sections, "by": by}
    if side is None or ids is None:
        with report_data(session, **args) as data:
            out = {name: _section(data, name, stale_limit) for name in wanted}
            return Report(today, data.flt, out, filter_notes(session, data.flt))
    cut = _share_the_leads(*ids, wanted) if facts else None

    def read_beside() -> tuple[FactsSums | None, dict[str, Any]]:
        with side, report_data(side, **args, lead_ids=(cut, None)) as other:
            sums = other.facts_sums(facts[0]) if cut is not None else None
            return sums, {name: _section(other, name, stale_limit) for name in beside}

    with ThreadPoolExecutor(max_workers=1) as pool:
        later = pool.submit(read_beside)
        with report_data(session, **args, lead_ids=(None, cut)) as data:
            if facts:
                data.facts_sums(facts[0])  # this side's share first, while the other builds its own
            here = [name for name in wanted if name not in beside and name not in facts]
            out = {name: _section(data, name, stale_limit) for name in here}
            sums, out_beside = later.result()
            if sums is not None:
                data.facts_sums(facts[0]).add(sums)
            out.update(out_beside)
            out.update({name: _section(data, name, stale_limit) for name in facts})
            ordered = {name: out[name] for name in wanted}
            return Report(today, data.flt, ordered, filter_notes(session, data.flt))


def _ids_worth_sharing(session: Session) -> tuple[int, int] | None:
    """The lowest and the highest lead id, when they span ``SPLIT_MIN_LEADS`` ids or more."""
    # Two queries, each reading one end of the ids: one select of both aggregates
    # would read the whole table (SQLite's min/max shortcut takes one aggregate).
    first = session.exec(select(func.min(Lead.id))).one()
    last = session.exec(select(func.max(Lead.id))).one()
    if first is None or last is None or last - first + 1 < SPLIT_MIN_LEADS:
        return None
    return first, last


def _share_the_leads(first: int, last: int, wanted: Sequence[str]) -> int:
    """The lead id from which the second connection builds the facts.

    Shares the facts of the leads ``first`` to ``last`` (by lead id, which
    spreads the work evenly enough) so that both sides end together, by the
    rough ``COST`` of what each side runs besides.
    """
    beside = sum(COST[name] for name in wanted if name in SIDE_SECTIONS)
    here = sum(COST[name] for name in wanted if name in COST and name not in SIDE_SECTIONS)
    share = (COST["facts"] + beside - here) / (2 * COST["facts"])
    share = min(max(share, 0.1), 0.9)
    return int(first + (last - first + 1) * share)


def filter_notes(session: Session, flt: ReportFilter) -> list[str]:
    """A line for a source or tag filter that no lead has, naming the ones that exist.

    ``flt`` is normalized. The report of such a filter is empty, not wrong: this
    tells a typo from a channel with no leads.
    """
    notes: list[str] = []
    if flt.source and flt.source != NO_SOURCE:
        found = session.exec(select(Lead.id).where(col(Lead.source) == flt.source).limit(1))
        if found.first() is None:
            names = session.exec(
                select(Lead.source).where(col(Lead.source).is_not(None)).distinct()
            )
            known = sorted(str(n) for n in names)
            notes.append(f"no lead has the source {flt.source!r}{_listing('sources', known)}")
    if flt.tag:
        found = session.exec(select(LeadTag.lead_id).where(col(LeadTag.tag) == flt.tag).limit(1))
        if found.first() is None:
            known = sorted(str(n) for n in session.exec(select(LeadTag.tag).distinct()))
            notes.append(f"no lead has the tag {flt.tag!r}{_listing('tags', known)}")
    return notes


def _listing(what: str, names: list[str], most: int = 12) -> str:
    if not names:
        return f" (no lead has any {what} yet)"
    shown = ", ".join(names[:most]) + (f", ... ({len(names)} in all)" if len(names) > most else "")
    return f" ({what}: {shown})"


def _section(data: ReportData, name: str, stale_limit: int | None) -> Any:
    if name == "funnel":
        return funnel(data)
    if name == "sources":
        return sources(data)
    if name == "velocity":
        return velocity(data)
    if name == "stale":
        return stale(data, limit=stale_limit)
    if name == "lost":
        return lost_reasons(data)
    if name == "trend":
        return trend(data)
    return customers(data)
