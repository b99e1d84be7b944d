"""Getting text out: copy (the selected message, its code blocks, a tool call's arguments)
through the terminal clipboard, export from the palette, and search across threads."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from textual.command import CommandPalette

from threadline.locations import data_dir
from threadline.tui.search import ThreadSearch, snippet
from threadline.tui.thread_commands import ThreadCommands
from threadline.tui.widgets.message_cursor import message_text
from threadline.tui.widgets.message_list import MessageList
from threadline.tui.widgets.message_view import MessageView

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession
from .workflow_support import RecordedApps, send, until

REPLY = """Two ways:

```python
print("one")
```

and

```sh
echo two
```
"""


async def two_code_blocks(session: FakeSession) -> None:
    await session.add_thread("Code", [("user", "show me code"), ("assistant", REPLY)], at=NOW - 60)


async def test_copy_the_message_and_its_code_blocks_one_at_a_time(make_app: AppMaker) -> None:
    app = make_app(setup=two_code_blocks)
    copied: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await settle(pilot)
        await pilot.press("ctrl+g")
        await pilot.pause()
        messages = app.screen.query_one(MessageList)
        assert app.focused is messages
        views = list(messages.query(MessageView))
        assert messages.selected_id == views[-1].message_id  # the newest is selected
        assert views[-1].has_class("-selected")
        await pilot.press("c", "b", "b", "b")
        await pilot.pause()
        assert copied == [REPLY, 'print("one")\n', "echo two\n", 'print("one")\n']
        notes = [n.message for n in app._notifications if n.title == "Clipboard"]
        assert notes[1].startswith("Copied code block 1 of 2 (python)")
        assert notes[2].startswith("Copied code block 2 of 2 (sh)")
        await pilot.press("up", "c")
        await pilot.pause()
        assert copied[-1] == "show me code"
        assert views[0].has_class("-selected") and not views[-1].has_class("-selected")
        await pilot.press("b")  # a user message has no code blocks: nothing copied
        await pilot.pause()
        assert len(copied) == 5


async def test_copy_from_the_palette_without_a_selection(make_app: AppMaker) -> None:
    app = make_app(setup=two_code_blocks)
    copied: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await settle(pilot)
        await app.run_action("copy_message", app.screen)
        await pilot.pause()
        assert copied == [REPLY]  # the newest message


async def test_copy_a_tool_calls_arguments_over_the_demo_server(tmp_path: Path) -> None:
    apps = RecordedApps(tmp_path / "data")
    app = apps()
    copied: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await settle(pilot)
        await send(pilot, "What's the weather in Paris?")  # the run waits on get_weather
        await settle(pilot)
        await pilot.press("ctrl+g", "a")
        await settle(pilot)
        assert [json.loads(text) for text in copied] == [{"location": "Paris"}]
        assert any(
            n.message.startswith("Copied the arguments of get_weather (call 1 of 1")
            for n in app._notifications
        )


async def test_the_real_clipboard_is_the_terminals(make_app: AppMaker) -> None:
    """OSC 52: Textual writes the text base64-encoded to the terminal (works over SSH)."""
    app = make_app(setup=two_code_blocks)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g", "c")
        await pilot.pause()
        assert app.clipboard == REPLY


async def test_export_markdown_and_json_round_trip_the_threads_text(tmp_path: Path) -> None:
    apps = RecordedApps(tmp_path / "data")
    app = apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "First question about tides")
        await send(pilot, "And a second one")
        session = app.session
        thread_id = app.screen.thread_id
        assert session is not None and thread_id is not None
        on_server = [m async for m in session.client.iter_messages(thread_id, order="asc")]
        provider = ThreadCommands(app.screen)
        titles = {hit.text: hit async for hit in provider.discover()}
        for title in ("Export thread as Markdown", "Export thread as JSON"):
            await titles[title].command()
            await settle(pilot)
    exports = data_dir() / "exports"
    markdown = exports / f"first-question-about-tides-{thread_id.replace('_', '-')}.md"
    document = exports / markdown.name.replace(".md", ".json")
    for path in (markdown, document):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(exports.stat().st_mode) == 0o700
    text = markdown.read_text()
    assert text.startswith("# First question about tides\n")
    for message in on_server:
        assert message.text.strip() in text
    data = json.loads(document.read_text())
    assert [m["content"][0]["text"]["value"] for m in data["messages"]] == [
        m.text for m in on_server
    ]
    assert len(data["runs"]) == 2 and all(run["steps"] for run in data["runs"])
    notes = [n.message for n in app._notifications if n.title == "Export"]
    assert notes == [f"Exported to {markdown}", f"Exported to {document}"]


async def test_export_without_a_thread_says_so(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.run_action("export_thread('md')", app.screen)
        await settle(pilot)
        assert [n.message for n in app._notifications] == ["Open a thread to export it."]


async def two_threads(session: FakeSession) -> None:
    await session.add_thread(
        "Bread",
        [("user", "How hot for sourdough?"), ("assistant", "Bake the sourdough at 250 C.")],
        at=NOW - 3600,
    )
    await session.add_thread("Trip", [("user", "Lisbon trams?")], at=NOW - 60)


async def test_search_finds_a_message_in_another_thread_and_jumps_to_it(
    make_app: AppMaker,
) -> None:
    app = make_app(setup=two_threads)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert [e.title for e in app.screen.threads.entries] == ["Trip", "Bread"]
        bread = app.screen.threads.entries[1].id
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await type_text(pilot, "250 c")
        palette = app.screen
        await until(
            pilot,
            lambda: "250 C" in str(palette.query_one("CommandList").get_option_at_index(0).prompt),
        )
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.thread_id == bread
        messages = app.screen.query_one(MessageList)
        target = next(v for v in messages.query(MessageView) if "250 C" in message_text(v))
        assert messages.selected_id == target.message_id and target.has_class("-selected")
        assert app.focused is messages


async def test_search_hits_titles_and_text_with_the_thread_named(make_app: AppMaker) -> None:
    app = make_app(setup=two_threads)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        provider = ThreadSearch(app.screen)
        hits = [hit async for hit in provider.search("sourdough")]
        assert [h.help for h in hits] == ["in “Bread”", "in “Bread”"]  # both messages
        titles = [hit async for hit in provider.search("trip")]
        assert [h.text for h in titles] == ["Thread Trip"]
        assert [hit async for hit in provider.search("s")] == []  # too short to search
        await titles[0].command()
        await settle(pilot)
        assert app.screen.thread_id == app.screen.threads.entries[0].id


@pytest.mark.parametrize(
    ("text", "query", "shown"),
    [
        ("short text here", "text", "short text here"),
        ("x" * 100 + " the needle " + "y" * 100, "needle", "…" + "x" * 25 + " the needle "),
    ],
)
def test_snippets_show_the_match(text: str, query: str, shown: str) -> None:
    content = snippet(text, query)
    assert content.plain.startswith(shown)
    bold = [span for span in content.spans if "bold" in str(span.style)]
    assert [content.plain[s.start : s.end] for s in bold] == [query]
