"""Commands of the io room: import (with undo and list) and export."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from prospectr.cli.app import (
    app,
    db_url,
    discard_new_database,
    echo,
    fail,
    guarded,
    now,
    print_json,
    today,
    unit,
    warn,
)
from prospectr.cli.options import (
    CityFilter,
    DescOpt,
    DueFilter,
    QueryFilter,
    SortOpt,
    SourceFilter,
    StageFilter,
    TagFilter,
    TempFilter,
    lead_query,
)
from prospectr.config import open_private
from prospectr.domain.text import plural

if TYPE_CHECKING:
    from prospectr.domain.import_report import ImportReport

IMPORT_HELP = """Import leads from a CSV, vCard (2.1/3.0/4.0) or JSON file, or manage past imports.

\b
  prospectr import FILE [options]   import a file (one batch, one transaction)
  prospectr import undo BATCH       remove what a batch created, restore what it changed
  prospectr import list             past imports with their counts

Columns of Google Contacts, Outlook, LinkedIn, HubSpot and Pipedrive exports are
recognised; --map fixes the others. Bad rows are reported with their line and
written to a rejects CSV beside the file. A file named 'undo' or 'list' is
imported as ./undo or ./list.

\b
Examples:
  prospectr import contacts.vcf --dry-run
  prospectr import contacts.vcf --tag phone
  prospectr import ~/exports/webform.csv --source website
  curl -s https://example.org/form.csv | prospectr import - --source website
  prospectr import leads.csv --map "Mobile=phone" --map "Gender=custom" --dayfirst
  prospectr import undo 7
