"""One message in the conversation: who and when, the body, and labelled notes below it.

User messages are plain text (what was typed is shown as typed). Assistant messages are
markdown with highlighted code, and can stream: :meth:`AssistantMessage.feed` takes raw
fragments as they arrive, runs them through this message's own ``StreamSanitizer`` and
hands clean text to the :class:`~threadline.tui.widgets.stream_body.StreamingBody`.

A huge message of either kind draws a bounded part of itself with a note
(:mod:`threadline.tui.render_markdown.limits`); :attr:`MessageView.text` is always the
whole text, for copying and for the full-text view.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Static

from threadline.api import Message
from threadline.core.sanitize import StreamSanitizer, clean, clean_line

from ..clock import Clock
from ..render import Note, message_parts
from ..render_markdown import limited
from ..render_markdown.code import warm, warm_up
from .stream_body import WARM_UP_AFTER, MarkdownBody, hidden_note

_NOTE_STYLES = {
    # Not $text-muted: a colour with alpha is not blended inside content spans.
    "citation": "dim",
    "image": "$text-accent",
    "refusal": "$text-error",
    "incomplete": "$text-warning",
    "unsupported": "dim italic",
}


def notes_content(notes: list[Note]) -> Content:
    lines = [Content.styled(note.text, _NOTE_STYLES.get(note.kind, "")) for note in notes]
    return Content("\n").join(lines)


class MessageView(Vertical):
    """Header and notes shared by user and assistant messages."""

    # A growing reply resizes its view; Widget's virtual_size would then ask for a second
    # layout (a second repaint of the pane). A view does not scroll, so it needs none.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=False)

    DEFAULT_CSS = """
    MessageView {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        & > .header { height: 1; color: $text-muted; }
        & > .notes { display: none; height: auto; }
        &.-has-notes > .notes { display: block; }
    }
    """

    def __init__(
        self,
        message_id: str,
        created_at: float,
        author: str,
        clock: Clock,
        notes: list[Note] | None = None,
    ) -> None:
        super().__init__()
        self.message_id = message_id
        self.created_at = created_at
        self._author = clean_line(author)
        self._clock = clock
        self._notes = Static(Content(""), classes="notes")
        self._initial_notes = notes or []

    def on_mount(self) -> None:
        self.set_notes(self._initial_notes)
        if not warm():  # the first message shown: replies (with code) may follow
            self.set_timer(WARM_UP_AFTER, warm_up)

    def header(self) -> Static:
        return Static(
            Content.assemble(
                (self._author, "bold"), "  ", (self._clock.stamp(self.created_at), "dim")
            ),
            classes="header",
        )

    def set_notes(self, notes: list[Note]) -> None:
        self._notes.update(notes_content(notes))
        self.set_class(bool(notes), "-has-notes")

    @property
    def text(self) -> str:
        """The message's whole text, clean."""
        return ""


class UserMessage(MessageView):
    DEFAULT_CSS = """
    UserMessage {
        border-left: outer $secondary;
        background: $secondary 8%;
        & > .header { color: $text-secondary; }
        & > .body { height: auto; }
    }
    """

    def __init__(
        self,
        message_id: str,
        created_at: float,
        text: str,
        clock: Clock,
        notes: list[Note] | None = None,
    ) -> None:
        super().__init__(message_id, created_at, "you", clock, notes)
        self._text = clean(text)

    @property
    def text(self) -> str:
        return self._text

    @classmethod
    def from_message(cls, message: Message, clock: Clock) -> UserMessage:
        parts = message_parts(message)
        return cls(message.id, message.created_at, parts.text, clock, parts.notes)

    def compose(self) -> ComposeResult:
        yield self.header()
        shown, hidden = limited(self._text)
        body = Content(shown)
        if hidden:
            note = Content.styled(hidden_note(hidden), "italic $text-warning")
            body = Content("\n").join([body, note])
        yield Static(body, classes="body")
        yield self._notes


class AssistantMessage(MessageView):
    DEFAULT_CSS = """
    AssistantMessage {
        & > .header { color: $text-primary; }
        &.-streaming > .header { text-style: italic; }
    }
    """

    def __init__(
        self,
        message_id: str,
        created_at: float,
        author: str,
        clock: Clock,
        text: str = "",
        notes: list[Note] | None = None,
    ) -> None:
        super().__init__(message_id, created_at, author, clock, notes)
        self.body = MarkdownBody(text)
        self._sanitizer: StreamSanitizer | None = None
        self._consumed = 0  # raw characters of the live text already taken in

    @classmethod
    def from_message(cls, message: Message, author: str, clock: Clock) -> AssistantMessage:
        parts = message_parts(message)
        notes = parts.notes
        if message.status == "in_progress":
            notes = [*notes, Note("(still being written)", "unsupported")]
        return cls(message.id, message.created_at, author, clock, parts.text, notes)

    def compose(self) -> ComposeResult:
        yield self.header()
        yield self.body
        yield self._notes

    @property
    def streaming(self) -> bool:
        return self._sanitizer is not None

    @property
    def text(self) -> str:
        return self.body.source

    async def start(self, snapshot: str) -> None:
        """Begin streaming from the text the message already has (raw, as received)."""
        self._sanitizer = StreamSanitizer()
        self.add_class("-streaming")
        self._consumed = len(snapshot)
        await self.body.write(self._sanitizer.feed(snapshot))

    async def feed(self, fragment: str, offset: int) -> None:
        """Take a raw fragment that starts at ``offset`` of the message's raw text.

        Fragments the start snapshot already held are skipped, so a view created in the
        middle of a stream shows every character exactly once.
        """
        if self._sanitizer is None:
            await self.start("")
        assert self._sanitizer is not None
        end = offset + len(fragment)
        if end <= self._consumed:
            return
        if offset < self._consumed:
            fragment = fragment[self._consumed - offset :]
        self._consumed = end
        await self.body.write(self._sanitizer.feed(fragment))

    async def catch_up(self, text: str) -> None:
        """Take whatever of the message's raw ``text`` this view has not had yet."""
        if len(text) > self._consumed:
            await self.feed(text[self._consumed :], self._consumed)

    async def finish(self, message: Message) -> None:
        """The message is final: render its whole text once, with its notes."""
        self._sanitizer = None
        self.remove_class("-streaming")
        parts = message_parts(message)
        await self.body.finish(parts.text)
        self.set_notes(parts.notes)


class RunNotice(Static):
    """Where a run stands, or how it ended, under its messages."""

    DEFAULT_CSS = """
    RunNotice {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        color: $text-muted;
        &.-failed { color: $text-error; }
        &.-cancelled, &.-expired, &.-incomplete { color: $text-warning; }
        &.-requires-action { color: $text-warning; text-style: bold; }
        &.-running { color: $text-muted; text-style: italic; }
    }
    """

    _STATES = (
        "-completed",
        "-cancelled",
        "-expired",
        "-failed",
        "-incomplete",
        "-requires-action",
        "-running",
    )

    def __init__(self, run_id: str) -> None:
        super().__init__(Content(""))
        self.run_id = run_id

    def show(self, css: str, line: str) -> None:
        self.remove_class(*self._STATES)
        self.add_class(css)
        self.update(Content(line))
