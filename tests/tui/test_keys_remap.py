"""``[keys]`` in the config: a remapped key works (and frees the old one), help, palette and
status bar show the keys in effect, and a clash stops ``threadline`` with a one-line error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from threadline.cli import main
from threadline.config import Config
from threadline.core.store import ClientStore
from threadline.tui.app import ThreadlineApp, create_app
from threadline.tui.clock import Clock
from threadline.tui.commands import ThreadlineCommands
from threadline.tui.screens.help import HelpScreen

from .conftest import settle, type_text
from .fakes import NOW, FakeSession


def app_with_keys(tmp_path: Path, **keys: str) -> ThreadlineApp:
    async def factory(name: str | None) -> FakeSession:
        return FakeSession(await ClientStore.open(tmp_path / "client.db"))

    return create_app(Config(keys=keys), factory, clock=Clock.fixed(NOW), cursor_blink=False)


async def test_a_remapped_send_key_sends_and_enter_types_a_newline(tmp_path: Path) -> None:
    app = app_with_keys(tmp_path, send="ctrl+s", help="f11")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "two", "enter")
        await type_text(pilot, "lines")
        await settle(pilot)
        assert app.screen.composer.text == "two\nlines"  # enter no longer sends
        assert app.session.conversations == {} or not any(  # type: ignore[union-attr]
            c.sent
            for c in app.session.conversations.values()  # type: ignore[union-attr]
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        conversation = app.screen.conversation
        assert conversation is not None and conversation.sent == ["two\nlines"]
        assert app.screen.composer.text == ""
        # The status bar, the palette and the help screen show the keys in effect.
        assert app.screen.status.hints.startswith("f11 help")
        provider = ThreadlineCommands(app.screen)
        helps = {hit.text: hit.help async for hit in provider.discover()}
        assert helps["Send"].endswith("(ctrl+s)")
        await pilot.press("f1")  # no longer help
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f11")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = "\n".join(str(s.render()) for s in app.screen.query("Static"))
        send_line = next(line for line in table.splitlines() if " Send  " in line)
        assert "ctrl+s" in send_line and "enter" not in send_line


def write_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "threadline" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (
            'new_thread = "ctrl+r"',
            "keys.new_thread: 'ctrl+r' is also the key of 'toggle_inspector'",
        ),
        ('send_it = "ctrl+s"', "keys.send_it: no key binding has this id"),
        (
            'rename_thread = "ctrl+k"',
            "keys.rename_thread: 'ctrl+k' is an editing key of the composer",
        ),
    ],
)
def test_a_bad_keys_table_is_named_in_the_app_which_keeps_the_default_keys(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
    problem: str,
) -> None:
    started: list[ThreadlineApp] = []
    monkeypatch.setattr(ThreadlineApp, "run", lambda self, *a, **kw: started.append(self))
    write_config(f"[keys]\n{table}\n")
    assert main([]) == 0
    (app,) = started
    assert app.key_overrides == {}
    (notice,) = app._notices
    assert "config.toml: " + problem in notice and notice.endswith("Using the default keys.")
    # `config check` says the same, in one line, exit 2.
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("threadline: error: ") and err.count("\n") == 1
    assert "config.toml: " + problem in err
