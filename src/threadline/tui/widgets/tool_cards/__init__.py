"""Tool-call cards: a run's pending function calls, answered inline in the conversation.

``ToolCards`` shows one ``requires_action`` round (``ToolCard`` per call, ``OutputField``
for each answer); ``show_tool_round`` keeps a message list's cards in step with its
conversation; ``ToolRoundsHost`` is the main screen's side (handlers, submit, keys).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadline.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from .card import ToolCard
    from .cards import ToolCards, show_tool_round
    from .host import TOOL_ACTIONS, ToolRoundsHost
    from .output import OutputField

__all__ = [
    "TOOL_ACTIONS",
    "OutputField",
    "ToolCard",
    "ToolCards",
    "ToolRoundsHost",
    "show_tool_round",
]

# Loaded on first use (PEP 562): the main screen's class needs the host mixin in the app's
# first frame; the cards load when a round is shown.
_EXPORTS = {
    "OutputField": "output",
    "TOOL_ACTIONS": "host",
    "ToolCard": "card",
    "ToolCards": "cards",
    "ToolRoundsHost": "host",
    "show_tool_round": "cards",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)
