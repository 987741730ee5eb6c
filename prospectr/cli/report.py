"""``prospectr report``: which channels bring buyers, where leads get stuck.

``prospectr report`` prints every section; ``prospectr report SECTION [MORE]...``
the ones named (funnel, sources, velocity, stale, lost, trend, customers) as
one report, in that order. Every form takes the
same filters (``--since``/``--until``, ``--source``, ``--tag``) and prints text
with charts, ``--json`` (``{"today", "filters", <section>: {...}}``) or
``--csv`` (one table per section; the full report separates its tables with a
blank line and starts each row with the section name). The definitions behind
the numbers are in ``prospectr.domain.reports``.

Stale thresholds are stored in the database: ``prospectr report stale --set
contacted=10 --set default=21`` changes them, ``--reset`` restores the defaults,
``--thresholds`` shows them.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Annotated, Any

import typer

from prospectr.cli.app import (
    WholeSentences,
    app,
    console,
    echo,
    fail,
    literal,
    print_json,
    today,
    unit,
    warn,
)

SECTION_NAMES = ("funnel", "sources", "velocity", "stale", "lost", "trend", "customers")
DEFAULT_LIMIT = 20


def no_section(name: str) -> str:
    """The error for a section name that is not one: it lists the sections."""
    return f"no report section {name!r} (sections: {', '.join(SECTION_NAMES)})"


class _Sections(WholeSentences):
    """The ``report`` group: an unknown section gets the list of sections, exit 2.

    Section names are matched case-insensitively, as the ones named after the
    first are (``report Funnel Sources``).
    """

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else ""
        known = not name or name.startswith("-") or self.get_command(ctx, name) is not None
        if not known and not ctx.resilient_parsing:
            key = name.strip().lower()
            if self.get_command(ctx, key) is None:
                fail(no_section(name), 2)
            args = [key, *args[1:]]
        return super().resolve_command(ctx, args)


report_app = typer.Typer(
    cls=_Sections,
    help="Reports: which channels bring buyers, where leads get stuck.\n\n"
    "Without a section, prints them all: funnel, sources, velocity, stale, lost, trend,"
    " customers. Name several to see them together.\n\n\b\n"
    "Example: prospectr report sources --since 2026-01-01\n"
    "Example: prospectr report funnel sources --json",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)
app.add_typer(report_app, name="report")

Since = Annotated[
    str | None,
    typer.Option(
        "--since", metavar="DATE", help="Period start: leads captured (or events dated) from."
    ),
]
Until = Annotated[
    str | None, typer.Option("--until", metavar="DATE", help="Period end (inclusive).")
]
Source = Annotated[
    str | None, typer.Option("--source", "-s", help="Only leads from this source ('(none)': none).")
]
Tag = Annotated[str | None, typer.Option("--tag", "-t", help="Only leads with this tag.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON (today, filters, the section).")]
Csv = Annotated[bool, typer.Option("--csv", help="Print CSV (one table per section).")]
By = Annotated[
    str | None, typer.Option("--by", metavar="month|week", help="Trend buckets (default month).")
]
More = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[SECTION]...",
        help="More sections to show with this one, as one report.",
        show_default=False,
    ),
]
Limit = Annotated[
    int | None,
    typer.Option("--limit", min=0, help=f"Stale leads listed (default {DEFAULT_LIMIT}; 0 = all)."),
]


@dataclass
class Options:
    """The options of one invocation (the group's, overridden by the section's)."""

    since: str | None = None
    until: str | None = None
    source: str | None = None
    tag: str | None = None
    json: bool = False
    csv: bool = False
    by: str | None = None
    limit: int | None = None

    def over(self, parent: Options | None) -> Options:
        """These options, falling back to the group's for the ones not given here."""
        if parent is None:
            return self
        merged = Options()
        for f in fields(Options):
            mine = getattr(self, f.name)
            unset = mine is None or mine is False
            setattr(merged, f.name, getattr(parent, f.name) if unset else mine)
        return merged


def run(sections: Sequence[str], opts: Options) -> None:
    """Compute the sections and print them in the chosen format."""
    from prospectr.domain.dates import parse_period
    from prospectr.domain.reports import ReportFilter, build_report

    if opts.json and opts.csv:
        fail("choose one of --json and --csv", 2)
    limit = DEFAULT_LIMIT if opts.limit is None else opts.limit
    with unit(write=False) as s:
        day = today()
        since, until = parse_period(opts.since, opts.until, day)
        flt = ReportFilter(
            since=since,
            until=until,
            source=opts.source,
            tag=opts.tag,
        )
        report = build_report(
            s,
            today=day,
            flt=flt,
            sections=sections,
            by=(opts.by or "month").strip().lower(),
            stale_limit=limit or None,
        )
    for note in report.notes:
        warn(note)
    if opts.json:
        print_json(report.as_dict())
    elif opts.csv:
        write_csv(report.sections, labelled=len(sections) > 1)
    else:
        from prospectr.report_fit import Fitted
        from prospectr.report_view import render_report

        # Fitted to the terminal: bars shrink or go before any number is cut.
        console().print(Fitted(render_report(report, limit=limit or None)))


