"""Rich renderings of the report sections: tables with bars and sparklines.

Shared by ``prospectr report`` and the TUI's Reports screen, so both show the
same thing. Drawing only: every number comes from ``prospectr.domain.reports``.
Stored text (stage names, sources, reasons, lead names) goes through
:func:`literal`: never parsed as markup, control characters made visible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from prospectr.charts import bar, range_bar, sparkline
from prospectr.domain.reports import (
    Customers,
    Funnel,
    Lost,
    Report,
    ReportFilter,
    Sources,
    Stale,
    Trend,
    Velocity,
)
from prospectr.domain.text import plural

BAR = 24
DASH = "-"
BAR_STYLE = "cyan"
TITLES = {
    "funnel": "Funnel",
    "sources": "Sources",
    "velocity": "Velocity",
    "stale": "Stale leads",
    "lost": "Lost reasons",
    "trend": "Trend",
    "customers": "Customers",
}


def literal(value: object, style: str = "") -> Text:
    """A Text showing ``value`` literally, control characters as visible escapes."""
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return Text(text, style=style)


def pct(value: float | None) -> str:
    """0.5833 -> "58.3%"; a dash when there is nothing to divide."""
    return DASH if value is None else f"{value * 100:.1f}%"


def days(value: float | None) -> str:
    """Whole days without decimals, half days with one."""
    if value is None:
        return DASH
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def amount(cents: int) -> str:
    """Exact money with two decimals and thousands separators: 123456 -> "1,234.56"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{rest:02d}"


def period_text(flt: ReportFilter) -> str:
    """The filters in words: "for 2026-01-01..2026-06-30, source referral",
    "from 2026-11-01", "up to 2026-11-30", "for tag vip"; "" without filters.
    """
    parts = []
    if flt.since and flt.until:
        parts.append(f"for {flt.since}..{flt.until}")
    elif flt.since:
        parts.append(f"from {flt.since}")
    elif flt.until:
        parts.append(f"up to {flt.until}")
    if flt.source:
        parts.append(f"source {flt.source}")
    if flt.tag:
        parts.append(f"tag {flt.tag}")
    if parts and not (flt.since or flt.until):
        parts[0] = f"for {parts[0]}"
    return ", ".join(parts)


def heading(title: str, note: str = "") -> Text:
    """A section title, with a dim note after it."""
    text = Text(title, style="bold")
    if note:
        text.append("  ")
        text.append_text(literal(note, "dim"))
    return text


def _table(*columns: tuple[str, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1))
    for name, justify in columns:
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    return table


def bars(value: float, maximum: float, width: int = BAR) -> Text:
    """A horizontal bar in the report colour."""
    return Text(bar(value, maximum, width), style=BAR_STYLE)


def _counts(titles: tuple[str, str], rows: Sequence[tuple[str, int]]) -> Table:
    """Names with their counts, each with a bar scaled to the largest count."""
    top = max(n for _, n in rows)
    table = _table((titles[0], "left"), (titles[1], "right"), ("", "left"))
    for name, n in rows:
        table.add_row(literal(name), str(n), bars(n, top))
    return table


def render_funnel(funnel: Funnel) -> RenderableType:
    """Stages with reached counts, a bar each, and conversion to the next stage."""
    table = _table(
        ("stage", "left"),
        ("reached", "right"),
        ("share", "right"),
        ("", "left"),
        ("to next", "left"),
    )
    for row in funnel.rows:
        nxt = Text("")
        if row.next_stage is not None:
            nxt = Text(f"{pct(row.to_next)} → ").append_text(literal(row.next_stage))
        elif row.kind not in ("open", "won"):
            nxt = Text(f"exit ({row.kind})", style="dim")
        table.add_row(
            literal(row.stage),
            str(row.reached),
            pct(row.share),
            bars(row.reached, funnel.leads),
            nxt,
        )
    return Group(
        heading("Funnel", f"{plural(funnel.leads, 'lead')}; reached = that stage or later"), table
    )


def render_sources(sources: Sources) -> RenderableType:
    """Sources best first: leads, qualified, won, conversion (bar), revenue, days to sale."""
    if not sources.rows:
        return Group(heading("Sources"), Text("  no leads", style="dim"))
    table = _table(
        ("source", "left"),
        ("leads", "right"),
        ("qualified", "right"),
        ("won", "right"),
        ("conversion", "right"),
        ("", "left"),
        ("revenue", "right"),
        ("days to sale", "right"),
    )
    for row in sources.rows:
        table.add_row(
            literal(row.source),
            str(row.leads),
            str(row.qualified),
            str(row.won),
            pct(row.conversion),
            bars(row.conversion or 0, 1, 16),
            amount(row.revenue_cents),
            days(row.median_days_to_sale),
        )
    note = "best first: conversion to won, then revenue; days = median, capture to first sale"
    return Group(heading("Sources", note), table)


def render_velocity(velocity: Velocity) -> RenderableType:
    """Median (solid) and p90 (light) days per stage."""
    top = max((r.p90_days or 0 for r in velocity.rows), default=0)
    table = _table(
        ("stage", "left"), ("stays", "right"), ("median", "right"), ("p90", "right"), ("", "left")
    )
    for row in velocity.rows:
        chart = range_bar(row.median_days or 0, row.p90_days or 0, top, BAR)
        table.add_row(
            literal(row.stage),
            str(row.stays),
            days(row.median_days),
            days(row.p90_days),
            Text(chart, style=BAR_STYLE),
        )
    note = "days per stay; █ median, ░ up to p90; open leads count up to today"
    return Group(heading("Velocity", note), table)


