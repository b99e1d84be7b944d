"""Palette commands without a key of their own: exporting the open thread."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

COMMANDS = (
    ("Export thread as Markdown", "export_thread('md')", "Write this thread to a .md file"),
    ("Export thread as JSON", "export_thread('json')", "Messages with runs and steps, as JSON"),
)
HELP_SUFFIX = " in the data folder's exports/"


class ThreadCommands(Provider):
    async def _run(self, action: str) -> None:
        await self.app.run_action(action, self.screen)

    async def discover(self) -> Hits:
        for title, action, help_text in COMMANDS:
            yield DiscoveryHit(title, partial(self._run, action), help=help_text + HELP_SUFFIX)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._run, action),
                    help=help_text + HELP_SUFFIX,
                )