def write_csv(sections: dict[str, Any], *, labelled: bool) -> None:
    """Each section's table; with ``labelled``, a ``section`` column and blank lines between.

    Every text cell gets the guard of ``export --format csv`` (see :func:`csv_cell`).
    """
    out = csv.writer(sys.stdout, lineterminator="\n")
    for index, (name, section) in enumerate(sections.items()):
        if index:
            sys.stdout.write("\n")
        names = list(section.CSV_FIELDS)
        out.writerow(["section", *names] if labelled else names)
        for row in section.csv_rows():
            values = [csv_cell(row[k]) for k in names]
            out.writerow([name, *values] if labelled else values)


_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")


def csv_cell(value: object) -> object:
    """A report value as a CSV cell that a spreadsheet never runs as a formula.

    Text starting with ``=``, ``+``, ``-`` or ``@`` (a source, a reason, a name)
    gets a leading ``'``, as ``export --format csv`` does. Numbers stay numbers,
    negative ones included, whether the section gives them as numbers or as
    exact text (``revenue``: ``-12.50``); None is an empty cell.
    """
    from prospectr.domain.exporter import neutralise

    if value is None:
        return ""
    if isinstance(value, str) and not _NUMBER_RE.fullmatch(value):
        return neutralise(value)
    return value


@report_app.callback()
def report_all(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    tag: Tag = None,
    by: By = None,
    limit: Limit = None,
    json_out: Json = False,
    csv_out: Csv = False,
) -> None:
    """Every report section: funnel, sources, velocity, stale, lost, trend, customers.

    \b
    Example: prospectr report --since 2026-01-01 --source referral
    """
    opts = Options(since, until, source, tag, json_out, csv_out, by, limit)
    if ctx.invoked_subcommand is None:
        run(SECTION_NAMES, opts)
    else:
        ctx.obj = opts


def _section(ctx: typer.Context, name: str, more: list[str] | None, opts: Options) -> None:
    """Run the section ``name`` (and the ``more`` named after it) as one report."""
    parent = ctx.obj if isinstance(ctx.obj, Options) else None
    named = {name}
    for extra in more or []:
        key = extra.strip().lower()
        if key not in SECTION_NAMES:
            fail(no_section(extra), 2)
        named.add(key)
    run([section for section in SECTION_NAMES if section in named], opts.over(parent))


def section_command(name: str, summary: str, example: str) -> None:
    """Register ``prospectr report NAME``, a section that takes only the common options."""

    def command(
        ctx: typer.Context,
        more: More = None,
        since: Since = None,
        until: Until = None,
        source: Source = None,
        tag: Tag = None,
        json_out: Json = False,
        csv_out: Csv = False,
    ) -> None:
        _section(ctx, name, more, Options(since, until, source, tag, json_out, csv_out))

    command.__name__ = f"{name}_cmd"
    command.__doc__ = f"{summary}\n\n\b\nExample: {example}"
    report_app.command(name)(command)


# The sections, registered in the order ``prospectr report --help`` lists them.
section_command(
    "funnel",
    "Leads that reached each stage (from stage history) and conversion to the next.",
    "prospectr report funnel --since 2026-01-01",
)

section_command(
    "sources",
    "Per source: leads, qualified, won, conversion, revenue, median days to first sale.",
    "prospectr report sources --tag fair-2026",
)

section_command(
    "velocity",
    "Median and 90th percentile days spent in each stage.",
    "prospectr report velocity --source referral",
)


@report_app.command("stale")
def stale_cmd(
    ctx: typer.Context,
    more: More = None,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    tag: Tag = None,
    limit: Limit = None,
    assign: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="STAGE=DAYS",
            help="Change a stage's threshold (repeat; 'default=DAYS' for the others).",
        ),
    ] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Restore the default thresholds.")] = False,
    show: Annotated[bool, typer.Option("--thresholds", help="Only show the thresholds.")] = False,
    json_out: Json = False,
    csv_out: Csv = False,
) -> None:
    """Open leads with no interaction for N days (per-stage N), oldest first.

    Defaults: new 7, contacted 14, nurturing 30, other open stages 14.

    \b
    Example: prospectr report stale --set contacted=10 --set default=21
    """
    from prospectr.domain import reports

    if assign or reset:
        with unit() as s:
            if reset:
                reports.reset_stale_thresholds(s)
            thresholds = reports.set_stale_thresholds(s, assign or [])
    else:
        with unit(write=False) as s:
            thresholds = reports.stale_thresholds(s)
    if show:
        if json_out:
            print_json(thresholds)
        else:
            for name, days in thresholds.items():
                echo(f"{name}\t{days}")
        return
    opts = Options(since, until, source, tag, json_out, csv_out, limit=limit)
    if (assign or reset) and not (opts.json or opts.csv):
        console().print(literal("stale thresholds saved", "dim"))
    _section(ctx, "stale", more, opts)


section_command(
    "lost",
    "Why leads were lost: counts by reason and by source.",
    "prospectr report lost --since 2026-01-01",
)


@report_app.command("trend")
def trend_cmd(
    ctx: typer.Context,
    more: More = None,
    since: Since = None,
    until: Until = None,
    source: Source = None,
    tag: Tag = None,
    by: By = None,
    json_out: Json = False,
    csv_out: Csv = False,
) -> None:
    """New, qualified and won leads and revenue per month (or week); last 12 by default.

    \b
    Example: prospectr report trend --by week --since 2026-09-01
    """
    _section(ctx, "trend", more, Options(since, until, source, tag, json_out, csv_out, by))


section_command(
    "customers",
    "Customers and repeat customers, sales per customer, revenue by month.",
    "prospectr report customers --since 2026-01-01",
)
