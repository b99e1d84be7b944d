"""The command palette: every action of the key table, searchable by its title."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from .keys import KEYS, KeyAction, display_key


class ThreadlineCommands(Provider):
    def _actions(self) -> list[KeyAction]:
        return [k for k in KEYS if k.palette]

    async def _run(self, action: KeyAction) -> None:
        # Screen actions run on the main screen (the palette itself is a screen on top).
        namespace = self.app if action.scope == "app" else self.screen
        name = action.action.removeprefix("app.")
        await self.app.run_action(name, namespace)

    def _help(self, action: KeyAction) -> str:
        return f"{action.help}  ({display_key(action.key)})"

    async def discover(self) -> Hits:
        for action in self._actions():
            yield DiscoveryHit(action.title, partial(self._run, action), help=self._help(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in self._actions():
            score = matcher.match(action.title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(action.title),
                    partial(self._run, action),
                    help=self._help(action),
                )
