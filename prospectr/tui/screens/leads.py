"""The lead list: search as you type, filters, sort, paged from the database."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from sqlalchemy.exc import SQLAlchemyError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from prospectr import domain
from prospectr.domain.search import LeadQuery, LeadRow
from prospectr.errors import ProspectrError
from prospectr.tui.screens.base import NavBar, ProspectrScreen, text_input
from prospectr.tui.screens.form import Field, FormScreen
from prospectr.tui.screens.lead_actions import LeadActions, lead_bindings
from prospectr.tui.widgets.lead_table import PAGE, LeadTable, Loader
from prospectr.tui.widgets.text import lit

# Columns that ``s`` cycles through (the domain's sort keys).
SORT_CYCLE = ("name", "company", "stage", "followup", "source", "last-contact", "created")
# Wait this long after a keystroke before querying, so a burst of typing runs one query.
DEBOUNCE_S = 0.03
# The table's line when a search or filter matches nothing.
NO_MATCH = "no leads match: Esc clears the search and filters"
# What a lead action says when there is no lead at all.
NO_LEADS = "no leads yet: press a to add one"
# How long a hint stays on screen; the same hint is not shown again meanwhile.
HINT_S = 4.0
# Per app: each hint on screen and when it goes (monotonic seconds).
_shown_hints: WeakKeyDictionary[Any, dict[str, float]] = WeakKeyDictionary()


class LeadHints(LeadActions):
    """Lead actions that say once, never in a stack, why nothing happened.

    With no lead under the cursor the actions warn; a key pressed again (or
    another action key) while that warning is still up adds no second one, and
    an empty database gets the way out instead: press a.
    """

    # Overrides LeadActions._lead_id (which warns on every key).
    def _lead_id(self) -> int | None:
        lead_id = self.current_lead_id()
        if lead_id is None:
            self.hint_no_lead()
        return lead_id

    def any_leads(self) -> bool:
        """True when the database holds a lead (or cannot be read: no hint then)."""
        app = self._app

        def count() -> int:
            with app.unit(write=False) as s:
                return domain.count_matching(s, LeadQuery(), today=app.today())

        found = app.guard(count)
        return found is None or found > 0

    def hint_no_lead(self, message: str = "no lead selected") -> None:
        """Warn that no lead is at hand (or that there is none yet)."""
        self.hint(message if self.any_leads() else NO_LEADS)

    def hint(self, message: str) -> None:
        """A warning toast, unless the same one is still showing."""
        now = time.monotonic()
        shown = _shown_hints.setdefault(self._app, {})
        if shown.get(message, 0.0) > now:
            return
        shown[message] = now + HINT_S
        self._app.notify(message, severity="warning", markup=False, timeout=HINT_S)


def narrowed(query: LeadQuery) -> bool:
    """True when a search or a filter narrows the list (the sort does not)."""
    bare = replace(query, text=query.text.strip(), sort="name", descending=False)
    return bare != LeadQuery()


class Welcome(Static, can_focus=True):
    """The first-run note; focusable so that single-letter keys reach the app."""


class LeadsScreen(LeadHints, ProspectrScreen):
    """Every lead, a page at a time; Enter opens one."""

    MODE = "leads"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", key_display="/"),
        Binding("F", "filters", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("S", "reverse", "Reverse sort", show=False),
        Binding("escape", "clear", "Clear", show=False, tooltip="Clear the search and filters"),
        *lead_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = LeadQuery()
        self.total_leads: int | None = None
        # The query whose rows the table shows (the benchmark reads it).
        self.shown: LeadQuery | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("leads")
        yield text_input(placeholder="/ search name, email, phone, tags, notes…", id="search")
        yield Static("", id="leads-status")
        yield LeadTable(id="leads-table")
        yield Welcome("", id="welcome")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#welcome").display = False
        table = self.query_one(LeadTable)
        table.today = self.papp.today()
        table.focus()

    # --- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self._search(replace(self.query_state), keep_cursor=True, debounce=0.0)

    @work(thread=True, exclusive=True, group="leads-search", exit_on_error=False)
    def _search(self, query: LeadQuery, *, keep_cursor: bool, debounce: float) -> None:
        """First page, shown at once; then the counts for the status line and scrollbar."""
        worker = get_current_worker()
        if debounce:
            time.sleep(debounce)
            if worker.is_cancelled:
                return
        app = self.papp
        today = app.today()
        try:
            with app.unit(write=False) as s:
                rows = domain.list_leads(s, query, today=today, limit=PAGE)
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._show, query, rows, keep_cursor)
            with app.unit(write=False) as s:
                total = len(rows)
                if total == PAGE:
                    total = domain.count_matching(s, query, today=today)
                all_leads = domain.count_matching(s, LeadQuery(), today=today)
        except (ProspectrError, SQLAlchemyError) as exc:
            self.app.call_from_thread(app.error, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._counted, query, total, all_leads)

    def _loader(self, query: LeadQuery) -> Loader:
        app = self.papp

        def load(offset: int, limit: int) -> list[LeadRow]:
            with app.unit(write=False) as s:
                return domain.list_leads(s, query, today=app.today(), limit=limit, offset=offset)

        return load

    def _show(self, query: LeadQuery, rows: list[LeadRow], keep_cursor: bool) -> None:
        if query != self.query_state:
            return
        table = self.query_one(LeadTable)
        table.sort, table.descending = query.sort, query.descending
        total = len(rows)
        if keep_cursor and total == PAGE:
            total = max(total, table.total)  # until the count arrives
        table.set_empty_text(NO_MATCH if narrowed(query) else "")
        table.reset(self._loader(query), rows, total, keep_cursor=keep_cursor)
        self.shown = query

    def _counted(self, query: LeadQuery, total: int, all_leads: int) -> None:
        if query != self.query_state:
            return
        self.query_one(LeadTable).set_total(total)
        self.total_leads = all_leads
        self._status(total)

    def _status(self, total: int) -> None:
        query = self.query_state
        parts = []
        if self.total_leads == 0:
            parts.append("no leads yet")
        elif self.total_leads is not None:
            parts.append(f"{total:,} of {self.total_leads:,} leads")
        filters = [
            f"{name}: {value}"
            for name, value in (
                ("stage", query.stage),
                ("temperature", query.temperature),
                ("tag", query.tag),
                ("source", query.source),
            )
            if value
        ]
        parts.extend(filters)
        arrow = "▼" if query.descending else "▲"
        parts.append(f"sort: {query.sort} {arrow}")
        self.query_one("#leads-status", Static).update(lit("  ·  ".join(parts)))
        empty = self.total_leads == 0
        table = self.query_one(LeadTable)
        table.display = not empty
        welcome = self.query_one("#welcome", Static)
        welcome.display = empty
        if empty and not self.query_one("#search", Input).has_focus:
            welcome.focus()
        elif not empty and welcome.has_focus:
            table.focus()
        if empty:
            welcome.update(
                lit(
                    "No leads yet.\n\n"
                    "  a  add a lead\n"
                    "  i  import a file (vCard or CSV)\n"
                    "  ?  every key\n\n"
                    f"Database: {self.papp.db_path}"
                )
            )

    # --- search, filters, sort ---------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        self.query_state = replace(self.query_state, text=event.value)
        self._search(replace(self.query_state), keep_cursor=False, debounce=DEBOUNCE_S)

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one(LeadTable).focus()

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        search = self.query_one("#search", Input)
        if key == "down" and search.has_focus:
            self.query_one(LeadTable).focus()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        if search.value or self.query_state != LeadQuery(sort=self.query_state.sort):
            self.query_state = LeadQuery(
                sort=self.query_state.sort, descending=self.query_state.descending
            )
            with search.prevent(Input.Changed):
                search.value = ""
            self.reload()
        self.query_one(LeadTable).focus()

    def _set_query(self, query: LeadQuery) -> None:
        self.query_state = query
        self._search(replace(query), keep_cursor=False, debounce=0.0)

    def action_sort(self) -> None:
        current = self.query_state.sort
        index = SORT_CYCLE.index(current) if current in SORT_CYCLE else -1
        self._set_query(
            replace(
                self.query_state, sort=SORT_CYCLE[(index + 1) % len(SORT_CYCLE)], descending=False
            )
        )

    def action_reverse(self) -> None:
        self._set_query(replace(self.query_state, descending=not self.query_state.descending))

    @on(LeadTable.SortRequested)
    def _header_clicked(self, event: LeadTable.SortRequested) -> None:
        if event.sort == self.query_state.sort:
            self.action_reverse()
        else:
            self._set_query(replace(self.query_state, sort=event.sort, descending=False))

    def action_filters(self) -> None:
        app = self.papp

        def load() -> list[tuple[str, str]]:
            with app.unit(write=False) as s:
                return [(st.name, st.name) for st in domain.list_stages(s)]

        stages = app.guard(load)
        if stages is None:
            return
        q = self.query_state
        fields = [
            Field("stage", "Stage", value=q.stage or "", choices=stages),
            Field(
                "temperature",
                "Temperature",
                value=q.temperature or "",
                choices=[(t, t) for t in domain.TEMPERATURES],
            ),
            Field("tag", "Tag", value=q.tag or "", placeholder="fair-2026"),
            Field("source", "Source", value=q.source or "", placeholder="referral"),
        ]

        def submit(values: dict[str, str], force: bool) -> LeadQuery:
            query = replace(
                self.query_state,
                stage=values["stage"] or None,
                temperature=values["temperature"] or None,
                tag=values["tag"].strip() or None,
                source=values["source"].strip() or None,
            )
            with app.unit(write=False) as s:
                domain.count_matching(s, query, today=app.today())  # the domain validates
            return query

        def chosen(query: LeadQuery | None) -> None:
            if query is not None:
                self._set_query(query)

        app.push_screen(FormScreen("Filter leads", fields, submit, save_label="Apply"), chosen)

    # --- the current lead ---------------------------------------------------------------------

    def current_lead_id(self) -> int | None:
        row = self.query_one(LeadTable).current
        return row.id if row else None

    def any_leads(self) -> bool:
        if self.total_leads is not None:
            return self.total_leads > 0
        return super().any_leads()

    def after_change(self) -> None:
        self.reload()

    @on(LeadTable.Selected)
    def _open(self, event: LeadTable.Selected) -> None:
        from prospectr.tui.screens.detail import LeadDetailScreen

        self.app.push_screen(LeadDetailScreen(event.row.id))
