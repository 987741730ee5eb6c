"""Shared machinery of the reports: filters, SQL helpers, the per-lead facts table.

See ``prospectr.domain.reports`` for the definitions every section follows.

Speed: funnel, sources and trend all need the same per-lead digest of stage
history (highest stage reached, when first qualified, when first won). It is
computed by one GROUP BY over ``stage_history`` (read from the
``(lead_id, at, to_stage_id)`` index alone) into a temporary table
(:class:`ReportData`); a few GROUP BYs over that table give the sums the three
sections read (:class:`FactsSums`). The sums add up over leads, so the facts
can be built in shares, one per connection (``reports.build_report``). Velocity and
stale share a second one: the open leads with the start of their current stay
and their last interaction. Velocity's finished stays are stored with each
move (``StageHistory.stay_days``) and read in index order, without a sort.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    select,
)
from sqlalchemy.engine import Connection, Result
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from prospectr.domain.text import normalize_label
from prospectr.errors import InvalidInput
from prospectr.models import Interaction, Lead, LeadTag, Sale, Stage, StageHistory

SECTIONS = ("funnel", "sources", "velocity", "stale", "lost", "trend", "customers")
NO_SOURCE = "(none)"
PATH_KINDS = ("open", "won")
TREND_BUCKETS = 12
BY = ("month", "week")

_Row = TypeVarTuple("_Row")


def ratio(part: int, whole: int) -> float | None:
    """``part / whole`` rounded to 4 decimals; None when ``whole`` is 0."""
    return round(part / whole, 4) if whole else None


def cents_text(cents: int) -> str:
    """Integer cents as an exact amount with two decimals: 123456 -> "1234.56"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def as_date(value: Any) -> date:
    """A date from a SQL date value (SQLite returns text for ``date()``)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def as_datetime(value: Any) -> datetime:
    """A datetime from a SQL value (SQLite returns text for expressions)."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# --- filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """The period and the lead filters of a report; empty fields do not filter."""

    since: date | None = None
    until: date | None = None
    source: str | None = None
    tag: str | None = None
    # The stored tags ``tag`` names, accents ignored (see :meth:`with_tags`);
    # empty: ``tag`` exactly.
    tags: tuple[str, ...] = ()

    def with_tags(self, session: Session) -> ReportFilter:
        """The filter with the stored tags its tag names ("ha noi" -> "hà nội").

        ``tag`` becomes the first of them, so what is shown names a stored tag.
        """
        if not self.tag:
            return self
        from prospectr.domain.search import matching_tags

        tags = tuple(matching_tags(session, self.tag))
        return replace(self, tag=tags[0] if tags else self.tag, tags=tags)

    def normalized(self) -> ReportFilter:
        """Labels case-folded; refuses a period that ends before it starts."""
        if self.since and self.until and self.since > self.until:
            raise InvalidInput(f"--since {self.since} is after --until {self.until}")
        source = normalize_label(self.source) or None if self.source is not None else None
        tag = normalize_label(self.tag) or None if self.tag is not None else None
        return ReportFilter(self.since, self.until, source, tag)

    def as_dict(self) -> dict[str, Any]:
        """The ``filters`` object of ``--json``."""
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "source": self.source,
            "tag": self.tag,
        }

    def period(self, column: Any) -> list[ColumnElement[bool]]:
        """``column`` (a datetime) within the period, both ends inclusive by date."""
        conds: list[ColumnElement[bool]] = []
        if self.since:
            conds.append(column >= datetime.combine(self.since, time.min))
        if self.until:
            conds.append(column < datetime.combine(self.until + timedelta(days=1), time.min))
        return conds

    def lead_conditions(self, *, cohort: bool = True) -> list[ColumnElement[bool]]:
        """Conditions on ``Lead``: source, tag and (for a cohort) the capture period."""
        conds: list[ColumnElement[bool]] = []
        if self.source == NO_SOURCE:
            conds.append(col(Lead.source).is_(None))
        elif self.source:
            conds.append(col(Lead.source) == self.source)
        if self.tag:
            conds.append(
                exists().where(
                    and_(
                        col(LeadTag.lead_id) == col(Lead.id),
                        col(LeadTag.tag).in_(self.tags or (self.tag,)),
                    )
                )
            )
        if cohort:
            conds.extend(self.period(col(Lead.created_at)))
        return conds

    def on_lead_id(self, lead_id: Any, *, cohort: bool = True) -> list[ColumnElement[bool]]:
        """The lead conditions applied to another table's ``lead_id`` column (empty if none)."""
        conds = self.lead_conditions(cohort=cohort)
        if not conds:
            return []
        return [lead_id.in_(select(col(Lead.id)).where(*conds))]


