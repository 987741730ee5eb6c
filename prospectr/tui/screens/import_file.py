"""Importing a file from the workspace: a preview (dry run) first, then the import.

The screen asks for the path, an optional tag and source, and what to do with
duplicates; Enter previews and ctrl+s imports, each in a thread worker with its
own unit of work (the import of a large file takes seconds, and the screen keeps
answering meanwhile). The summary is the command line's: format, counts,
rejects, warnings, mapping, unread columns, first rows. Every text from the file
is shown literally.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from prospectr import config
from prospectr.db import translate_db_error
from prospectr.domain.import_report import (
    DETAIL_LIMIT,
    ImportReport,
    check_rejects_path,
    default_rejects_path,
    finish_rejects,
)
from prospectr.domain.importer import DUPLICATE_MODES, ImportOptions, import_file
from prospectr.errors import ProspectrError
from prospectr.tui.screens.base import text_input
from prospectr.tui.widgets.text import lit

if TYPE_CHECKING:
    from prospectr.tui.app import ProspectrApp

DUPLICATE_LABELS = {
    "skip": "skip (keep the known lead as it is)",
    "update": "update (the file wins)",
    "merge": "merge (fill only empty fields)",
}
# How many rejected rows the summary spells out (as the command line).
REJECT_LINES = 20
_GROUP = "import"

# What the user typed: path, tag, source, on-duplicate.
Inputs = tuple[str, str, str, str]


class _Stopped(Exception):
    """The screen was closed during a preview: the worker stops (nothing was written)."""


def typed_path(text: str) -> Path | None:
    """The path typed, absolute (``~`` expanded; quotes of a pasted path dropped), or None.

    Absolute, so the summary says which folder the rejects file went to.
    """
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return Path(text).expanduser().absolute() if text else None


def path_problem(path: Path | None) -> str:
    """Why the path cannot be imported, checked as it is typed ("" when it looks fine)."""
    if path is None:
        return "type the path of a CSV, vCard or JSON file"
    if not path.exists():
        return f"no such file: {path}"
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if not os.access(path, os.R_OK):
        return f"cannot read {path}: permission denied"
    return ""


class ImportScreen(ModalScreen[ImportReport | None]):
    """Preview a CSV, vCard or JSON import (Enter), then import it (ctrl+s); Esc closes.

    Returns the report of the last import made, or None.
    """

    DEFAULT_CSS = """
    ImportScreen {
        align: center middle;
    }
    ImportScreen #import-box {
        width: 100;
        max-width: 100%;
        height: 100%;
        max-height: 44;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ImportScreen #import-title {
        height: 1;
        margin-bottom: 1;
    }
    ImportScreen .import-row {
        height: 1;
    }
    ImportScreen .import-label {
        width: 13;
        color: $text-muted;
    }
    ImportScreen .import-row Input, ImportScreen .import-row Select {
        width: 1fr;
    }
    ImportScreen #import-path-hint {
        height: auto;
        padding-left: 13;
        color: $text-muted;
    }
    ImportScreen #import-path-hint.-error {
        color: $error;
    }
    ImportScreen #import-buttons {
        height: 1;
        margin-top: 1;
    }
    ImportScreen #import-buttons Button {
        margin-right: 2;
    }
    ImportScreen #import-working {
        height: 1;
        margin-top: 1;
    }
    ImportScreen #import-status {
        width: 1fr;
        color: $text-muted;
    }
    ImportScreen #import-progress {
        width: auto;
        margin-left: 2;
    }
    ImportScreen #import-error {
        height: auto;
        color: $error;
    }
    ImportScreen #import-result {
        height: 1fr;
        margin-top: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "preview", "Preview", show=False),
        Binding("ctrl+s", "start_import", "Import"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy: bool = False
        self.dry_run: bool = True
        self.report: ImportReport | None = None
        # The report of the last import made here (what the screen returns).
        self.last_import: ImportReport | None = None
        self._asked: Inputs | None = None
        self._summarised: Inputs | None = None
        self._imported: Inputs | None = None

    @property
    def papp(self) -> ProspectrApp:
        """The app, typed."""
        from prospectr.tui.app import ProspectrApp

        return cast(ProspectrApp, self.app)

    def compose(self) -> ComposeResult:
        choices = [(lit(DUPLICATE_LABELS[m]), m) for m in DUPLICATE_MODES]
        with Vertical(id="import-box"):
            yield Static(
                Text.assemble(("Import a file", "bold"), ("  CSV, vCard or JSON", "dim")),
                id="import-title",
            )
            with Horizontal(classes="import-row"):
                yield Label("File", classes="import-label")
                yield text_input(placeholder="~/contacts.vcf", id="import-path")
            yield Static("", id="import-path-hint")
            with Horizontal(classes="import-row"):
                yield Label("Tag", classes="import-label")
                yield text_input(
                    placeholder="optional: for every lead, e.g. phone", id="import-tag"
                )
            with Horizontal(classes="import-row"):
                yield Label("Source", classes="import-label")
                yield text_input(
                    placeholder="optional: the channel of every lead, e.g. website",
                    id="import-source",
                )
            with Horizontal(classes="import-row"):
                yield Label("Duplicates", classes="import-label")
                yield Select(
                    choices, value="skip", allow_blank=False, compact=True, id="import-duplicates"
                )
            with Horizontal(id="import-buttons"):
                yield Button(
                    "Preview (Enter)", variant="primary", id="import-preview", compact=True
                )
                yield Button("Import (ctrl+s)", id="import-run", compact=True)
                yield Button("Close (Esc)", id="import-close", compact=True)
            with Horizontal(id="import-working"):
                yield Static("", id="import-status")
                yield ProgressBar(total=None, show_eta=False, id="import-progress")
            yield Static("", id="import-error")
            with VerticalScroll(id="import-result"):
                yield Static("", id="import-report")

    def on_mount(self) -> None:
        self.query_one("#import-path-hint").display = False
        self.query_one("#import-progress").display = False
        self.query_one("#import-error").display = False
        self._status("Enter previews the import (nothing is written), ctrl+s imports")
        self.query_one("#import-path", Input).focus()

    # --- the fields ------------------------------------------------------------------

    def inputs(self) -> Inputs:
        """What is typed and chosen now."""
        duplicates = self.query_one("#import-duplicates", Select).value
        return (
            self.query_one("#import-path", Input).value,
            self.query_one("#import-tag", Input).value,
            self.query_one("#import-source", Input).value,
            "skip" if duplicates is Select.NULL else str(duplicates),
        )

    def _check_path(self) -> Path | None:
        """The path when it looks importable; else the reason, under the field."""
        field = self.query_one("#import-path", Input)
        path = typed_path(field.value)
        problem = path_problem(path)
        # Without a problem, the hint says the full path when it was not typed.
        expanded = str(path) if path is not None and str(path) != field.value.strip() else ""
        hint = self.query_one("#import-path-hint", Static)
        hint.update(lit(problem or expanded))
        hint.set_class(bool(problem), "-error")
        hint.display = bool(problem or expanded)
        return None if problem else path

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        if isinstance(event, Input.Changed) and event.input.id == "import-path":
            if event.value.strip():
                self._check_path()
            else:
                self.query_one("#import-path-hint").display = False
        self._error("")
        if not self.busy and self.report is not None and self._summarised != self.inputs():
            what = "preview" if self.report.dry_run else "import"
            self._status(f"changed since the {what} below: Enter previews again")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_preview()

    @on(Button.Pressed, "#import-preview")
    def _preview_pressed(self) -> None:
        self.action_preview()

    @on(Button.Pressed, "#import-run")
    def _run_pressed(self) -> None:
        self.action_start_import()

    @on(Button.Pressed, "#import-close")
    def _close_pressed(self) -> None:
        self.action_close()

    # --- actions ---------------------------------------------------------------------

    def action_preview(self) -> None:
        """A dry run: what the import would do, with nothing written."""
        self._start(dry_run=True)

    def action_start_import(self) -> None:
        """The import itself: one batch, one transaction."""
        self._start(dry_run=False)

    def action_close(self) -> None:
        """Close (a preview under way stops; an import under way finishes first)."""
        if self.busy and not self.dry_run:
            self._status("importing: the summary comes when it is done (then Esc closes)")
            return
        self.workers.cancel_group(self, _GROUP)
        self.dismiss(self.last_import)

    def _start(self, *, dry_run: bool) -> None:
        if self.busy:
            return  # the status line already says what is under way
        inputs = self.inputs()
        path = self._check_path()
        if path is None:
            self._error("")
            self.query_one("#import-path", Input).focus()
            return
        if not dry_run and inputs == self._imported and self.last_import is not None:
            self._error(
                f"{path.name} was just imported (batch #{self.last_import.batch_id}):"
                " change the file or an option to import again"
            )
            return
        _, tag, source, duplicates = inputs
        options = ImportOptions(
            source=source.strip() or None,
            tags=[tag] if tag.strip() else [],
            on_duplicate=duplicates,
            dry_run=dry_run,
        )
        self.busy, self.dry_run, self._asked = True, dry_run, inputs
        self._error("")
        self.report = None  # the last summary would read as this one's
        self.query_one("#import-report", Static).update("")
        self._status(f"{'previewing' if dry_run else 'importing'} {path.name}: reading the file…")
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._run(path, options)

    # --- the worker ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group=_GROUP, exit_on_error=False)
    def _run(self, path: Path, options: ImportOptions) -> ImportReport:
        """The import in its own unit of work (read-only for a preview)."""
        app = self.papp
        worker = get_current_worker()

        def tick(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Stopped  # the import rolls back
            app.call_from_thread(self._progress, done, total)

        rejects = default_rejects_path(path)
        check_rejects_path(rejects, source=path, database=config.sqlite_path(app.db_label))
        with app.unit(write=not options.dry_run) as s:
            report = import_file(s, path, options, now=app.now(), today=app.today(), progress=tick)
            finish_rejects(report, rejects)
        return report

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#import-progress", ProgressBar).update(total=total, progress=done)
        verb = "previewing" if self.dry_run else "importing"
        self._status(f"{verb}: {done:,} of {total:,} records")

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != _GROUP or worker.node is not self:
            return
        if event.state == WorkerState.SUCCESS and isinstance(worker.result, ImportReport):
            self._finished(worker.result)
        elif event.state == WorkerState.ERROR:
            self._failed(worker.error)
        elif event.state == WorkerState.CANCELLED:
            self._idle()

    def _idle(self) -> None:
        self.busy = False
        self.query_one("#import-progress").display = False

    def _finished(self, report: ImportReport) -> None:
        self._idle()
        self.report, self._summarised = report, self._asked
        self.query_one("#import-report", Static).update(report_text(report))
        self.query_one("#import-result", VerticalScroll).scroll_home(animate=False)
        if report.dry_run:
            self._status("preview shown: ctrl+s imports the file, Esc closes")
            return
        if report.batch_id is None:
            self._status("nothing was imported; Esc closes")
            return
        self.last_import, self._imported = report, self._asked
        self._status(f"imported as batch #{report.batch_id}; Esc closes")
        self._reload_below()

    def _failed(self, exc: BaseException | None) -> None:
        self._idle()
        if isinstance(exc, SQLAlchemyError):
            exc = translate_db_error(exc)
        message = str(exc) if isinstance(exc, ProspectrError) else f"import failed: {exc!r}"
        self._error(message)
        self._status("nothing was written" if self.dry_run else "the import was rolled back")

    def _reload_below(self) -> None:
        """The screen under this one shows the new leads at once (others reload on return)."""
        stack = self.app.screen_stack
        if len(stack) >= 2:
            reload = getattr(stack[-2], "reload", None)
            if callable(reload):
                reload()

    # --- lines -----------------------------------------------------------------------

    def _status(self, message: str) -> None:
        self.query_one("#import-status", Static).update(lit(message))

    def _error(self, message: str) -> None:
        error = self.query_one("#import-error", Static)
        error.update(lit(" ".join(message.split())))
        error.display = bool(message)


def _rows(rows: list[tuple[int, str]]) -> list[Text]:
    out = [lit(f"  line {line}: {why}") for line, why in rows[:DETAIL_LIMIT]]
    if len(rows) > DETAIL_LIMIT:
        out.append(lit(f"  ... and {len(rows) - DETAIL_LIMIT} more", "dim"))
    return out


def report_text(report: ImportReport) -> Text:
    """The summary of an import or a preview, as the command line prints it (literal text).

    The counts come first, so they show without scrolling; the mapping and the
    first rows follow.
    """
    name = Path(report.path).name
    if report.nothing_to_import:
        return lit(f"nothing to import: {report.nothing_to_import}")
    lines: list[Text] = []
    head = "dry run: nothing was written" if report.dry_run else f"batch #{report.batch_id}"
    lines.append(
        Text.assemble((head, "bold"), lit(f" ({name}: {report.format}, {report.encoding})"))
    )
    lines.append(lit(report.counts_line(), "bold"))
    if report.skips:
        lines.append(
            lit("skipped: " + ", ".join(f"{n} {why}" for why, n in report.skips.most_common()))
        )
        lines.extend(_rows(report.skipped_rows))
    if report.unchanged_rows:
        lines.append(lit(report.unchanged_line()))
        lines.extend(_rows(report.unchanged_rows))
    if report.rejects:
        reasons = ", ".join(f"{n} {why}" for why, n in report.reject_reasons.most_common())
        where = f" (written to {report.rejects_path})" if report.rejects_path else ""
        lines.append(lit(f"rejected: {reasons}{where}", "red"))
        lines.extend(lit(f"  line {r.line}: {r.reason}") for r in report.rejects[:REJECT_LINES])
        if len(report.rejects) > REJECT_LINES:
            lines.append(lit(f"  ... and {len(report.rejects) - REJECT_LINES} more", "dim"))
    elif report.rejects_path:
        lines.append(
            lit(f"rejected: none ({report.rejects_path} from an earlier import now lists none)")
        )
    lines.extend(lit(f"warning: {w}", "yellow") for w in report.all_warnings())
    if report.mapping:
        lines.append(Text("mapping:", style="bold"))
        lines.extend(lit(f"  {column} -> {target}") for column, target in report.mapping)
    if report.unmapped:
        listed = ", ".join(report.unmapped)
        if report.format == "csv":
            keep = f'prospectr import FILE --map "{report.unmapped[0]}=custom"'
            lines.append(lit(f"columns not imported: {listed} (keep one with {keep})"))
        else:
            kind = "vCard properties" if report.format == "vcard" else "keys"
            lines.append(lit(f"{kind} not imported: {listed}"))
    if report.dry_run and report.preview:
        lines.append(Text("first rows as they would be stored:", style="bold"))
        lines.extend(lit(line) for line in report.preview_lines())
    if report.batch_id is not None and (report.imported or report.merged or report.updated):
        lines.append(lit(f"undo with: prospectr import undo {report.batch_id}", "dim"))
    return Text("\n").join(lines)
