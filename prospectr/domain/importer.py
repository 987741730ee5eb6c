"""Importing leads from CSV, vCard and JSON files.

One call of :func:`import_file` is one batch inside the caller's transaction:
every record ends as exactly one of imported, merged (``--on-duplicate merge``),
updated (``--on-duplicate update``), unchanged (a duplicate that changed nothing),
skipped (a duplicate, by default) or rejected (with its line and reason), so the
counts add up to the records.
Rows go through ``prospectr.domain.leads.normalize_fields``, the validation of
``add``; duplicates are the same lower-cased email or the same phone digits,
against the database and within the file.

New leads are written with bulk inserts (SQLAlchemy Core) under ids taken after
the current maximum (the caller's write transaction holds the lock), so the
created rows are known without reading them back.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from prospectr.domain import text as t
from prospectr.domain.dates import parse_date
from prospectr.domain.import_bulk import BulkWriter
from prospectr.domain.import_dates import (
    BirthdayReader,
    ambiguous_order,
    column_order,
    mixed_orders,
)
from prospectr.domain.import_files import SourceFile, load_file, read_table
from prospectr.domain.import_mapping import (
    ColumnMap,
    known_score,
    parse_overrides,
    shown_columns,
)
from prospectr.domain.import_merge import Duplicate, Merger
from prospectr.domain.import_report import ImportReport, Reject
from prospectr.domain.import_vcard import RawCard, property_mapping, read_json, read_vcards
from prospectr.domain.leads import (
    first_stage,
    normalize_fields,
    normalize_tags,
    search_text_of,
)
from prospectr.errors import InvalidInput
from prospectr.models import ImportBatch, Lead, Stage

DUPLICATE_MODES = ("skip", "update", "merge")
PREVIEW_ROWS = 5
_PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None]
# line, raw fields, birthday cells as (column, text), problem, original cells
_Record = tuple[int, dict[str, Any], list[tuple[int, str]], str | None, list[str]]


@dataclass
class ImportOptions:
    """What the user asked for on the command line."""

    source: str | None = None
    tags: list[str] = field(default_factory=list)
    on_duplicate: str = "skip"
    mapping: list[str] = field(default_factory=list)
    encoding: str | None = None
    format: str | None = None
    date_order: str | None = None
    delimiter: str | None = None
    dry_run: bool = False
    # What the summary and the batch call the input when it is not the file's
    # path (standard input, saved to a temporary file first).
    label: str | None = None


def import_file(
    session: Session,
    path: Path,
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` as one batch (nothing is written with ``dry_run``).

    Raises InvalidInput/NotFound for a file that cannot be read at all; a bad
    row never stops the import (it is in ``report.rejects``).
    """
    if options.on_duplicate not in DUPLICATE_MODES:
        raise InvalidInput(
            f"--on-duplicate must be one of {', '.join(DUPLICATE_MODES)},"
            f" not {options.on_duplicate!r}"
        )
    with _cyclic_gc_paused():
        return _import(session, path, options, now=now, today=today, progress=progress)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while an import runs.

    An import holds every record in memory and creates a few small containers
    per row, none of them in reference cycles: the collector would walk that
    growing heap again and again for nothing (about 6% of an import's
    time). Plain reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    session: Session,
    path: Path,
    options: ImportOptions,
    *,
    now: datetime,
    today: date,
    progress: Progress | None,
) -> ImportReport:
    source = load_file(path, encoding=options.encoding, fmt=options.format)
    if source.format == "csv" and options.format is None:
        _read_rejected_cards(source)
    report = ImportReport(
        path=options.label or str(path),
        format=source.format,
        encoding=source.encoding,
        dry_run=options.dry_run,
        on_duplicate=options.on_duplicate,
        warnings=list(source.warnings),
    )
    records, total, orders = _read_records(source, options, report)
    if total == 0:
        # A header without rows (an empty weekly export): no batch, nothing written.
        what = "a header and no rows" if source.format == "csv" else "no record"
        report.nothing_to_import = f"{path.name} has {what}"
        return report
    run = ImportRun(session, options, report, now=now, today=today, orders=orders)
    try:
        for done, record in enumerate(records, start=1):
            run.add(record)
            if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        run.finish()
    except BaseException:
        run.abort()
        raise
    return report


_CARD_REJECTS_HEADER = ["line", "reason", "record"]


def _read_rejected_cards(source: SourceFile) -> None:
    """The rejects CSV of a vCard or JSON import holds each card's text in ``record``:
    read those texts as the cards they are (so the fixed file imports again)."""
    head, _, _ = source.text.partition("\n")
    header = next(csv.reader([head]), [])
    if [c.strip().lower() for c in header] != _CARD_REJECTS_HEADER:
        return
    rows = list(csv.reader(io.StringIO(source.text)))[1:]
    records = [row[2].strip() for row in rows if len(row) >= 3 and row[2].strip()]
    if records and all(r[:11].upper() == "BEGIN:VCARD" for r in records):
        source.format, source.text = "vcard", "\r\n".join(records) + "\r\n"
    elif records and all(r.startswith("{") for r in records):
        source.format, source.text = "json", "[" + ",\n".join(records) + "]"


