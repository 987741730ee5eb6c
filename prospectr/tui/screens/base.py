"""What every top-level screen shares: the navigation bar and the app's helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from prospectr.tui.widgets.text import safe

if TYPE_CHECKING:
    from prospectr.tui.app import ProspectrApp

NAV = (("today", "1", "Today"), ("leads", "2", "Leads"), ("board", "3", "Board"))


class NavBar(Static):
    """One line: the modes (clickable) with the current one highlighted, and a context note."""

    def __init__(self, current: str, note: str = "") -> None:
        super().__init__(id="nav")
        self.current = current
        self.note = note

    def on_mount(self) -> None:
        self.show(self.note)

    def show(self, note: str) -> None:
        """Redraw with ``note`` (literal text) on the right."""
        self.note = note
        links = []
        for mode, key, title in NAV:
            style = "reverse bold" if mode == self.current else "bold"
            links.append(f"[{style} @click=app.goto('{mode}')] {key} {title} [/]")
        links.append("[@click=app.reports] R Reports [/]")
        parts: list[Content | str] = [
            Content.from_markup("[b $accent]prospectr[/] " + "".join(links))
        ]
        if note:
            parts.append(Content.styled(f"  {safe(note)}", "$text-muted"))
        self.update(Content.assemble(*parts))


class ProspectrScreen(Screen[None]):
    """A mode's base screen: reloads its data whenever it comes back into view."""

    MODE = ""

    @property
    def papp(self) -> ProspectrApp:
        """The app, typed."""
        from prospectr.tui.app import ProspectrApp

        return cast(ProspectrApp, self.app)

    def reload(self) -> None:
        """Read the screen's data again (in a worker)."""

    def show_lead(self, lead_id: int) -> None:
        """Make ``lead_id`` the highlighted lead when the screen next loads (if it can)."""

    def on_screen_resume(self) -> None:
        self.reload()


def text_input(**kwargs: Any) -> Input:
    """A one-line input that follows the app's cursor-blink setting (off in snapshots)."""
    from textual._context import active_app

    field = Input(compact=True, **kwargs)
    field.cursor_blink = bool(getattr(active_app.get(), "blink", True))
    return field
