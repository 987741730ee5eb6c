"""Reports over time: the trend, and customers with their revenue by month."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from sqlalchemy import Select, func, select
from sqlmodel import col

from prospectr.domain.report_base import (
    ReportData,
    as_date,
    bucket_label,
    bucket_start,
    buckets,
    cents_text,
    ratio,
    series_window,
)
from prospectr.models import Lead, Sale

TOP_CUSTOMERS = 10


@dataclass
class TrendRow:
    """One month (or week)."""

    period: str
    start: date
    new: int = 0
    qualified: int = 0
    won: int = 0
    revenue_cents: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The row's ``--json`` / ``--csv`` shape."""
        return {
            "period": self.period,
            "start": self.start.isoformat(),
            "new": self.new,
            "qualified": self.qualified,
            "won": self.won,
            "revenue": cents_text(self.revenue_cents),
            "revenue_cents": self.revenue_cents,
        }


@dataclass
class Trend:
    """New, qualified and won leads and revenue per month or week, oldest first."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = (
        "period",
        "start",
        "new",
        "qualified",
        "won",
        "revenue",
        "revenue_cents",
    )

    by: str
    rows: list[TrendRow]

    def as_dict(self) -> dict[str, Any]:
        """The ``report trend --json`` shape."""
        return {"by": self.by, "rows": [r.as_dict() for r in self.rows]}

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per period."""
        return [r.as_dict() for r in self.rows]


def trend(data: ReportData) -> Trend:
    """Leads captured, first qualified and first won, and revenue, per month or week.

    Each count goes to the bucket of the day it happened: the capture, the first
    move into the qualified stage or later, the first won move or first sale
    (whichever came first), the sale date.
    """
    by, flt = data.by, data.flt
    since, until = series_window(flt, data.today, by)
    rows = {b: TrendRow(bucket_label(b, by), b) for b in buckets(since, until, by)}

    def add(name: str, per_day: Iterable[tuple[Any, Any]]) -> None:
        for when, total in per_day:
            if when is not None and since <= as_date(when) <= until:
                row = rows[bucket_start(as_date(when), by)]
                setattr(row, name, getattr(row, name) + int(total or 0))

    for name, per_day in data.facts_sums("trend").days.items():
        add(name, per_day.items())
    day = col(Sale.date)
    add(
        "revenue_cents",
        data.run(
            select(day, func.sum(Sale.amount_cents))
            .where(day >= since, day <= until, *flt.on_lead_id(col(Sale.lead_id), cohort=False))
            .group_by(day)
        ),
    )
    return Trend(by, list(rows.values()))


# --- customers ------------------------------------------------------------------------


@dataclass
class CustomerRow:
    """A customer with their sales."""

    lead_id: int
    name: str
    sales: int
    revenue_cents: int
    first: date
    last: date

    def as_dict(self) -> dict[str, Any]:
        """The row's ``--json`` / ``--csv`` shape."""
        return {
            "id": self.lead_id,
            "name": self.name,
            "sales": self.sales,
            "revenue": cents_text(self.revenue_cents),
            "revenue_cents": self.revenue_cents,
            "first_sale": self.first.isoformat(),
            "last_sale": self.last.isoformat(),
        }


