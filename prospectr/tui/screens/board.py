"""The pipeline board: one column per open stage with its count.

Each column lists the most recently updated leads of its stage (a page, never
the whole stage). ``]`` and ``[`` move the highlighted lead to the next or
previous stage; a move to lost or not-now asks for what the domain requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalScroll, Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from prospectr import domain
from prospectr.domain.search import LeadQuery, LeadRow
from prospectr.errors import NotFound, ProspectrError
from prospectr.tui.screens.base import NavBar, ProspectrScreen
from prospectr.tui.screens.lead_actions import lead_bindings
from prospectr.tui.screens.leads import LeadHints
from prospectr.tui.widgets.lead_table import StopOptionList
from prospectr.tui.widgets.text import TEMPERATURE_LABEL, TEMPERATURE_STYLE, lit

COLUMN_LIMIT = 200
# The narrowest a stage column gets (cells); below it the board scrolls sideways.
COLUMN_MIN = 18
# The gap after each column (its right margin in app.tcss).
COLUMN_GAP = 1


@dataclass
class BoardColumnData:
    """One open stage: its id, name, lead count and first leads."""

    stage_id: int
    name: str
    count: int
    rows: list[LeadRow]


class BoardList(StopOptionList):
    """A column's leads: a click highlights (and focuses); a double click opens."""

    async def _on_click(self, event: events.Click) -> None:
        clicked: int | None = event.style.meta.get("option")
        if clicked is None or self._options[clicked].disabled:
            return
        event.stop()
        self.focus()
        if event.chain > 1 and self.highlighted == clicked:
            self.action_select()
        else:
            self.highlighted = clicked


class BoardColumn(Vertical):
    """A stage column: title with count, and its leads."""

    def __init__(self, data: BoardColumnData) -> None:
        super().__init__(classes="board-column")
        self.data = data

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="board-title")
        yield BoardList(*self._options(), classes="board-list")

    def _title(self) -> Text:
        title = lit(self.data.name, "bold")
        title.append(f" ({self.data.count:,})", style="dim")
        return title

    def _options(self) -> list[Option]:
        options = []
        for row in self.data.rows:
            label = lit(row.name)
            label.no_wrap = True
            label.overflow = "ellipsis"
            mark = TEMPERATURE_LABEL.get(row.temperature, "")
            if row.temperature != "unknown":
                label.append(f" {mark}", style=TEMPERATURE_STYLE.get(row.temperature, ""))
            options.append(Option(label, id=str(row.id)))
        return options

    def update(self, data: BoardColumnData) -> None:
        """Show new data, keeping the highlight where it was if possible."""
        self.data = data
        self.query_one(".board-title", Static).update(self._title())
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        options.add_options(self._options())
        if options.option_count:
            options.highlighted = min(keep or 0, options.option_count - 1)
        hidden = data.count - len(data.rows)
        options.border_subtitle = f"+{hidden:,} more" if hidden > 0 else ""


