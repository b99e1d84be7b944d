"""Palette search across this profile's local threads: titles, and the text of the messages
cached on this machine (what was shown or sent here). Picking a result opens the thread
with that message selected.

The cache holds what the app has loaded, not every message on the server: a thread never
opened here is found by its title only.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider
from textual.content import Content

from threadline.core.sanitize import clean_line

if TYPE_CHECKING:
    from .screens.main import MainScreen

MIN_QUERY = 2
MAX_RESULTS = 20
CONTEXT = 30  # characters shown before the match


def snippet(text: str, query: str, width: int = 80) -> Content:
    """One line of ``text`` around the first match of ``query``, the match in bold."""
    flat = clean_line(" ".join(text.split()))
    at = flat.lower().find(query.lower())
    if at < 0:
        return Content(flat[:width])
    start = max(0, at - CONTEXT)
    before = ("…" if start else "") + flat[start:at]
    match = flat[at : at + len(query)]
    after = flat[at + len(query) : start + width]
    if start + width < len(flat):
        after += "…"
    return Content.assemble(before, (match, "bold underline"), after)


class ThreadSearch(Provider):
    """Finds threads by title and messages by text (case-insensitive substring)."""

    def _main(self) -> MainScreen | None:
        from .screens.main import MainScreen

        screen = self.screen
        return screen if isinstance(screen, MainScreen) else None

    async def _jump(self, thread_id: str, message_id: str | None) -> None:
        main = self._main()
        if main is not None:
            await main.jump_to_message(thread_id, message_id)

    async def search(self, query: str) -> Hits:
        main = self._main()
        session = main.session if main is not None else None
        query = query.strip()
        if session is None or len(query) < MIN_QUERY:
            return
        threads = await session.threads()
        titles = {entry.id: clean_line(entry.title) or "Untitled" for entry in threads}
        for entry in [e for e in threads if query.lower() in e.title.lower()][:MAX_RESULTS]:
            yield Hit(
                1.0,
                Content.assemble(("Thread  ", "dim"), snippet(entry.title, query)),
                partial(self._jump, entry.id, None),
                text=f"Thread {titles[entry.id]}",
                help="Open this thread",
            )
        found = await session.store.search_messages(session.profile_name, query, MAX_RESULTS)
        for rank, (thread_id, message_id, text) in enumerate(found):
            if thread_id not in titles:
                continue  # a thread removed from the list keeps no searchable past
            yield Hit(
                0.9 - rank / 100,
                snippet(text, query),
                partial(self._jump, thread_id, message_id),
                text=clean_line(text)[:80],
                help=f"in “{titles[thread_id]}”",
            )
