"""What a screen that hosts the inspector adds: going to a step's message, and focusing it.

A plain mixin (like ``ReportsWorkFailures``): put it before ``Screen`` in the bases. The
screen must have a :class:`~threadline.tui.widgets.message_list.MessageList` and an
:class:`~.pane.InspectorPane`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

from ..message_list import MessageList

if TYPE_CHECKING:  # the pane loads after the host screen's first frame
    from .steps_view import StepsView


class InspectorHost:
    def on_steps_view_show_message(self, message: StepsView.ShowMessage) -> None:
        screen = cast(Screen[None], self)
        if not screen.query_one(MessageList).scroll_to_message(message.message_id):
            screen.notify(
                "That message is not loaded in the conversation (scroll up to load older ones).",
                severity="warning",
            )

    def action_focus_inspector(self) -> None:
        from .pane import InspectorPane

        screen = cast(Screen[None], self)
        screen.remove_class("-hide-inspector")
        for inspector in screen.query(InspectorPane):  # none in the first instants of a start
            inspector.run_list.focus()