# --- dialect-specific date arithmetic ------------------------------------------------
# The one place where a backend's date function is named. Day numbers count whole
# calendar days from a fixed origin; only their differences are used.

_SQLITE_DAY0 = 1721424  # julianday(d) - 0.5 == d.toordinal() + _SQLITE_DAY0
_UNIX_DAY0 = date(1970, 1, 1).toordinal()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def day_number(session: Session, expr: Any) -> Any:
    """Whole days from a fixed origin for a date or datetime SQL expression.

    SQLite: ``julianday`` counts from noon, hence the half day. PostgreSQL:
    subtracting two dates gives an integer.
    """
    if _is_sqlite(session):
        return cast(func.julianday(expr) - 0.5, Integer)
    return cast(expr, Date) - literal(date(1970, 1, 1), Date)


def day_number_of(session: Session, day: date) -> int:
    """The same day number as :func:`day_number`, for a Python date."""
    return day.toordinal() + (_SQLITE_DAY0 if _is_sqlite(session) else -_UNIX_DAY0)


# --- percentiles ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantiles:
    """Count, median and nearest-rank 90th percentile of a set of day counts."""

    n: int
    median: float
    p90: float


def from_histogram(counts: Iterable[tuple[int, int]]) -> Quantiles | None:
    """Median (mean of the middle values) and p90 (value at rank ceil(0.9 n)) of a histogram.

    ``counts`` are (value, how many) pairs, as a GROUP BY returns them; the values
    are whole days, so the result is exact.
    """
    ordered = sorted((int(v), int(c)) for v, c in counts if c)
    n = sum(c for _, c in ordered)
    if not n:
        return None
    ranks = {"lo": (n + 1) // 2, "hi": (n + 2) // 2, "p90": (9 * n + 9) // 10}
    found: dict[str, int] = {}
    seen = 0
    for value, count in ordered:
        seen += count
        for name, rank in ranks.items():
            if name not in found and rank <= seen:
                found[name] = value
    return Quantiles(n, (found["lo"] + found["hi"]) / 2, float(found["p90"]))


def histograms(rows: Iterable[Any]) -> dict[Any, Quantiles]:
    """Quantiles per group from (group, value, count) rows."""
    per: dict[Any, list[tuple[int, int]]] = {}
    for key, value, count in rows:
        if value is not None:
            per.setdefault(key, []).append((value, count))
    out = {key: from_histogram(pairs) for key, pairs in per.items()}
    return {key: q for key, q in out.items() if q is not None}


# --- the pipeline as reports see it -----------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    """The stages in order, the path (open and won stages) and where "qualified" sits."""

    stages: list[Stage]  # retired ones too: history may name them
    qualified_position: int | None

    @property
    def active(self) -> list[Stage]:
        """The stages a report shows."""
        return [s for s in self.stages if not s.retired]

    @property
    def active_path(self) -> list[Stage]:
        """The path without retired stages: what the funnel shows."""
        return [s for s in self.active if s.kind in PATH_KINDS]

    def ids(self, *kinds: str) -> list[int]:
        """Ids of the stages (retired too) of these kinds."""
        return [s.id for s in self.stages if s.kind in kinds and s.id is not None]

    def qualified_ids(self) -> list[int]:
        """Path stages at or after the qualified stage."""
        if self.qualified_position is None:
            return []
        return [
            s.id
            for s in self.stages
            if s.kind in PATH_KINDS and s.position >= self.qualified_position and s.id is not None
        ]


def pipeline_of(session: Session) -> Pipeline:
    """The stages in order and where "qualified" sits on the path."""
    stages = list(session.scalars(select(Stage).order_by(col(Stage.position), col(Stage.id))))
    qualified = next((s for s in stages if s.key == "qualified"), None)
    if qualified is None or qualified.kind not in PATH_KINDS:
        path = [s for s in stages if s.kind in PATH_KINDS and not s.retired]
        qualified = path[1] if len(path) > 1 else None
    return Pipeline(stages, qualified.position if qualified else None)


# --- the per-lead facts -------------------------------------------------------------------


def by_value(value: Any, mapping: dict[int, Any], type_: Any) -> Any:
    """``CASE value WHEN k THEN v ... END``: NULL (of ``type_``) otherwise, or for no ``mapping``.

    The simple form reads ``value`` once per row, where ``CASE WHEN value = k``
    reads it again for every branch: it matters in a pass over all stage history.
    """
    if not mapping:
        return cast(null(), type_)
    return case(mapping, value=value)


Cell = tuple[int | None, str | None, bool | None]  # (top, source, sold)


@dataclass
class FactsSums:
    """What funnel, sources and trend read from the facts table, as sums over leads.

    ``cells`` split the cohort by highest path position reached (``top``) and,
    when the report includes sources, by ``source`` and ``sold`` (has a sale;
    otherwise both hold ``None``): each cell holds [leads, of them those that
    entered a won stage, their sales in cents]. ``sale_days`` count the cohort's
    customers by source and whole days from capture to first sale. ``days``
    count, per trend series (``new``, ``qualified``, ``won``), the leads whose
    moment fell on each day of the trend's window. ``exits`` count the cohort's
    leads that entered each exit stage.

    Every figure is a count or a sum over leads, so the sums of two sets of
    leads with no lead in common add up to the sums of their union
    (:meth:`add`): a report can build them in parts, one per connection.
    """

    cells: dict[Cell, list[int]] = field(default_factory=dict)
    sale_days: dict[tuple[str, int], int] = field(default_factory=dict)
    days: dict[str, dict[date, int]] = field(default_factory=dict)
    exits: dict[int, int] = field(default_factory=dict)

    def add(self, other: FactsSums) -> None:
        """Add the sums of leads that are not in these sums."""
        for cell, figures in other.cells.items():
            mine = self.cells.setdefault(cell, [0] * len(figures))
            for i, value in enumerate(figures):
                mine[i] += value
        _add_counts(self.sale_days, other.sale_days)
        for series, per_day in other.days.items():
            _add_counts(self.days.setdefault(series, {}), per_day)
        _add_counts(self.exits, other.exits)


def _add_counts(into: dict[Any, int], more: dict[Any, int]) -> None:
    for key, n in more.items():
        into[key] = into.get(key, 0) + n


class ReportData:
    """One report's shared state: session, today, filter, pipeline and the shared tables.

    The facts table (temporary, dropped on :meth:`close`) has one row per lead
    that has stage history and passes the source and tag filters (not the period:
    sections apply it): ``source`` (``(none)`` when empty), ``created_at``, the
    highest path position reached (``top``), when it first reached the qualified
    stage or later (``qualified_at``), when it first entered a won stage
    (``won_at``), and its sales (``sales``, ``cents``, ``first_sale``).

    The open-leads table has one row per lead now in an open-kind stage that
    passes the lead filters (the period too): ``stage_id``, when its current
    stay began (``since``) and, when asked for, its last interaction or else its
    capture (``last``). ``sections`` (the report's) decide what is worth sharing;
    ``by`` is the trend's bucket. With ``lead_ids`` (first, end: ids from first
    up to but not including end; None leaves that side open) the facts table,
    and so :meth:`facts_sums`, holds only those leads: the other sections still
    read every lead.
    """

    def __init__(
        self,
        session: Session,
        *,
        today: date,
        flt: ReportFilter | None = None,
        sections: Collection[str] = SECTIONS,
        by: str = "month",
        lead_ids: tuple[int | None, int | None] = (None, None),
    ) -> None:
        if by not in BY:
            raise InvalidInput(f"--by must be month or week, not {by!r}")
        self.session = session
        self.today = today
        self.flt = (flt or ReportFilter()).normalized().with_tags(session)
        self.pipe = pipeline_of(session)
        self.sections = frozenset(sections)
        self.by = by
        self.lead_ids = lead_ids
        self._facts: Table | None = None
        self._open: Table | None = None
        self._open_has_last = False
        self._sums: FactsSums | None = None
        self._temps: list[Table] = []

    def run(self, stmt: Select[*_Row]) -> Result[*_Row]:
        """Run a select on the session's connection: plain rows, no ORM loading."""
        return self.session.connection().execute(stmt)

    def day(self, expr: Any) -> Any:
        """:func:`day_number` on this session's backend."""
        return day_number(self.session, expr)

    def day_of(self, day: date) -> int:
        """:func:`day_number_of` on this session's backend."""
        return day_number_of(self.session, day)

    @property
    def facts(self) -> Table:
        """The facts table, built on first use."""
        if self._facts is None:
            self._facts = self._build_facts()
        return self._facts

    def open_leads(self, *, last: bool) -> Table:
        """The open-leads table, built on first use; ``last`` when the caller reads it.

        Velocity asks for ``last`` when the report includes stale, so both share one.
        """
        if self._open is None or (last and not self._open_has_last):
            self._open = self._build_open_leads(last=last)
            self._open_has_last = last
        return self._open

    def cohort(self, table: Table) -> list[ColumnElement[bool]]:
        """The period condition on a facts table."""
        return self.flt.period(table.c.created_at)

    def facts_sums(self, section: str) -> FactsSums:
        """The facts table's sums for the report's sections, built on first use.

        ``section`` (funnel, sources or trend) is the one about to read them: when
        the report was not set up for it, it joins the report's sections and the
        sums are built again, so that they hold what it reads. One GROUP BY over
        the facts gives the cells that funnel and sources share (split by source
        and sold only when the report includes sources).
        """
        if section not in self.sections:
            self.sections = self.sections | {section}
            self._sums = None
        if self._sums is None:
            self._sums = self._sum_facts()
        return self._sums

    def in_range(self, lead_id: Any) -> list[ColumnElement[bool]]:
        """``lead_id`` (a column) within :attr:`lead_ids`."""
        first, end = self.lead_ids
        conds: list[ColumnElement[bool]] = []
        if first is not None:
            conds.append(lead_id >= first)
        if end is not None:
            conds.append(lead_id < end)
        return conds

    def temp_table(self, name: str, columns: list[Column[Any]], rows: Any) -> Table:
        """A temporary table filled from the select ``rows`` (dropped on :meth:`close`).

        Sections use one when several queries need the same costly per-lead values.
        """
        conn = self.session.connection()
        # Names are per connection; the lowest free number gives the next report
        # the same name, and so the same Table object and compiled statements.
        taken = _temp_names(conn)
        number = 0
        while f"report_{name}_{number}" in taken:
            number += 1
        table = _temp_table_named(f"report_{name}_{number}", columns)
        table.create(conn)
        taken.add(table.name)
        self._temps.append(table)
        conn.execute(insert(table).from_select([c.name for c in table.c], rows))
        return table

    def close(self) -> None:
        """Drop the temporary tables (they live as long as the connection otherwise).

        Their names are free again even when a drop fails: the tables were made
        in the caller's transaction, whose rollback drops them then.
        """
        conn = self.session.connection()
        temps, self._temps = self._temps, []
        _temp_names(conn).difference_update(table.name for table in temps)
        for table in reversed(temps):
            table.drop(conn)
        self._facts = self._open = None
        self._open_has_last = False
        self._sums = None

    def _build_facts(self) -> Table:
        pipe = self.pipe
        to_stage = col(StageHistory.to_stage_id)
        at = col(StageHistory.at)
        positions = {
            s.id: s.position for s in pipe.stages if s.kind in PATH_KINDS and s.id is not None
        }
        qualified_ids, won_ids = pipe.qualified_ids(), pipe.ids("won")
        history = (
            select(
                col(StageHistory.lead_id).label("lead_id"),
                func.max(by_value(to_stage, positions, Integer)).label("top"),
                func.min(by_value(to_stage, dict.fromkeys(qualified_ids, at), DateTime)).label(
                    "qualified_at"
                ),
                func.min(by_value(to_stage, dict.fromkeys(won_ids, at), DateTime)).label("won_at"),
            )
            .where(*self.in_range(col(StageHistory.lead_id)))
            .group_by(col(StageHistory.lead_id))
            .subquery()
        )
        sales = (
            select(
                col(Sale.lead_id).label("lead_id"),
                func.count().label("sales"),
                func.sum(Sale.amount_cents).label("cents"),
                func.min(Sale.date).label("first_sale"),
            )
            .where(*self.in_range(col(Sale.lead_id)))
            .group_by(col(Sale.lead_id))
            .subquery()
        )
        columns: list[Column[Any]] = [
            Column("lead_id", Integer, primary_key=True),
            Column("source", String),
            Column("created_at", DateTime),
            Column("top", Integer),
            Column("qualified_at", DateTime),
            Column("won_at", DateTime),
            Column("sales", Integer),
            Column("cents", Integer),
            Column("first_sale", Date),
        ]
        rows = (
            select(
                col(Lead.id),
                func.coalesce(col(Lead.source), NO_SOURCE),
                col(Lead.created_at),
                history.c.top,
                history.c.qualified_at,
                history.c.won_at,
                func.coalesce(sales.c.sales, 0),
                func.coalesce(sales.c.cents, 0),
                sales.c.first_sale,
            )
            .select_from(history)
            .join(Lead, col(Lead.id) == history.c.lead_id)
            .outerjoin(sales, sales.c.lead_id == history.c.lead_id)
            .where(*self.flt.lead_conditions(cohort=False))
        )
        return self.temp_table("facts", columns, rows)

    def _sum_facts(self) -> FactsSums:
        sums = FactsSums()
        wanted = self.sections
        f = self.facts
        cohort = self.cohort(f)
        if wanted & {"funnel", "sources"}:
            keys: list[Any] = [f.c.top]
            if "sources" in wanted:
                keys += [f.c.source, f.c.sales > 0]
            for row in self.run(
                select(*keys, func.count(), func.count(f.c.won_at), func.sum(f.c.cents))
                .where(*cohort)
                .group_by(*keys)
            ):
                top, *split, leads, won, cents = row
                cell: Cell = (top, str(split[0]), bool(split[1])) if split else (top, None, None)
                sums.cells[cell] = [int(leads), int(won), int(cents or 0)]
        if "sources" in wanted:
            days = (self.day(f.c.first_sale) - self.day(f.c.created_at)).label("days")
            for source, n_days, n in self.run(
                select(f.c.source, days, func.count())
                .where(f.c.first_sale.is_not(None), *cohort)
                .group_by(f.c.source, days)
            ):
                sums.sale_days[str(source), int(n_days)] = int(n)
        if "funnel" in wanted:
            sums.exits = self._count_exits()
        if "trend" in wanted:
            sums.days = self._count_trend_days()
        return sums

    def _count_exits(self) -> dict[int, int]:
        exits = [st.id for st in self.pipe.active if st.kind not in PATH_KINDS]
        if not exits:
            return {}
        history = StageHistory
        conds: list[ColumnElement[bool]] = [col(history.to_stage_id).in_(exits)]
        flt = self.flt
        if flt.source or flt.tag or flt.since or flt.until:
            facts = self.facts
            conds.append(
                col(history.lead_id).in_(select(facts.c.lead_id).where(*self.cohort(facts)))
            )
        else:
            conds += self.in_range(col(history.lead_id))
        rows = self.run(
            select(col(history.to_stage_id), func.count(func.distinct(history.lead_id)))
            .where(*conds)
            .group_by(col(history.to_stage_id))
        )
        return {int(stage_id): int(n) for stage_id, n in rows}

    def _count_trend_days(self) -> dict[str, dict[date, int]]:
        """Leads per day of the trend's window: captured, first qualified, first won.

        First won is the first won move or the first sale, whichever came first.
        """
        f = self.facts
        since, until = series_window(self.flt, self.today, self.by)
        window = ReportFilter(since, until)
        won_day, first_sale = func.date(f.c.won_at), f.c.first_sale
        first_won = case(
            (f.c.won_at.is_(None), first_sale),
            (first_sale.is_(None), won_day),
            (won_day <= first_sale, won_day),
            else_=first_sale,
        )
        series: dict[str, tuple[Any, list[ColumnElement[bool]]]] = {
            "new": (func.date(f.c.created_at), window.period(f.c.created_at)),
            "qualified": (func.date(f.c.qualified_at), window.period(f.c.qualified_at)),
            "won": (first_won, [first_won >= since, first_won <= until]),
        }
        out: dict[str, dict[date, int]] = {}
        for name, (day, conds) in series.items():
            per_day = out.setdefault(name, {})
            for when, n in self.run(select(day, func.count()).where(*conds).group_by(day)):
                per_day[as_date(when)] = int(n)  # the window is in ``conds``
        return out

    def _build_open_leads(self, *, last: bool) -> Table:
        latest: Any = literal(None, DateTime)
        if last:
            # The last interaction of every open lead: one index seek each.
            seek = (
                select(func.max(Interaction.at))
                .where(col(Interaction.lead_id) == col(Lead.id))
                .correlate(Lead)
                .scalar_subquery()
            )
            latest = func.coalesce(seek, col(Lead.created_at))
        columns: list[Column[Any]] = [
            Column("lead_id", Integer, primary_key=True),
            Column("stage_id", Integer),
            Column("since", DateTime),
            Column("last", DateTime),
        ]
        # ``stage_id + 0``: open leads are most leads, and reading the table in id
        # order (with the interaction seeks in that order too) beats one probe per
        # lead through the stage index.
        open_stage = (col(Lead.stage_id) + 0).in_(self.pipe.ids("open"))
        rows = select(
            col(Lead.id),
            col(Lead.stage_id),
            func.coalesce(col(Lead.stage_since), col(Lead.created_at)),
            latest,
        ).where(open_stage, *self.flt.lead_conditions())
        return self.temp_table("open_last" if last else "open", columns, rows)


def _temp_names(conn: Connection) -> set[str]:
    """The report tables' names in use on this database connection."""
    names: set[str] = conn.info.setdefault("prospectr_temp_tables", set())
    return names


_temp_tables: dict[tuple[str, tuple[str, ...]], Table] = {}
_temp_tables_lock = threading.Lock()


def _temp_table_named(name: str, columns: list[Column[Any]]) -> Table:
    """The one ``Table`` of this name and these columns in the process.

    SQLAlchemy keys its compiled statements by the ``Table`` object: the same
    object for every report lets a statement compiled once serve them all.
    """
    key = (name, tuple(f"{c.name}:{c.type!r}:{c.primary_key}" for c in columns))
    with _temp_tables_lock:
        table = _temp_tables.get(key)
        if table is None:
            table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"])
            _temp_tables[key] = table
        return table


@contextmanager
def report_data(
    session: Session,
    *,
    today: date,
    flt: ReportFilter | None = None,
    sections: Collection[str] = SECTIONS,
    by: str = "month",
    lead_ids: tuple[int | None, int | None] = (None, None),
) -> Iterator[ReportData]:
    """A :class:`ReportData` whose temporary tables are dropped at the end.

    After an error the drop may fail too (PostgreSQL refuses any statement in a
    failed transaction; SQLite a table a broken read still holds): the first
    error is the one raised, and the caller's rollback drops the tables.
    """
    data = ReportData(session, today=today, flt=flt, sections=sections, by=by, lead_ids=lead_ids)
    try:
        yield data
    except BaseException:
        with suppress(SQLAlchemyError):
            data.close()
        raise
    data.close()


# --- time buckets ---------------------------------------------------------------------


def bucket_start(day: date, by: str) -> date:
    """The first day of the month (``by="month"``) or the Monday of the week holding ``day``."""
    if by == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def bucket_label(start: date, by: str) -> str:
    """``2026-11`` for a month, ISO ``2026-W48`` for a week."""
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{start:%Y-%m}"


def step(start: date, by: str, n: int = 1) -> date:
    """The start of the bucket ``n`` buckets after the bucket starting at ``start``."""
    if by == "week":
        return start + timedelta(weeks=n)
    months = start.year * 12 + start.month - 1 + n
    return date(months // 12, months % 12 + 1, 1)


def series_window(flt: ReportFilter, today: date, by: str) -> tuple[date, date]:
    """First and last day of a time series: the period, else the last ``TREND_BUCKETS``."""
    if by not in BY:
        raise InvalidInput(f"--by must be month or week, not {by!r}")
    until = flt.until or today
    since = flt.since or step(bucket_start(until, by), by, 1 - TREND_BUCKETS)
    return since, until


def buckets(since: date, until: date, by: str) -> list[date]:
    """The starts of every bucket from the one holding ``since`` to the one holding ``until``."""
    out: list[date] = []
    cursor = bucket_start(since, by)
    while cursor <= until:
        out.append(cursor)
        cursor = step(cursor, by)
    return out
