"""App-wide Textual messages. Facts are past tense, requests imperative.

Messages a single widget owns live on that widget as nested classes with a ``control``
(``ThreadList.ThreadSelected``, ``Composer.SendMessage``); the ones here cross the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from threadline.core.driver import Conversation, Update
    from threadline.core.session import Session


class SessionOpened(Message):
    """The profile's session exists: local threads and drafts can be read."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session


@dataclass(frozen=True, slots=True)
class LiveText:
    """The text one message-delta event added: ``fragment`` starts at raw char ``offset``."""

    message_id: str
    fragment: str
    offset: int


class RunUpdated(Message):
    """A conversation changed (an event applied, accepted, finished, ...).

    ``update`` is the core's ``Update``; ``text`` is set for message deltas, computed when the
    event arrived so a view created later can skip what its snapshot already holds.
    """

    def __init__(
        self, conversation: Conversation, update: Update, text: LiveText | None = None
    ) -> None:
        super().__init__()
        self.conversation = conversation
        self.update = update
        self.text = text


class WorkFailed(Message):
    """A worker failed; the app maps the error to one specific line for the user."""

    def __init__(self, error: BaseException, work: str) -> None:
        super().__init__()
        self.error = error
        self.work = work
