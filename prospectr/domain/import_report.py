"""What an import did: counts, reasons, warnings, and the rejects file."""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prospectr.config import open_private
from prospectr.domain.text import plural
from prospectr.errors import InvalidInput

# How many row warnings and skipped rows the summary spells out.
DETAIL_LIMIT = 20


@dataclass
class Reject:
    """A record that was not imported, with the line it starts on and why."""

    line: int
    reason: str
    cells: list[str]

    @property
    def kind(self) -> str:
        """The reason without its detail: ``invalid email: 'x'`` -> ``invalid email``."""
        return self.reason.split(":", 1)[0]


@dataclass
class ImportReport:
    """The outcome of one import.

    imported + merged + updated + unchanged + skipped + rejected == records:
    ``merged`` and ``updated`` count the duplicates that changed their lead
    (``--on-duplicate merge`` and ``update``), ``unchanged`` those that matched a
    lead but had nothing new for it (their lines are in ``unchanged_rows``).
    """

    path: str
    format: str
    encoding: str
    dry_run: bool
    on_duplicate: str
    batch_id: int | None = None
    delimiter: str | None = None
    records: int = 0
    imported: int = 0
    merged: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    no_year: int = 0
    # Imported rows with neither email nor phone: nothing can match them as duplicates.
    no_contact: int = 0
    header: list[str] = field(default_factory=list)
    mapping: list[tuple[str, str]] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skips: Counter[str] = field(default_factory=Counter)
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    unchanged_rows: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    row_warnings: list[tuple[int, str]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    rejects_path: str | None = None
    # Why the file held no record (then no batch was recorded), e.g. a header alone.
    nothing_to_import: str | None = None

    @property
    def reject_reasons(self) -> Counter[str]:
        """How many records were rejected for each kind of reason."""
        return Counter(r.kind for r in self.rejects)

    def all_warnings(self) -> list[str]:
        """File warnings, then row warnings (the first ones, with a count of the rest)."""
        out = list(self.warnings)
        out.extend(f"line {line}: {text}" for line, text in self.row_warnings[:DETAIL_LIMIT])
        if len(self.row_warnings) > DETAIL_LIMIT:
            out.append(f"... and {len(self.row_warnings) - DETAIL_LIMIT} more row warnings")
        if self.no_year:
            out.append(f"{plural(self.no_year, 'birthday')} without a year")
        out.extend(self._count_warnings())
        return out

    def _count_warnings(self) -> list[str]:
        """Warnings about the imported rows as a whole (also in ``--json`` ``warnings``)."""
        if not self.no_contact:
            return []
        rows = "1 row has" if self.no_contact == 1 else f"{self.no_contact} rows have"
        return [f"{rows} no email or phone: a re-import cannot tell them from new leads"]

    def counts_line(self) -> str:
        """The summary's counts: ``imported 3, merged 0, skipped 1, rejected 1 (5 records)``."""
        updating = self.on_duplicate == "update"
        combined = self.updated if updating else self.merged
        if self.dry_run:
            verb = ("would import", "update" if updating else "merge", "skip", "reject")
        else:
            verb = ("imported", "updated" if updating else "merged", "skipped", "rejected")
        unchanged = f" unchanged {self.unchanged}," if self.unchanged else ""
        return (
            f"{verb[0]} {self.imported}, {verb[1]} {combined},{unchanged}"
            f" {verb[2]} {self.skipped}, {verb[3]} {self.rejected}"
            f" ({plural(self.records, 'record')})"
        )

    def unchanged_line(self) -> str:
        """``unchanged: 2 duplicates had nothing new for their lead``."""
        dups = "1 duplicate" if self.unchanged == 1 else f"{self.unchanged} duplicates"
        return f"unchanged: {dups} had nothing new for their lead"

    def preview_lines(self) -> list[str]:
        """The first rows as they would be stored, one line each (a dry run's preview)."""
        lines: list[str] = []
        for row in self.preview:
            parts = [str(row["name"] or row["company"] or "")]
            parts += [str(row[k]) for k in ("email", "phone", "company") if row[k]]
            if row["birthday"]:
                parts.append(f"birthday {row['birthday']}")
            if row["tags"]:
                parts.append("tags " + ", ".join(map(str, row["tags"])))
            if row["source"]:
                parts.append(f"source {row['source']}")
            parts.append(f"[{row['stage']}]")
            lines.append("  " + " | ".join(parts))
        return lines

    def counts(self) -> dict[str, Any]:
        """The counts stored with the batch."""
        return {
            "records": self.records,
            "imported": self.imported,
            "merged": self.merged,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "on_duplicate": self.on_duplicate,
            "skips": dict(self.skips),
            "rejects": dict(self.reject_reasons),
        }

    def as_dict(self) -> dict[str, Any]:
        """The stable ``--json`` shape of an import summary."""
        return {
            "batch": self.batch_id,
            "dry_run": self.dry_run,
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            **self.counts(),
            "mapping": [{"column": c, "field": f} for c, f in self.mapping],
            "unmapped": self.unmapped,
            "rejected_rows": [{"line": r.line, "reason": r.reason} for r in self.rejects],
            "skipped_rows": [{"line": line, "reason": why} for line, why in self.skipped_rows],
            "unchanged_rows": [{"line": line, "reason": why} for line, why in self.unchanged_rows],
            "warnings": [*self.warnings, *self._count_warnings()],
            "row_warnings": [{"line": line, "warning": w} for line, w in self.row_warnings],
            "birthdays_without_year": self.no_year,
            "without_email_or_phone": self.no_contact,
            "preview": self.preview,
            "rejects_file": self.rejects_path,
            "nothing_to_import": self.nothing_to_import,
        }


def default_rejects_path(path: Path) -> Path:
    """Where rejects go unless ``--rejects`` says: beside the input, ``NAME.rejects.csv``."""
    return path.with_name(f"{path.stem}.rejects.csv")


REJECTS_HEAD = ("line", "reason")
# The files beside a SQLite database that belong to it.
_DB_COMPANIONS = ("", "-wal", "-shm", "-journal")
_ELSE = ": give --rejects another path"


def check_rejects_path(path: Path, *, source: Path, database: Path | None) -> None:
    """Refuse a rejects path whose file is not a rejects file to replace. Raises InvalidInput.

    Called before the import, so a refusal writes nothing. The rejects file is
    rewritten by each import: it may not be the file being imported, the
    database (or its journal files), a folder, or an existing file that is not
    an earlier rejects file (its first line starts ``line,reason``).
    """
    target = _resolved(path)
    if target == _resolved(source):
        raise InvalidInput(f"the rejects file {path} would replace the file being imported{_ELSE}")
    if database is not None:
        base = _resolved(database)
        if any(target == base.with_name(base.name + end) for end in _DB_COMPANIONS):
            raise InvalidInput(f"the rejects file {path} would replace the database{_ELSE}")
    if target.is_dir():
        raise InvalidInput(f"the rejects file {path} is a folder: give --rejects a file name")
    if target.exists() and not _is_rejects_file(target):
        raise InvalidInput(
            f"the rejects file {path} would replace a file that is not an earlier"
            f" rejects file{_ELSE} (or move that file away)"
        )


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path.expanduser()))