def render_stale(stale: Stale, limit: int | None) -> RenderableType:
    """Thresholds, stale counts per stage, then the oldest stale leads."""
    limits = ", ".join(f"{name} {n}" for name, n in stale.thresholds.items())
    parts: list[RenderableType] = [
        heading("Stale leads", f"{stale.total} open leads with no interaction for too long"),
        literal(f"thresholds in days: {limits}", "dim"),
    ]
    if not stale.total:
        parts.append(Text("  nobody is forgotten", style="dim"))
        return Group(*parts)
    parts.append(_counts(("stage", "stale"), stale.by_stage))
    leads = _table(
        ("id", "right"),
        ("name", "left"),
        ("stage", "left"),
        ("source", "left"),
        ("last interaction", "left"),
        ("days", "right"),
    )
    for item in stale.leads:
        leads.add_row(
            f"#{item.lead_id}",
            literal(item.name),
            literal(item.stage),
            literal(item.source or ""),
            item.last_at.date().isoformat(),
            str(item.days),
        )
    parts.append(leads)
    hidden = stale.total - len(stale.leads)
    if hidden > 0:
        more = f"  … and {hidden} more (--limit 0 lists all)" if limit else f"  … and {hidden} more"
        parts.append(Text(more, style="dim"))
    return Group(*parts)


def render_lost(lost: Lost) -> RenderableType:
    """Counts by reason (bars), then by source with its reasons."""
    parts: list[RenderableType] = [
        heading("Lost reasons", f"{plural(lost.total, 'lead')} now lost")
    ]
    if not lost.total:
        return Group(*parts)
    parts.append(_counts(("reason", "leads"), lost.by_reason))
    by_source = _table(("source", "left"), ("lost", "right"), ("reasons", "left"))
    for src in lost.by_source:
        text = ", ".join(f"{reason} {n}" for reason, n in src.reasons)
        by_source.add_row(literal(src.source), str(src.leads), literal(text))
    parts.append(by_source)
    return Group(*parts)


def _spark_line(label: str, values: list[int], total: str) -> Text:
    text = Text(f"  {label:<10}")
    text.append(sparkline(values), style=BAR_STYLE)
    text.append(f"  {total}")
    return text


def render_trend(trend: Trend) -> RenderableType:
    """Sparklines of each series, then one row per month or week."""
    rows = trend.rows
    series: list[tuple[str, Callable[[Any], int]]] = [
        ("new", lambda r: r.new),
        ("qualified", lambda r: r.qualified),
        ("won", lambda r: r.won),
        ("revenue", lambda r: r.revenue_cents),
    ]
    parts: list[RenderableType] = [
        heading("Trend", f"per {trend.by}, {rows[0].period} to {rows[-1].period}" if rows else "")
    ]
    for label, get in series:
        values = [get(r) for r in rows]
        total = amount(sum(values)) if label == "revenue" else str(sum(values))
        parts.append(_spark_line(label, values, f"total {total}"))
    table = _table(
        (trend.by, "left"),
        ("new", "right"),
        ("qualified", "right"),
        ("won", "right"),
        ("revenue", "right"),
    )
    for r in rows:
        table.add_row(r.period, str(r.new), str(r.qualified), str(r.won), amount(r.revenue_cents))
    parts.append(table)
    return Group(*parts)


def render_customers(customers: Customers) -> RenderableType:
    """The summary, sales per customer (bars), best repeat customers, revenue by month."""
    c = customers
    share = pct(c.repeat_customers / c.customers) if c.customers else DASH
    summary = (
        f"{plural(c.customers, 'customer')}, {c.repeat_customers} repeat ({share}),"
        f" {plural(c.sales, 'sale')},"
        f" {c.sales_per_customer or 0:.2f} per customer, revenue {amount(c.revenue_cents)}"
    )
    parts: list[RenderableType] = [heading("Customers", summary)]
    if c.distribution:
        top = max(n for _, n, _ in c.distribution)
        dist = _table(
            ("sales", "right"), ("customers", "right"), ("revenue", "right"), ("", "left")
        )
        for sales, n, cents in c.distribution:
            dist.add_row(str(sales), str(n), amount(cents), bars(n, top))
        parts.append(dist)
    if c.top_repeat:
        best = _table(
            ("id", "right"),
            ("repeat customer", "left"),
            ("sales", "right"),
            ("revenue", "right"),
            ("first", "left"),
            ("last", "left"),
        )
        for row in c.top_repeat:
            best.add_row(
                f"#{row.lead_id}",
                literal(row.name),
                str(row.sales),
                amount(row.revenue_cents),
                row.first.isoformat(),
                row.last.isoformat(),
            )
        parts.append(best)
    values = [cents for _, _, cents in c.by_month]
    if values:
        span = f"{c.by_month[0][0]} to {c.by_month[-1][0]}"
        parts.append(_spark_line("revenue", values, f"by month, {span}"))
        months = _table(("month", "left"), ("sales", "right"), ("revenue", "right"), ("", "left"))
        top = max(values)
        for month, n, cents in c.by_month:
            months.add_row(month, str(n), amount(cents), bars(cents, top))
        parts.append(months)
    return Group(*parts)


def render_report(report: Report, *, limit: int | None) -> RenderableType:
    """Every section of the report, one after another."""
    renderers: dict[str, Callable[[Any], RenderableType]] = {
        "funnel": render_funnel,
        "sources": render_sources,
        "velocity": render_velocity,
        "stale": lambda s: render_stale(s, limit),
        "lost": render_lost,
        "trend": render_trend,
        "customers": render_customers,
    }
    parts: list[RenderableType] = []
    scope = period_text(report.flt)
    if scope:
        parts.append(literal(f"report {scope} (today {report.today})", "dim"))
    for name, section in report.sections.items():
        if parts:
            parts.append(Text(""))
        parts.append(renderers[name](section))
    return Group(*parts)
