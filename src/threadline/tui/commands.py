"""The command palette: every action of the key table, searchable by its title."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from .keys import KEYS, KeyAction, display_key


class ThreadlineCommands(Provider):
    def _actions(self) -> list[KeyAction]:
        # Only what can run on the screen below the palette (replay mode has no composer).
        return [k for k in KEYS if k.palette and self._target(k) is not None]

    def _target(self, action: KeyAction) -> DOMNode | None:
        """Where the action runs: the app, the inspector, or the screen below the palette."""
        target: DOMNode
        if action.scope == "app":
            target = self.app
        elif action.scope == "inspector":
            found = self.screen.query("InspectorPane")
            if not found:
                return None
            target = found.first()
        else:
            target = self.screen
        name = action.action.removeprefix("app.").split("(", 1)[0]
        return target if hasattr(target, f"action_{name}") else None

    async def _run(self, action: KeyAction) -> None:
        namespace = self._target(action)
        if namespace is not None:
            await self.app.run_action(action.action.removeprefix("app."), namespace)

    def _help(self, action: KeyAction) -> str:
        overrides: dict[str, str] = getattr(self.app, "key_overrides", {})
        return f"{action.help}  ({display_key(overrides.get(action.id, action.key))})"

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