def _read_records(
    source: SourceFile, options: ImportOptions, report: ImportReport
) -> tuple[Iterator[_Record], int, dict[int, str | None]]:
    if source.format == "csv":
        return _csv_records(source, options, report)
    if options.mapping:
        raise InvalidInput("--map applies to CSV files only")
    if source.format == "vcard":
        cards: list[RawCard] = list(read_vcards(source.text))
        for card in cards:
            report.row_warnings.extend(card.warnings)
        report.mapping, report.unmapped = property_mapping(cards)
    else:
        cards, unknown = read_json(source.text)
        report.unmapped = unknown
    order = column_order((c.birthday for c in cards), options.date_order)
    return (_card_record(c) for c in cards), len(cards), {0: order}


def _card_record(card: RawCard) -> _Record:
    bdays = [(0, card.birthday)] if card.birthday.strip() else []
    return card.line, dict(card.fields), bdays, card.problem, [card.text]


def _csv_records(
    source: SourceFile, options: ImportOptions, report: ImportReport
) -> tuple[Iterator[_Record], int, dict[int, str | None]]:
    overrides = parse_overrides(options.mapping)

    def score(cells: list[str]) -> int:
        return known_score(cells) + sum(1 for c in cells if t.fold(t.clean(c)) in overrides)

    table = read_table(source.text, score, options.delimiter)
    source.text = ""  # the rows hold what is needed; let the big string go
    cmap = ColumnMap.build(table.header, overrides)
    report.header = table.header
    report.delimiter = table.delimiter
    report.mapping = cmap.described
    if table.preamble_lines:
        report.warnings.append(
            f"skipped {table.preamble_lines} line(s) before the header on line {table.header_line}"
        )
    report.unmapped = [cmap.header[i] for i in cmap.unmapped if cmap.column_values(table.rows, i)]
    if not any(key in cmap.fields for key in ("name", "given_name", "family_name", "company")):
        # Every row would be rejected: refuse before anything is written (a cron
        # job sees the exit status, and no empty batch is left behind).
        example = report.unmapped[0] if report.unmapped else "Column"
        raise InvalidInput(
            f"no column of {source.path.name} is a name or a company"
            f" (columns: {shown_columns(table.header)}): map one, e.g."
            f" --map '{t.clean(example)[:40]}=name' (or given_name, family_name, company)"
        )
    orders: dict[int, str | None] = {}
    for index in cmap.fields.get("birthday", []):
        values = cmap.column_values(table.rows, index)
        orders[index] = column_order(values, options.date_order)
        if options.date_order is None and mixed_orders(values):
            report.warnings.append(
                f"column {table.header[index]!r} mixes day-first and month-first dates"
            )
    width = len(table.header)

    def records() -> Iterator[_Record]:
        # Rows are dropped as they are processed, so memory falls as the database fills.
        pending = table.rows
        pending.reverse()
        while pending:
            line, cells = pending.pop()
            if len(cells) != width and (
                len(cells) < width or any(c.strip() for c in cells[width:])
            ):
                problem = f"wrong number of fields: {len(cells)}, the header has {width}"
                yield line, {}, [], problem, cells
                continue
            fields, bdays = cmap.extract(cells)
            yield line, fields, bdays, None, cells

    total = len(table.rows)
    return records(), total, orders


# A new lead's lost reason and next follow-up date, from its row.
_StageExtra = tuple[str | None, date | None]
_NO_EXTRA: _StageExtra = (None, None)


