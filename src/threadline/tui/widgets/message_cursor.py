"""A cursor over the message list, and copying what it points at to the clipboard.

With the list focused (ctrl+g, or shift+tab from the composer), up/down (or k/j) select a
message; ``c`` copies it, ``b`` copies its code blocks one at a time (each press the next),
``a`` the arguments of its run's tool calls (each press the next). Without a selection
these act on the newest message. Copies go through ``App.copy_to_clipboard``: the terminal's
OSC 52 clipboard, which works over SSH, and in tmux with ``set -g set-clipboard on``.

Mixed into :class:`~threadline.tui.widgets.message_list.MessageList`; it reads the list's
views (``_views``), what it loaded (``_loaded``), its conversation and its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.containers import VerticalScroll

from threadline.core.sanitize import clean, clean_line

from ..screens.full_text import FullTextScreen

# The views' module (the markdown renderer), markdown-it and the api models are imported
# where they are used: the app's first frame shows no message.
if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from threadline.api import FunctionToolCall, Message, RunStep
    from threadline.core.driver import Conversation
    from threadline.core.session import Session

    from .message_view import MessageView

_MARKDOWN: MarkdownIt | None = None


@dataclass(frozen=True, slots=True)
class CodeBlock:
    language: str
    code: str


def code_blocks(markdown: str) -> list[CodeBlock]:
    """The fenced and indented code blocks of ``markdown``, in order."""
    global _MARKDOWN
    if _MARKDOWN is None:
        from markdown_it import MarkdownIt

        _MARKDOWN = MarkdownIt("commonmark")
    return [
        CodeBlock(clean_line(token.info.strip().split(" ")[0]), token.content)
        for token in _MARKDOWN.parse(markdown)
        if token.type in {"fence", "code_block"}
    ]


def function_calls(steps: list[RunStep]) -> list[FunctionToolCall]:
    from threadline.api import FunctionToolCall, ToolCallsDetails

    return [
        call
        for step in steps
        if isinstance(step.step_details, ToolCallsDetails)
        for call in step.step_details.tool_calls
        if isinstance(call, FunctionToolCall)
    ]


def message_text(view: MessageView) -> str:
    """The whole text (a huge message is shortened on screen, never here)."""
    return view.text


class MessageCursor:
    """The selected message of a :class:`MessageList` and the copy actions on it."""

    selected_id: str | None = None
    _turns: dict[tuple[str, str], int] | None = None  # (message id, what) -> the next to copy
    # Provided by MessageList:
    _views: dict[str, MessageView]
    _loaded: list[Message]
    _session: Session | None
    conversation: Conversation | None
    thread_id: str | None

    def _list(self) -> VerticalScroll:
        return cast(VerticalScroll, self)

    def _message_views(self) -> list[MessageView]:
        """The message views, top to bottom (the list's children that are message views)."""
        views = {id(view): view for view in self._views.values()}
        return [views[id(child)] for child in self._list().children if id(child) in views]

    def selected_view(self) -> MessageView | None:
        """The selected message's view, else the newest message's."""
        view = self._views.get(self.selected_id or "")
        if view is not None and view.is_attached:
            return view
        views = self._message_views()
        return views[-1] if views else None

    def action_select_message(self, step: int) -> None:
        views = self._message_views()
        if not views:
            return
        current = self._views.get(self.selected_id or "")
        if current in views:
            index = max(0, min(len(views) - 1, views.index(current) + step))
        else:
            index = len(views) - 1
        self.select(views[index].message_id)

    def select(self, message_id: str | None) -> bool:
        """Select (and scroll to) a message; False if it is not shown."""
        for shown in self._views.values():
            shown.remove_class("-selected")
        view = self._views.get(message_id or "")
        self.selected_id = message_id if view is not None else None
        if view is None:
            return False
        view.add_class("-selected")
        self._reveal(view)
        return True

    def _reveal(self, view: MessageView) -> None:
        """Bring the selected view to the top of the list."""
        self._list().scroll_to_widget(view, animate=False, top=True)

    def on_focus(self) -> None:
        if self.selected_id not in self._views:
            self.action_select_message(0)  # the newest message

    pending_select: str | None = None
    """A message to select once the thread's messages are loaded (a search result)."""

    def reveal_pending(self) -> None:
        """After a load: select the message a search asked for, or keep the selection
        on the rebuilt views."""
        message_id, self.pending_select = self.pending_select, None
        if message_id is not None:
            if not self.select(message_id):
                cast(VerticalScroll, self).notify(
                    "That message is older than the ones loaded; scroll up to reach it."
                )
        elif (view := self._views.get(self.selected_id or "")) is not None:
            view.add_class("-selected")

    def _next(self, view: MessageView, what: str, count: int) -> int:
        if self._turns is None:
            self._turns = {}  # per list, made on first use
        key = (view.message_id, what)
        index = self._turns.get(key, 0) % count
        self._turns[key] = index + 1
        return index

    def _copy(self, text: str, what: str) -> None:
        widget = cast(VerticalScroll, self)
        widget.app.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        widget.notify(
            f"Copied {what} ({len(text)} characters, {lines} line{'s' if lines != 1 else ''})",
            title="Clipboard",
            markup=False,
        )

    # --- the copy actions -------------------------------------------------------------

    def action_copy_message(self) -> None:
        view = self.selected_view()
        text = message_text(view) if view is not None else ""
        if not text:
            cast(VerticalScroll, self).notify("No message to copy.", severity="warning")
            return
        self._copy(text, "the message")

    def action_view_message(self) -> None:
        view = self.selected_view()
        text = message_text(view) if view is not None else ""
        if view is None or not text:
            cast(VerticalScroll, self).notify("No message to view.", severity="warning")
            return
        from .message_view import UserMessage

        who = "Your message" if isinstance(view, UserMessage) else "Reply"
        cast(VerticalScroll, self).app.push_screen(FullTextScreen(who, text))

    def action_copy_code_block(self) -> None:
        from .message_view import AssistantMessage

        view = self.selected_view()
        blocks = code_blocks(message_text(view)) if isinstance(view, AssistantMessage) else []
        if view is None or not blocks:
            cast(VerticalScroll, self).notify("This message has no code block.")
            return
        index = self._next(view, "code", len(blocks))
        block = blocks[index]
        language = f" ({block.language})" if block.language else ""
        self._copy(block.code, f"code block {index + 1} of {len(blocks)}{language}")

    def action_copy_tool_arguments(self) -> None:
        self._copy_tool_arguments()

    @work(exclusive=True, group="copy", name="copy tool arguments", exit_on_error=False)
    async def _copy_tool_arguments(self) -> None:
        view = self.selected_view()
        run_id = self._run_of(view)
        calls = await self._calls(run_id) if run_id else []
        if view is None or not calls:
            cast(VerticalScroll, self).notify("No tool call in this message's run.")
            return
        index = self._next(view, "tool", len(calls))
        call = calls[index]
        name = clean_line(call.function.name)
        self._copy(
            clean(call.function.arguments),
            f"the arguments of {name} (call {index + 1} of {len(calls)})",
        )

    def _run_of(self, view: MessageView | None) -> str | None:
        """The run of the selected message, else the thread's newest run."""
        state = self.conversation.state if self.conversation is not None else None
        if view is not None:
            if state is not None and view.message_id in state.message_ids():
                run_id = state.message(view.message_id).run_id
                if run_id:
                    return run_id
            loaded = next((m for m in self._loaded if m.id == view.message_id), None)
            if loaded is not None and loaded.run_id:
                return loaded.run_id
        if self.conversation is not None and self.conversation.run_id:
            return self.conversation.run_id
        return next((m.run_id for m in reversed(self._loaded) if m.run_id), None)

    async def _calls(self, run_id: str) -> list[FunctionToolCall]:
        state: Any = self.conversation.state if self.conversation is not None else None
        if state is not None and run_id in state.run_ids():
            calls = function_calls(state.steps(run_id))
            if calls:
                return calls
        if self._session is None or self.thread_id is None:
            return []
        return function_calls(await self._session.steps(self.thread_id, run_id))
