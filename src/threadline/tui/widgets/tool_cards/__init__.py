"""Tool-call cards: a run's pending function calls, answered inline in the conversation.

``ToolCards`` shows one ``requires_action`` round (``ToolCard`` per call, ``OutputField``
for each answer); ``show_tool_round`` keeps a message list's cards in step with its
conversation; ``ToolRoundsHost`` is the main screen's side (handlers, submit, keys).
"""

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