"""


@app.command("import", help=IMPORT_HELP)
def import_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="FILE|undo|list",
            help="A file to import (- for standard input), or undo / list.",
        ),
    ],
    batch: Annotated[
        str | None, typer.Argument(metavar="[BATCH]", help="With undo: the batch id.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Show what would happen; write nothing.")
    ] = False,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Source (channel) for every row.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="Tag for every row (repeatable).")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            "-m",
            help="'Column Name=field' (name, given_name, middle_name, family_name, email,"
            " phone, company, title, city, country, source, tags, birthday, notes, stage,"
            " custom, custom:KEY, ignore). Repeatable.",
        ),
    ] = None,
    on_duplicate: Annotated[
        str,
        typer.Option(
            "--on-duplicate",
            help="Same email or phone as a known lead or an earlier row: skip, update"
            " (the file wins) or merge (fill only empty fields).",
        ),
    ] = "skip",
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Rejects CSV (default: FILE.rejects.csv beside it)."),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="Force the encoding (default: UTF-8, else Windows-1252)."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, vcard or json (default: detected).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV delimiter (default: sniffed).")
    ] = None,
    dayfirst: Annotated[
        bool, typer.Option("--dayfirst", help="Read 05/01/1979 as 5 January.")
    ] = False,
    monthfirst: Annotated[
        bool, typer.Option("--monthfirst", help="Read 05/01/1979 as May 1.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="undo: even if the leads changed since.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    if target == "list" and batch is None:
        _list_batches(json_out)
        return
    if target == "undo":
        if batch is None or not batch.lstrip("#").isdigit():
            fail("usage: prospectr import undo BATCH (see 'prospectr import list')", 2)
        _undo(int(batch.lstrip("#")), force, json_out)
        return
    if batch is not None:
        fail(f"unexpected argument {batch!r} after the file name", 2)
    if dayfirst and monthfirst:
        fail("--dayfirst and --monthfirst exclude each other", 2)
    if delimiter is not None and delimiter not in (",", ";", "\t", "\\t", "tab"):
        fail("--delimiter must be ',', ';' or tab", 2)
    from prospectr.domain.import_report import (
        check_rejects_path,
        default_rejects_path,
        finish_rejects,
    )
    from prospectr.domain.importer import ImportOptions, import_file

    with _input_file(target) as path:
        rejects = rejects or (Path(STDIN_REJECTS) if target == "-" else None)
        options = ImportOptions(
            source=source,
            tags=list(tag or []),
            on_duplicate=on_duplicate.strip().lower(),
            mapping=list(mapping or []),
            encoding=encoding,
            format={"vcf": "vcard"}.get(fmt or "", fmt),
            date_order="dayfirst" if dayfirst else "monthfirst" if monthfirst else None,
            delimiter="\t" if delimiter in ("\\t", "tab") else delimiter,
            dry_run=dry_run,
            label="stdin" if target == "-" else None,
        )
        rejects_path = (rejects or default_rejects_path(path)).expanduser()
        guarded(lambda: check_rejects_path(rejects_path, source=path, database=_db_file()))
        with _progress() as tick, unit(write=not dry_run) as s:
            report = import_file(s, path, options, now=now(), today=today(), progress=tick)
            finish_rejects(report, rejects_path)
        if dry_run or report.nothing_to_import:
            discard_new_database()  # nothing was written: not even a new empty file
        if json_out:
            print_json(report.as_dict())
        else:
            _print_report(report)


# Where the rejects of an import read from standard input go, unless --rejects says.
STDIN_REJECTS = "stdin.rejects.csv"


@contextmanager
def _input_file(target: str) -> Iterator[Path]:
    """The file to import; ``-`` is standard input, kept in a private temporary file.

    The import reads a file (it decides the format and encoding from the bytes),
    so standard input is saved first and removed afterwards, whatever happens.
    """
    if target != "-":
        yield Path(target).expanduser()
        return
    if _stdin_is_terminal():
        fail("nothing is piped in: give a file, or pipe one into 'prospectr import -'", 2)
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="prospectr-import-"))  # 0700
    try:
        path = folder / "stdin"
        with open_private(path, binary=True) as fh:
            shutil.copyfileobj(sys.stdin.buffer, fh)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _db_file() -> Path | None:
    """The SQLite file in use, if the database is one."""
    from prospectr import config

    return config.sqlite_path(db_url())


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when both outputs are terminals; nothing when piped."""
    if not (sys.stdout.isatty() and sys.stderr.isatty()) or os.environ.get("CI"):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("importing", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


def _print_report(report: ImportReport) -> None:
    if report.nothing_to_import:
        echo(f"nothing to import: {report.nothing_to_import}")
        return
    name = Path(report.path).name
    if report.dry_run:
        echo(f"dry run: nothing was written ({name}: {report.format}, {report.encoding})")
        if report.mapping:
            echo("mapping:")
            for column, target in report.mapping:
                echo(f"  {column} -> {target}")
    line = report.counts_line()
    if report.batch_id is not None:
        line += f" - batch #{report.batch_id}"
    echo(line)
    if report.skips:
        echo("skipped: " + ", ".join(f"{n} {why}" for why, n in report.skips.most_common()))
        _print_rows(report.skipped_rows)
    if report.unchanged_rows:
        echo(report.unchanged_line())
        _print_rows(report.unchanged_rows)
    if report.rejects:
        reasons = ", ".join(f"{n} {why}" for why, n in report.reject_reasons.most_common())
        where = f" (written to {report.rejects_path})" if report.rejects_path else ""
        echo(f"rejected: {reasons}{where}")
        for r in report.rejects[:20]:
            echo(f"  line {r.line}: {r.reason}")
        if len(report.rejects) > 20:
            echo(f"  ... and {len(report.rejects) - 20} more")
    elif report.rejects_path:
        echo(f"rejected: none ({report.rejects_path} from an earlier import now lists none)")
    for warning in report.all_warnings():
        echo(f"warning: {warning}")
    if report.unmapped:
        listed = ", ".join(report.unmapped)
        if report.format == "csv":
            keep = f'--map "{report.unmapped[0]}=custom"'
            echo(f"columns not imported: {listed} (keep one with {keep})")
        else:
            kind = "vCard properties" if report.format == "vcard" else "keys"
            echo(f"{kind} not imported: {listed}")
    if report.dry_run and report.preview:
        echo("first rows as they would be stored:")
        for preview_line in report.preview_lines():
            echo(preview_line)
    if report.batch_id is not None and (report.imported or report.merged or report.updated):
        echo(f"undo with: prospectr import undo {report.batch_id}")


def _print_rows(rows: list[tuple[int, str]]) -> None:
    """The first rows of a list as ``  line N: why``, then how many more."""
    from prospectr.domain.import_report import DETAIL_LIMIT

    for row_line, why in rows[:DETAIL_LIMIT]:
        echo(f"  line {row_line}: {why}")
    if len(rows) > DETAIL_LIMIT:
        echo(f"  ... and {len(rows) - DETAIL_LIMIT} more")


def _list_batches(json_out: bool) -> None:
    from prospectr.domain.import_batches import list_batches

    with unit(write=False) as s:
        rows = list_batches(s)
    if json_out:
        print_json([r.as_dict() for r in rows])
        return
    if not rows:
        echo("no imports yet")
        return
    for r in rows:
        d = r.as_dict()
        undone = f"  undone {r.undone_at:%Y-%m-%d %H:%M}" if r.undone_at else ""
        combined = "updated" if r.counts.get("on_duplicate") == "update" else "merged"
        unchanged = f" unchanged {d['unchanged']}," if d["unchanged"] else ""
        echo(
            f"#{r.id}  {r.created_at:%Y-%m-%d %H:%M}  {Path(r.path).name} ({r.format})"
            f"  imported {d['imported']}, {combined} {d[combined]},{unchanged}"
            f" skipped {d['skipped']}, rejected {d['rejected']}{undone}"
        )


def _undo(batch_id: int, force: bool, json_out: bool) -> None:
    from prospectr.domain.import_batches import undo_import

    with unit() as s:
        result = undo_import(s, batch_id, now=now(), force=force)
    if json_out:
        print_json(result.as_dict())
    else:
        echo(
            f"undid import #{batch_id}: deleted {result.deleted} lead(s),"
            f" restored {result.restored}"
        )


EXPORT_HELP = """Export leads as CSV, JSON, vCard 3.0 or iCalendar, with the filters of list.

The .ics calendar holds each birthday as a yearly all-day event with an alarm
--alarm-days before (09:00), and each open follow-up on its date.

\b
Examples:
  prospectr export --format ics > leads.ics
  prospectr export --format vcf --tag fair-2026 -o fair.vcf
  prospectr export --format csv --stage qualified --source referral
"""


@app.command("export", help=EXPORT_HELP)
def export_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[WORDS]...", help="Words to find, as in search (or -q)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="csv, json, vcf or ics (default: from -o, else csv)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
    stage: StageFilter = None,
    temperature: TempFilter = None,
    source: SourceFilter = None,
    tag: TagFilter = None,
    city: CityFilter = None,
    due: DueFilter = False,
    query: QueryFilter = "",
    sort: SortOpt = "name",
    desc: DescOpt = False,
    alarm_days: Annotated[
        int, typer.Option("--alarm-days", help="ics: birthday alarm this many days before.")
    ] = 3,
) -> None:
    from prospectr.domain.exporter import ExportTally, iter_export

    chosen = (fmt or (output.suffix.lstrip(".") if output else "") or "csv").lower()
    chosen = {"vcard": "vcf", "ical": "ics"}.get(chosen, chosen)
    text = " ".join([*(words or []), query]).strip()  # words as in search, or list's -q
    lead_q = lead_query(text, stage, temperature, source, tag, city, due, sort, desc)
    tally = ExportTally()
    with unit(write=False) as s:
        chunks = iter_export(
            s, lead_q, chosen, today=today(), now=now(), alarm_days=alarm_days, tally=tally
        )
        if output is None:
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        else:
            _write_file(output, chunks)
    # An empty export is written all the same (a scheduled one replaces the last),
    # but said on stderr: a filter may be wrong.
    if not tally.leads:
        warn("no lead matched: the export holds none")
    elif chosen == "ics" and not tally.events:
        among = plural(tally.leads, "lead")
        warn(f"the calendar has no events (no birthday or open follow-up among {among})")


def _write_file(path: Path, chunks: Iterator[str]) -> None:
    """Write beside the target, then rename: a failed export leaves no half file.

    The file is readable by its owner only, like the database it comes from.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open_private(tmp) as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"cannot write {path}: {exc.strerror or exc}", 5)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