class ImportRun:
    """The state of one import: duplicate keys, ids, buffers of rows to insert."""

    def __init__(
        self,
        session: Session,
        options: ImportOptions,
        report: ImportReport,
        *,
        now: datetime,
        today: date,
        orders: dict[int, str | None],
    ) -> None:
        self.session = session
        self.options = options
        self.report = report
        self.now = now
        self.today = today
        self.orders = orders
        self.bdays = BirthdayReader(today)
        self.mode = options.on_duplicate
        self.source = t.normalize_label(options.source) if options.source else None
        self.extra_tags = normalize_tags(options.tags)
        self.first_stage = first_stage(session)
        self.stages: dict[str, Stage] = {}
        for stage in session.exec(select(Stage).where(col(Stage.retired).is_(False))):
            self.stages[stage.name.casefold()] = stage
            if stage.key:
                self.stages.setdefault(stage.key, stage)
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        max_id = 0
        rows = session.execute(select(Lead.id, Lead.email, Lead.phone_key).order_by(col(Lead.id)))
        for lead_id, email, phone_key in rows:
            max_id = lead_id  # in id order: the last one is the largest
            if email:
                self.by_email.setdefault(email, lead_id)
            if phone_key:
                self.by_phone.setdefault(phone_key, lead_id)
        self.first_new_id = max_id + 1
        self.next_id = self.first_new_id
        self.line_of: dict[int, int] = {}
        self.merges: list[Duplicate] = []
        # A dry run with update/merge keeps the new leads' values: rows later in
        # the file may match them, and nothing is written to read them back from.
        self.dry_created: dict[int, tuple[dict[str, Any], list[str], str]] | None = (
            {} if options.dry_run and self.mode != "skip" else None
        )
        self.batch_id: int | None = None
        self.writer: BulkWriter | None = None
        if not options.dry_run:
            batch = ImportBatch(created_at=now, path=report.path, format=report.format)
            session.add(batch)
            session.flush()
            self.batch_id = batch.id
            report.batch_id = batch.id
            self.writer = BulkWriter(
                session,
                now=now,
                stage_id=self.first_stage.id or 0,
                batch_id=batch.id or 0,
                first_id=self.first_new_id,
            )

    # --- one record ------------------------------------------------------------

    def add(self, record: _Record) -> None:
        line, raw, bdays, problem, cells = record
        report = self.report
        report.records += 1
        if problem is not None:
            self._reject(line, problem, cells)
            return
        try:
            values, tags, note, stage, asked = self._validate(line, raw, bdays)
        except InvalidInput as exc:
            self._reject(line, str(exc), cells)
            return
        email, phone_key = values.get("email"), values.get("phone_key")
        target: int | None = None
        why = ""
        if email and email in self.by_email:
            target, why = self.by_email[email], f"email {email}"
        elif phone_key and phone_key in self.by_phone:
            target, why = self.by_phone[phone_key], f"phone {values.get('phone')}"
        if target is not None:
            self._duplicate(line, target, why, values, tags, note)
            return
        lead_id = self.next_id
        self.next_id += 1
        self.line_of[lead_id] = line
        if email:
            self.by_email[email] = lead_id
        if phone_key:
            self.by_phone[phone_key] = lead_id
        # Only a new lead takes its row's stage, lost reason and follow-up
        # (a duplicate merged into an existing lead does not move it).
        extra = self._stage_extra(line, stage, *asked) if asked is not None else _NO_EXTRA
        self._create(lead_id, values, tags, note, stage, extra)

    def _validate(
        self, line: int, raw: dict[str, Any], bdays: list[tuple[int, str]]
    ) -> tuple[dict[str, Any], list[str], str, Stage, tuple[str | None, str | None] | None]:
        # ``raw`` is this record's own dict (from ``ColumnMap.extract`` or a card):
        # it becomes the fields of ``normalize_fields`` once the other keys are out.
        middle = raw.pop("middle_name", None)
        stage_text = raw.pop("stage", None)
        lost_text = raw.pop("lost_reason", None)
        followup_text = raw.pop("next_followup", None)
        note = t.clean(raw.pop("notes", None), multiline=True)
        if not raw.get("name"):
            raw["name"] = " ".join(
                p for p in (raw.get("given_name"), middle, raw.get("family_name")) if p
            )
        # Only a yes is kept: no/empty leave a new lead contactable and never
        # clear the flag of an existing one (import_merge).
        dnc = raw.pop("do_not_contact", None)
        if dnc is not None and t.yes_no(dnc, "do_not_contact"):
            raw["do_not_contact"] = True
        if self.source:
            # The channel of this import: the source of new leads; on an existing
            # lead it only fills an empty source (import_merge).
            raw["source"] = self.source
        if self.extra_tags:
            raw["tags"] = [*raw.get("tags", ()), *self.extra_tags]
        for column, value in bdays:
            birthday, warning = self.bdays.read(value, self.orders.get(column))
            if warning:
                self.report.row_warnings.append((line, warning))
            if birthday is not None:
                raw["birthday"] = birthday
                break
        values = normalize_fields(raw, today=self.today)
        if not (values.get("name") or values.get("company")):
            raise InvalidInput("a lead needs a name or a company")
        stage = self.first_stage
        if stage_text:
            found = self.stages.get(t.clean(stage_text).casefold())
            if found is None:
                raise InvalidInput(f"no stage {t.clean(stage_text)!r}")
            stage = found
        # What the row asks of its stage; None for most rows (a new lead, first stage).
        asked = (lost_text, followup_text) if stage_text or lost_text or followup_text else None
        return values, values.pop("tags", []), note, stage, asked

    def _stage_extra(
        self, line: int, stage: Stage, lost_text: str | None, followup_text: str | None
    ) -> _StageExtra:
        """What a new lead's stage keeps beside it: the lost reason, the next follow-up.

        A follow-up date that cannot be read is a warning (the lead is still
        imported), and so is a stage that needs a follow-up date without one.
        """
        reason = (t.clean(lost_text) or None) if stage.kind == "lost" else None
        due: date | None = None
        if followup_text and followup_text.strip():
            if ambiguous_order(followup_text):
                self.report.row_warnings.append(
                    (
                        line,
                        f"follow-up date {followup_text.strip()!r} is ambiguous (day/month order"
                        " unknown): ignored; write it as YYYY-MM-DD",
                    )
                )
            else:
                try:
                    due = parse_date(followup_text, self.today)
                except InvalidInput as exc:
                    self.report.row_warnings.append((line, f"follow-up date ignored: {exc}"))
        if due is None and stage.requires_followup:
            self.report.row_warnings.append(
                (
                    line,
                    f"stage {stage.name} without a follow-up date: the lead will not come"
                    " back on the today screen (add one with 'prospectr followup add')",
                )
            )
        return reason, due

    def _reject(self, line: int, reason: str, cells: list[str]) -> None:
        self.report.rejected += 1
        self.report.rejects.append(Reject(line=line, reason=reason, cells=cells))

    def _duplicate(
        self,
        line: int,
        target: int,
        why: str,
        values: dict[str, Any],
        tags: list[str],
        note: str,
    ) -> None:
        report = self.report
        known = target < self.first_new_id
        where = f"lead #{target}" if known else f"line {self.line_of[target]}"
        if self.mode == "skip":
            report.skipped += 1
            kind = "already in the database" if known else "repeated in the file"
            report.skips[kind] += 1
            report.skipped_rows.append((line, f"duplicate of {where} ({why})"))
            return
        # Merged, updated or unchanged: the Merger counts it once it knows (in ``finish``).
        if values.get("bday_md") is not None and values.get("bday_year") is None:
            report.no_year += 1
        self.merges.append(Duplicate(line, target, why, values, tags, note))

    def _create(
        self,
        lead_id: int,
        values: dict[str, Any],
        tags: list[str],
        note: str,
        stage: Stage,
        extra: _StageExtra = _NO_EXTRA,
    ) -> None:
        report = self.report
        report.imported += 1
        if not values.get("email") and not values.get("phone_key"):
            report.no_contact += 1
        name_key = t.fold(values.get("name") or values.get("company") or "")
        search_text = search_text_of(values, sorted(tags), (note,) if note else ())
        if values.get("bday_md") is not None and values.get("bday_year") is None:
            report.no_year += 1
        if len(report.preview) < PREVIEW_ROWS:
            report.preview.append(_preview(values, tags, stage.name, note))
        if self.dry_created is not None:
            self.dry_created[lead_id] = (values, tags, note)
        if self.writer is not None:
            lost_reason, followup_due = extra
            if lost_reason is not None:
                values["lost_reason"] = lost_reason
            self.writer.add(
                values,
                lead_id=lead_id,
                stage_id=stage.id or 0,
                name_key=name_key,
                search_text=search_text,
                tags=tags,
                note=note,
                followup=(followup_due, _followup_text(stage)) if followup_due else None,
            )

    # --- the end ----------------------------------------------------------------

    def abort(self) -> None:
        """After an error: stop the writer (the caller's transaction rolls back)."""
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.abort()

    def finish(self) -> None:
        """Write what is left, combine the duplicates into their leads, record the counts.

        A dry run computes the same merge plan (and so the same counts) without writing.
        """
        report = self.report
        if self.writer is None:
            if self.merges:
                Merger(self).apply()
            return
        writer, self.writer = self.writer, None
        writer.close()
        if self.merges:
            Merger(self).apply()
        batch = self.session.get(ImportBatch, self.batch_id)
        assert batch is not None
        batch.counts = report.counts()
        self.session.add(batch)
        self.session.flush()


def _followup_text(stage: Stage) -> str:
    """The text of an imported follow-up (the file gives only its date)."""
    return f"follow up ({stage.name})" if stage.requires_followup else "follow up"


def _preview(values: dict[str, Any], tags: list[str], stage: str, note: str) -> dict[str, Any]:
    """A new lead as it will be stored (for ``--dry-run``)."""
    birthday = None
    if values.get("bday_md") is not None:
        year = f"{values['bday_year']:04d}" if values.get("bday_year") else "-"
        birthday = f"{year}-{values['bday_month']:02d}-{values['bday_day']:02d}"
    shown = ("name", "email", "phone", "company", "title", "city", "country", "source")
    return {
        **{key: values.get(key) for key in shown},
        "tags": tags,
        "birthday": birthday,
        "stage": stage,
        "note": note or None,
        "custom": values.get("custom") or {},
    }