def _is_rejects_file(path: Path) -> bool:
    """True when the file starts with a rejects header (``line,reason,...``)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    text = head.decode("utf-8-sig", errors="replace").lstrip('"').lower()
    return text.startswith(("line,reason", 'line","reason', "line;reason"))


def _guard(cell: str) -> str:
    """Spreadsheet formula guard (the import undoes it)."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell


def rejects_csv(report: ImportReport) -> str:
    """The rejects as CSV: line, reason, then the record's original cells.

    For a CSV input the original header follows ``line,reason``, so the file
    can be fixed and imported again.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    extra = report.header if report.format == "csv" else ["record"]
    # An earlier rejects file imported again: its own line and reason give way to these.
    skip = 2 if [h.strip().lower() for h in extra[:2]] == list(REJECTS_HEAD) else 0
    writer.writerow([*REJECTS_HEAD, *extra[skip:]])
    for r in report.rejects:
        cells = r.cells[skip:]
        writer.writerow([str(r.line), _guard(r.reason), *(_guard(c) for c in cells)])
    return out.getvalue()


def finish_rejects(report: ImportReport, path: Path) -> None:
    """After an import (before its commit): write its rejects file when there is one to write.

    A rejects file left by an earlier import is rewritten too (header only when
    nothing was rejected), so it always tells of the latest one. A dry run, or a
    file with nothing to import, writes nothing.
    """
    if report.dry_run or report.nothing_to_import:
        return
    if report.rejects or path.exists():
        write_rejects(report, path)


def write_rejects(report: ImportReport, path: Path) -> Path:
    """Write the rejects CSV (UTF-8 with a BOM, so spreadsheets read accents). Returns path."""
    data = rejects_csv(report).encode("utf-8-sig")
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open_private(tmp, binary=True) as fh:  # personal data: owner only
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write rejects file {path}: {exc.strerror or exc}") from None
    report.rejects_path = str(path)
    return path
