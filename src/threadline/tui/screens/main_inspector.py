"""The main screen's inspector column, filled just after the screen's first frame.

The inspector pane, its widgets and the api models they use are most of what the main
screen imports, and the first frame shows no run. So the screen composes a light
:class:`InspectorSlot` (the column's title, laid out and styled as the pane will be), and
:func:`mount_inspector` puts the real pane in its place once the thread's messages are on
screen, before the backend is connected (see ``MainScreen.connect``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

if TYPE_CHECKING:
    from ..widgets.inspector import InspectorPane


class InspectorSlot(Static):
    """The inspector's column until the pane is mounted: its title, and the conversation
    the pane is to show first."""

    DEFAULT_CSS = """
    InspectorSlot { padding: 0 1; color: $text-primary; text-style: bold; }
    """

    def __init__(self, *, id: str) -> None:
        super().__init__(Content("Inspector"), id=id)
        self.conversation: Any = None

    def show_conversation(self, conversation: Any) -> None:
        self.conversation = conversation

    def apply(self, event: object) -> None:
        """(No run can stream before the backend is connected, after the pane is there.)"""


async def mount_inspector(screen: Screen[None], slot_id: str = "inspector") -> InspectorPane:
    """The screen's inspector pane, mounted in place of its slot if it is not there yet."""
    from ..widgets.inspector import InspectorPane

    found = screen.query(InspectorPane)
    if found:
        return found.first()
    slot = screen.query_one(f"#{slot_id}", InspectorSlot)
    parent = slot.parent
    assert isinstance(parent, Widget)
    siblings = list(parent.children)
    following = siblings[siblings.index(slot) + 1 :]
    await slot.remove()  # first: the pane takes its id
    pane = InspectorPane(id=slot_id)
    shown = slot.conversation
    if following:
        await parent.mount(pane, before=following[0])
    else:
        await parent.mount(pane)
    if shown is not None:
        pane.show_conversation(shown)
    return pane
