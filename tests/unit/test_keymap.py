"""``[keys]`` remapping: what is accepted, and the one-line errors for what is not."""

from __future__ import annotations

import pytest

from threadline.config import Config, ConfigError
from threadline.tui.keymap import check_keys, effective_keys, key_problem, live_together, split_keys
from threadline.tui.keys import KEYS


def keys(**mapping: str) -> Config:
    return Config(keys=mapping)


def test_the_defaults_have_no_clash() -> None:
    assert check_keys(Config()) == {}


def test_a_remap_becomes_textuals_keymap() -> None:
    assert check_keys(keys(send="ctrl+s", new_thread="ctrl+n, f11")) == {
        "send": "ctrl+s",
        "new_thread": "ctrl+n,f11",
    }
    # Single characters as Textual names them, so equal keys compare equal.
    assert check_keys(keys(copy_message="?")) == {"copy_message": "question_mark"}
    assert effective_keys({"send": "ctrl+s"})["send"] == "ctrl+s"
    assert effective_keys({})["quit"] == "ctrl+q"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"sned": "ctrl+s"}, "keys.sned: no key binding has this id; ids are: quit, help,"),
        ({"send": "a"}, "keys.send: 'a' types a character in the composer"),
        ({"new_thread": "ctrl+a"}, "keys.new_thread: 'ctrl+a' is an editing key of the composer"),
        ({"quit": "f7"}, "keys.quit: 'f7' is an editing key of the composer"),
        (
            {"new_thread": "ctrl+r"},
            "keys.new_thread: 'ctrl+r' is also the key of 'toggle_inspector'",
        ),
        ({"help": "escape"}, "keys.help: 'escape' is also the key of 'cancel_run'"),
        ({"focus_composer": "enter"}, "keys.focus_composer: 'enter' is also the key of 'send'"),
        ({"copy_message": "ctrl+n"}, "keys.copy_message: 'ctrl+n' is also the key of 'new_thread'"),
        ({"send": "ctrl+shift"}, "keys.send: 'shift' is not a key name"),
        ({"send": "cmd+s"}, "keys.send: 'cmd' is not a modifier"),
        ({"send": "ctrl+ctrl+s"}, "keys.send: 'ctrl+ctrl+s' repeats a modifier"),
        ({"send": ""}, "keys.send: an empty key"),
        ({"a.b": "f9"}, 'keys."a.b": no key binding has this id'),
    ],
)
def test_bad_entries_are_one_line_config_errors(mapping: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_keys(Config.model_construct(keys=mapping))
    text = str(caught.value)
    assert message in text and "\n" not in text
    assert text.startswith("~/") or text.startswith("/")  # the file is named


def test_moving_both_keys_of_a_clash_is_fine() -> None:
    assert check_keys(keys(new_thread="ctrl+r", toggle_inspector="f11"))


def test_keys_of_two_focused_widgets_never_clash() -> None:
    # The thread list's delete and a message-list key on delete: only one has focus.
    assert check_keys(keys(copy_message="delete")) == {"copy_message": "delete"}
    assert not live_together("messages", "threads")
    assert live_together("composer", "main") and live_together("app", "messages")


def test_every_default_key_parses() -> None:
    for action in KEYS:
        for key in split_keys(action.key):
            assert key_problem(key) is None, (action.id, key)


def test_the_example_configs_keys_are_accepted() -> None:
    from pathlib import Path

    from threadline.config import load_config

    example = load_config(Path(__file__).parents[2] / "config.example.toml")
    assert check_keys(example) == {"send": "ctrl+s", "focus_messages": "ctrl+g,alt+m"}