@dataclass
class Customers:
    """Customers, repeat customers, sales per customer and revenue by month."""

    CSV_FIELDS: ClassVar[tuple[str, ...]] = ("month", "sales", "revenue", "revenue_cents")

    distribution: list[tuple[int, int, int]]  # (sales per customer, customers, revenue cents)
    top_repeat: list[CustomerRow]
    by_month: list[tuple[str, int, int]]  # (month, sales, revenue cents)

    @property
    def customers(self) -> int:
        """Leads with at least one sale in the period."""
        return sum(c for _, c, _ in self.distribution)

    @property
    def repeat_customers(self) -> int:
        """Leads with two or more sales in the period."""
        return sum(c for n, c, _ in self.distribution if n >= 2)

    @property
    def sales(self) -> int:
        """Number of sales."""
        return sum(n * c for n, c, _ in self.distribution)

    @property
    def revenue_cents(self) -> int:
        """Sum of the sales."""
        return sum(r for _, _, r in self.distribution)

    @property
    def sales_per_customer(self) -> float | None:
        """Average number of sales per customer."""
        return round(self.sales / self.customers, 2) if self.customers else None

    def as_dict(self) -> dict[str, Any]:
        """The ``report customers --json`` shape."""
        return {
            "customers": self.customers,
            "repeat_customers": self.repeat_customers,
            "repeat_share": ratio(self.repeat_customers, self.customers),
            "sales": self.sales,
            "sales_per_customer": self.sales_per_customer,
            "revenue": cents_text(self.revenue_cents),
            "revenue_cents": self.revenue_cents,
            "sales_per_customer_counts": [
                {"sales": n, "customers": c, "revenue_cents": r} for n, c, r in self.distribution
            ],
            "top_repeat_customers": [c.as_dict() for c in self.top_repeat],
            "revenue_by_month": [
                {"month": m, "sales": n, "revenue": cents_text(r), "revenue_cents": r}
                for m, n, r in self.by_month
            ],
        }

    def csv_rows(self) -> list[dict[str, Any]]:
        """One CSV row per month (the summary is in ``--json``)."""
        return [
            {"month": m, "sales": n, "revenue": cents_text(r), "revenue_cents": r}
            for m, n, r in self.by_month
        ]


def customers(data: ReportData, *, top: int = TOP_CUSTOMERS) -> Customers:
    """Sales in the period per customer: repeat buyers, distribution, best repeat customers."""
    flt = data.flt
    conds = [*flt.on_lead_id(col(Sale.lead_id), cohort=False)]
    if flt.since:
        conds.append(col(Sale.date) >= flt.since)
    if flt.until:
        conds.append(col(Sale.date) <= flt.until)
    sales, cents = func.count().label("n"), func.sum(Sale.amount_cents).label("cents")
    per_lead: Select[*tuple[Any, ...]] = (
        select(col(Sale.lead_id).label("lead_id"), sales, cents)
        .where(*conds)
        .group_by(col(Sale.lead_id))
    )
    counted = per_lead.subquery()
    distribution = [
        (int(n), int(c), int(r or 0))
        for n, c, r in data.run(
            select(counted.c.n, func.count(), func.sum(counted.c.cents))
            .group_by(counted.c.n)
            .order_by(counted.c.n)
        )
    ]
    # The best repeat customers first, then their names (a join on those few only).
    best = (
        per_lead.add_columns(func.min(Sale.date).label("first"), func.max(Sale.date).label("last"))
        .having(func.count() >= 2)
        .order_by(cents.desc(), sales.desc(), col(Sale.lead_id))
        .limit(top)
        .subquery()
    )
    top_repeat = [
        CustomerRow(int(i), name or company or f"#{i}", int(n), int(c), as_date(f), as_date(la))
        for i, name, company, n, c, f, la in data.run(
            select(
                best.c.lead_id,
                col(Lead.name),
                col(Lead.company),
                best.c.n,
                best.c.cents,
                best.c.first,
                best.c.last,
            )
            .join(Lead, col(Lead.id) == best.c.lead_id)
            .order_by(best.c.cents.desc(), best.c.n.desc(), best.c.lead_id)
        )
    ]
    since, until = series_window(flt, data.today, "month")
    months = {b: [0, 0] for b in buckets(since, until, "month")}
    rows = data.run(
        select(col(Sale.date), func.count(), func.sum(Sale.amount_cents))
        .where(
            col(Sale.date) >= since,
            col(Sale.date) <= until,
            *flt.on_lead_id(col(Sale.lead_id), cohort=False),
        )
        .group_by(col(Sale.date))
    )
    for day, number, total in rows:
        slot = months[bucket_start(as_date(day), "month")]
        slot[0] += int(number)
        slot[1] += int(total or 0)
    by_month = [(bucket_label(b, "month"), n, c) for b, (n, c) in months.items()]
    return Customers(distribution, top_repeat, by_month)
