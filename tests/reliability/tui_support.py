"""The app as ``threadline`` builds it (config file, real session, real client), run
headless, for the reliability suite's TUI tests; and what its screen showed on the way."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from threadline.cli.tui import build_app
from threadline.tui.app import ThreadlineApp
from threadline.tui.screens.main import MainScreen
from threadline.tui.widgets.message_view import AssistantMessage, RunNotice, UserMessage

from ..tui.conftest import settle, type_text

__all__ = [
    "Seen",
    "app_for",
    "notifications",
    "replies",
    "screen",
    "settle",
    "type_text",
    "user_texts",
]


def app_for(profile: str | None = None) -> ThreadlineApp:
    """``threadline [--profile NAME]``'s app, over the config file the test wrote."""
    return build_app(argparse.Namespace(profile=profile))


def notifications(app: ThreadlineApp, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every (title, message) the app notifies from now on (call before ``run_test``)."""
    seen: list[tuple[str, str]] = []
    notify = app.notify

    def recorded(message: str, **kwargs: Any) -> None:
        seen.append((str(kwargs.get("title", "")), message))
        notify(message, **kwargs)

    monkeypatch.setattr(app, "notify", recorded)
    return seen


def screen(app: ThreadlineApp) -> MainScreen:
    return app.main


def user_texts(app: ThreadlineApp) -> list[str]:
    return [v.text for v in app.main.query(UserMessage)]


def replies(app: ThreadlineApp) -> list[str]:
    return [v.body.source for v in app.main.query(AssistantMessage)]


@dataclass
class Seen:
    """What the user saw while a test ran: status bar values, run notices, notifications."""

    runs: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # the run notices' lines
    notified: list[str] = field(default_factory=list)

    @classmethod
    def watch(cls, app: ThreadlineApp, monkeypatch: pytest.MonkeyPatch) -> Seen:
        """Start recording (call inside ``run_test``, once the screen is up)."""
        seen = cls()
        status = app.main.status
        for name, into in (
            ("run", seen.runs),
            ("waiting", seen.waiting),
            ("failure", seen.failures),
        ):
            status.watch(status, name, _appender(into), init=False)
        show = RunNotice.show

        def recorded_show(notice: RunNotice, css: str, line: str) -> None:
            seen.notices.append(line)
            show(notice, css, line)

        monkeypatch.setattr(RunNotice, "show", recorded_show)
        notify = app.notify

        def recorded_notify(message: str, **kwargs: Any) -> None:
            seen.notified.append(message)
            notify(message, **kwargs)

        monkeypatch.setattr(app, "notify", recorded_notify)
        return seen


def _appender(into: list[str]) -> Callable[[str], None]:
    return lambda value: into.append(value)