class BoardScroll(HorizontalScroll, inherit_bindings=False):
    """The row of stage columns.

    It takes no keys (left and right switch columns, see BoardScreen) and sizes
    its columns: they share the width when they all fit at ``COLUMN_MIN``;
    otherwise as many as fit are shown whole, each as wide as the view allows,
    and the board scrolls to the focused one.
    """

    def on_resize(self) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """Give the columns the width the view allows (see the class)."""
        columns = list(self.query_children(BoardColumn))
        if not columns:
            return
        room = self.scrollable_content_region.width
        per_view = max(1, room // (COLUMN_MIN + COLUMN_GAP))
        width: int | str = "1fr"
        if per_view < len(columns):
            width = max(COLUMN_MIN, room // per_view - COLUMN_GAP)
        for column in columns:
            column.styles.width = width


class BoardScreen(LeadHints, ProspectrScreen):
    """Kanban over the open stages; keys and clicks move leads."""

    MODE = "board"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "column(-1)", "Column", show=False),
        Binding("right,l", "column(1)", "Column", show=False),
        Binding("right_square_bracket", "step(1)", "Next stage", key_display="]"),
        Binding("left_square_bracket", "step(-1)", "Prev stage", key_display="["),
        Binding("enter", "open", "Open"),
        *[b for b in lead_bindings("move") if b.action not in ("step(1)", "step(-1)")],
    ]

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[BoardColumnData] = []
        self._follow: tuple[int, int] | None = None
        # A lead to highlight on the next load (the one open when the board was chosen).
        self._wanted: int | None = None

    def compose(self) -> ComposeResult:
        yield NavBar("board")
        yield BoardScroll(id="board")
        yield Footer(compact=True)

    def reload(self) -> None:
        self._load(self._wanted)

    def show_lead(self, lead_id: int) -> None:
        """Highlight ``lead_id`` in its stage's column on the next load."""
        self._wanted = lead_id

    @work(thread=True, exclusive=True, group="board", exit_on_error=False)
    def _load(self, wanted: int | None = None) -> None:
        app = self.papp
        follow: tuple[int, int] | None = None
        try:
            with app.unit(write=False) as s:
                if wanted is not None:
                    try:
                        follow = (wanted, domain.get_lead(s, wanted).stage_id)
                    except NotFound:  # deleted meanwhile: the board as usual
                        follow = None
                counts = domain.stage_counts(s)
                columns = []
                for stage in domain.list_stages(s):
                    if stage.kind != "open" or stage.id is None:
                        continue
                    query = LeadQuery(stage=stage.name, sort="updated", descending=True)
                    rows = domain.list_leads(s, query, today=app.today(), limit=COLUMN_LIMIT)
                    columns.append(
                        BoardColumnData(stage.id, stage.name, counts.get(stage.id, 0), rows)
                    )
        except (ProspectrError, SQLAlchemyError) as exc:
            self.app.call_from_thread(app.error, str(exc))
            return
        self.app.call_from_thread(self._show, columns, wanted, follow)

    def _show(
        self,
        columns: list[BoardColumnData],
        wanted: int | None = None,
        follow: tuple[int, int] | None = None,
    ) -> None:
        if wanted is not None and self._wanted == wanted:
            self._wanted = None
        if follow is not None and any(c.stage_id == follow[1] for c in columns):
            self._follow = follow
        board = self.query_one("#board", BoardScroll)
        existing = list(board.query(BoardColumn))
        same = [c.data.stage_id for c in existing] == [c.stage_id for c in columns]
        self.columns = columns
        if same:
            for widget, data in zip(existing, columns, strict=True):
                widget.update(data)
            self._after_show()
        else:
            focus_index = self._focused_column()
            board.remove_children()
            widgets = [BoardColumn(data) for data in columns]
            board.mount_all(widgets)
            self.call_after_refresh(self._after_mount, widgets, focus_index)

    def _after_mount(self, widgets: list[BoardColumn], focus_index: int) -> None:
        self.query_one("#board", BoardScroll).fit_columns()
        for widget in widgets:
            widget.update(widget.data)
        if widgets:
            widgets[max(0, min(focus_index, len(widgets) - 1))].query_one(OptionList).focus()
        self._after_show()

    def _after_show(self) -> None:
        if self._follow is None:
            return
        lead_id, stage_id = self._follow
        self._follow = None
        for widget in self.query(BoardColumn):
            if widget.data.stage_id != stage_id:
                continue
            options = widget.query_one(OptionList)
            for i, row in enumerate(widget.data.rows):
                if row.id == lead_id:
                    options.highlighted = i
                    options.focus()
                    options.scroll_visible()
                    options.scroll_to_highlight()
                    return
            # Past the column's first cards: no other lead is made current.
            return

    # --- focus and current lead --------------------------------------------------------------

    def _lists(self) -> list[OptionList]:
        return list(self.query(".board-list").results(OptionList))

    def _focused_column(self) -> int:
        for i, options in enumerate(self._lists()):
            if options.has_focus:
                return i
        return 0

    def action_column(self, step: int) -> None:
        lists = self._lists()
        if lists:
            index = max(0, min(len(lists) - 1, self._focused_column() + step))
            lists[index].focus()
            lists[index].scroll_visible()

    def current_lead_id(self) -> int | None:
        for options in self._lists():
            if options.has_focus and options.highlighted is not None and options.option_count:
                option_id = options.get_option_at_index(options.highlighted).id
                return int(option_id) if option_id else None
        return None

    def move_to(self, lead_id: int, stage_id: int) -> None:
        # Follow the lead to its new column when that column is on the board.
        if any(c.stage_id == stage_id for c in self.columns):
            self._follow = (lead_id, stage_id)
        super().move_to(lead_id, stage_id)

    def after_change(self) -> None:
        self.reload()

    def action_open(self) -> None:
        from prospectr.tui.screens.detail import LeadDetailScreen

        lead_id = self.current_lead_id()
        if lead_id is not None:
            self.app.push_screen(LeadDetailScreen(lead_id))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_open()

    def on_click(self, event: events.Click) -> None:
        # A click on a column title focuses that column.
        widget = event.widget
        while widget is not None and not isinstance(widget, BoardColumn):
            widget = widget.parent  # type: ignore[assignment]
        if isinstance(widget, BoardColumn):
            widget.query_one(OptionList).focus()
