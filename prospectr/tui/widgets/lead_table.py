"""A virtual lead list: only the visible pages are ever fetched or rendered.

The table knows how many rows match (``total``) and asks a loader for pages of
``PAGE`` rows as they scroll into view, in a thread worker. A list of 100,000
leads therefore costs what one screen of rows costs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList

from prospectr.domain.search import LeadRow
from prospectr.tui.widgets.text import TEMPERATURE_LABEL, TEMPERATURE_STYLE, day, safe

PAGE = 100

Loader = Callable[[int, int], list[LeadRow]]


class StopOptionList(OptionList):
    """An option list whose cursor stops at the first and last lines (it never wraps).

    Textual's list jumps from the last option to the first on down (and back on
    up): on a list of things to act on, a key pressed once too often would then
    act on the wrong one. Here the cursor stays put at either end, as in the
    lead table; a disabled line past the end (a note) is scrolled into view.
    """

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_cursor_down(self) -> None:
        self._step(1)

    def _step(self, direction: int) -> None:
        if self.highlighted is None:
            self.highlight_nearest(0 if direction > 0 else self.option_count - 1)
            return
        index = self.highlighted + direction
        while 0 <= index < self.option_count:
            if not self.get_option_at_index(index).disabled:
                self.highlighted = index
                return
            index += direction
        # At an end: show the lines past it (a section title, a "more" note).
        if direction > 0:
            self.scroll_end(animate=False)
        else:
            self.scroll_home(animate=False)

    def highlight_nearest(self, index: int) -> None:
        """Highlight the enabled option at ``index``, else the next one, else the one before."""
        count = self.option_count
        if not count:
            return
        index = max(0, min(index, count - 1))
        after = range(index, count)
        before = range(index - 1, -1, -1)
        for i in (*after, *before):
            if not self.get_option_at_index(i).disabled:
                self.highlighted = i
                return


@dataclass(frozen=True)
class Column:
    """One column: LeadRow field, title, minimum and maximum width, flex share, priority, sort.

    When the table is narrow the lowest priorities are dropped first; when it is
    wide, flexible columns grow up to their maximum.
    """

    key: str
    title: str
    width: int
    limit: int
    flex: int
    priority: int
    sort: str | None


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 16, 40, 3, 100, "name"),
    Column("company", "Company", 10, 28, 2, 30, "company"),
    Column("email", "Email", 16, 32, 2, 10, None),
    Column("city", "City", 10, 16, 1, 20, None),
    Column("stage", "Stage", 9, 9, 0, 90, "stage"),
    Column("temperature", "Temp", 4, 4, 0, 80, None),
    Column("next_followup", "Follow-up", 10, 10, 0, 70, "followup"),
    Column("source", "Source", 8, 10, 1, 50, "source"),
    Column("last_contact", "Contacted", 10, 10, 0, 40, "last-contact"),
)


def layout(width: int) -> list[tuple[Column, int]]:
    """The columns that fit ``width`` cells and their widths (low priority dropped first)."""
    cols = list(COLUMNS)
    while len(cols) > 1 and sum(c.width for c in cols) + len(cols) - 1 > width:
        cols.remove(min(cols, key=lambda c: c.priority))
    widths = [c.width for c in cols]
    spare = width - (sum(widths) + len(cols) - 1)
    # Hand out spare cells by flex share, never past a column's maximum.
    while spare > 0:
        growable = [i for i, c in enumerate(cols) if c.flex and widths[i] < c.limit]
        if not growable:
            break
        shares = sum(cols[i].flex for i in growable)
        given = 0
        for i in growable:
            extra = min(cols[i].limit - widths[i], max(1, spare * cols[i].flex // shares))
            extra = min(extra, spare - given)
            widths[i] += extra
            given += extra
        if not given:
            break
        spare -= given
    return list(zip(cols, widths, strict=True))


def cell(row: LeadRow, key: str) -> Text:
    """One cell of a row as literal text."""
    if key == "temperature":
        return Text(
            TEMPERATURE_LABEL.get(row.temperature, ""), TEMPERATURE_STYLE.get(row.temperature, "")
        )
    if key == "next_followup":
        return Text(day(row.next_followup))
    if key == "last_contact":
        return Text(day(row.last_contact.date()) if row.last_contact else "")
    return Text(safe(getattr(row, key) or ""))


class LeadTable(ScrollView, can_focus=True):
    """Rows of leads with a cursor; Enter or a click on the cursor row opens one."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "lead-table--header",
        "lead-table--cursor",
        "lead-table--sorted",
        "lead-table--overdue",
        "lead-table--empty",
    }

    DEFAULT_CSS = """
    LeadTable {
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    LeadTable > .lead-table--header { text-style: bold; background: $panel; }
    LeadTable > .lead-table--sorted { text-style: bold underline; background: $panel; }
    LeadTable > .lead-table--cursor { background: $block-cursor-blurred-background; }
    LeadTable:focus > .lead-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    LeadTable > .lead-table--overdue { color: $error; }
    LeadTable > .lead-table--empty { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=True),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        """The cursor moved onto a row (``row`` is None while its page loads)."""

        def __init__(self, row: LeadRow | None) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        """Enter (or a click on the cursor row) on a lead."""

        def __init__(self, row: LeadRow) -> None:
            super().__init__()
            self.row = row

    class SortRequested(Message):
        """A click on a sortable column title."""

        def __init__(self, sort: str) -> None:
            super().__init__()
            self.sort = sort

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.total = 0
        self.today: date | None = None
        self.sort = "name"
        self.descending = False
        self._loader: Loader | None = None
        self._pages: dict[int, list[LeadRow]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        # The result generation last drawn (the benchmark waits for it).
        self.painted = 0
        # A line shown under the titles when no row matches (literal text).
        self.empty_text = ""

    # --- data ------------------------------------------------------------------

    def reset(
        self, loader: Loader, rows: list[LeadRow], total: int, *, keep_cursor: bool = False
    ) -> None:
        """Show a new result: its first page and how many rows match in all."""
        self._generation += 1
        self._loader = loader
        self._pages = {0: rows}
        self._pending = set()
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        if keep_cursor:
            self.cursor = min(self.cursor, max(0, total - 1))
        else:
            self.scroll_to(y=0, animate=False)
            self.cursor = 0
        self.refresh()

    def set_empty_text(self, text: str) -> None:
        """The line to show when no row matches ("" for none)."""
        if text != self.empty_text:
            self.empty_text = text
            self.refresh()

    def set_total(self, total: int) -> None:
        """The row count arrived after the first page."""
        self.total = total
        self.virtual_size = Size(self.size.width, total + 1)
        self.refresh()

    def row_at(self, index: int) -> LeadRow | None:
        """The row at ``index`` if its page is loaded (asks for it otherwise)."""
        if not 0 <= index < self.total:
            return None
        page, offset = divmod(index, PAGE)
        rows = self._pages.get(page)
        if rows is None:
            self._request(page)
            return None
        return rows[offset] if offset < len(rows) else None

    @property
    def current(self) -> LeadRow | None:
        """The row under the cursor."""
        return self.row_at(self.cursor)

    def _request(self, page: int) -> None:
        if page in self._pending or self._loader is None:
            return
        self._pending.add(page)
        loader, generation = self._loader, self._generation

        def fetch() -> None:
            rows = loader(page * PAGE, PAGE)
            self.app.call_from_thread(self._got_page, generation, page, rows)

        self.run_worker(fetch, thread=True, group="lead-pages", exit_on_error=False)

    def _got_page(self, generation: int, page: int, rows: list[LeadRow]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        # Keep memory flat while scrolling through a long list.
        if len(self._pages) > 20:
            keep = {page, self.cursor // PAGE, 0}
            for key in [k for k in self._pages if k not in keep][: len(self._pages) - 20]:
                del self._pages[key]
        self.refresh()
        if self.cursor // PAGE == page:
            self.post_message(self.Highlighted(self.current))

    # --- cursor ------------------------------------------------------------------

    def watch_cursor(self, value: int) -> None:
        body = max(1, self.size.height - 1)
        top = round(self.scroll_y)
        if value < top:
            self.scroll_to(y=value, animate=False)
        elif value >= top + body:
            self.scroll_to(y=value - body + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def action_cursor(self, step: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + step))

    def action_page(self, step: int) -> None:
        self.action_cursor(step * max(1, self.size.height - 2))

    def action_jump(self, index: int) -> None:
        if self.total:
            self.cursor = index if index >= 0 else self.total - 1

    def action_select(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Selected(row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for column, width in layout(self._content_width()):
                if x <= event.x < x + width and column.sort:
                    self.post_message(self.SortRequested(column.sort))
                    return
                x += width + 1
            return
        index = round(self.scroll_y) + event.y - 1
        if 0 <= index < self.total:
            if index == self.cursor or event.chain > 1:
                self.cursor = index
                self.action_select()
            else:
                self.cursor = index

    # --- rendering -------------------------------------------------------------------

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.total + 1)

    def _line(self, cells: list[Text], widths: list[int], style: Style) -> Strip:
        line = Text(no_wrap=True, overflow="ellipsis")
        for i, (text, width) in enumerate(zip(cells, widths, strict=True)):
            if i:
                line.append(" ")
            piece = text.copy()
            piece.no_wrap = True
            piece.truncate(width, overflow="ellipsis", pad=True)
            line.append_text(piece)
        segments = list(line.render(self.app.console))
        strip = Strip([s for s in segments if s.text != "\n"], line.cell_len)
        return strip.apply_style(style)

    def render_line(self, y: int) -> Strip:
        width = self._content_width()
        cols = layout(width)
        widths = [w for _, w in cols]
        base = self.rich_style
        if y == 0:
            self.painted = self._generation
            titles: list[Text] = []
            for column, _ in cols:
                title = Text(column.title)
                if column.sort and column.sort == self.sort:
                    title.append(" ▼" if self.descending else " ▲")
                    title.stylize(self.get_component_rich_style("lead-table--sorted"))
                titles.append(title)
            header = self.get_component_rich_style("lead-table--header")
            return self._line(titles, widths, base + header).extend_cell_length(
                width, base + header
            )
        index = round(self.scroll_y) + y - 1
        if index == 0 and not self.total and self.empty_text:
            note = base + self.get_component_rich_style("lead-table--empty")
            return self._line([Text(safe(self.empty_text))], [width], note)
        if index >= self.total:
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            strip = Strip([Segment("…", base + Style(dim=True))], 1)
            return strip.extend_cell_length(width, base)
        cells = [cell(row, column.key) for column, _ in cols]
        style = base
        if self.today and row.next_followup and row.next_followup < self.today:
            for i, (column, _) in enumerate(cols):
                if column.key == "next_followup":
                    cells[i].stylize(self.get_component_rich_style("lead-table--overdue"))
        if index == self.cursor:
            style = base + self.get_component_rich_style("lead-table--cursor")
        return self._line(cells, widths, style).extend_cell_length(width, style)
