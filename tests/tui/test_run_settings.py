"""The assistant picker and the run options panel, over the real session and demo server.

What a user would notice: the picker lists every assistant (two pages of them), the choice
holds for that thread only and its next runs use it, even after a restart; every run
option the panel takes reaches the create-run request; a value out of range never leaves
the panel, which names the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select, Static, TextArea

import threadline.core.session as session_module
from threadline.tui.app import ThreadlineApp
from threadline.tui.screens.assistants import AssistantPicker
from threadline.tui.screens.run_options import RunOptionsPanel

from .conftest import settle, type_text
from .workflow_support import RecordedApps, send, until


@pytest.fixture
def apps(tmp_path: Path) -> RecordedApps:
    return RecordedApps(tmp_path / "data")


async def make_assistants(app: ThreadlineApp, *names: str) -> None:
    assert app.session is not None
    for name in names:
        await app.session.client.create_assistant(
            model=f"{name.lower()}-model",
            name=name,
            tools=[{"type": "function", "function": {"name": f"{name.lower()}_tool"}}],
        )


async def test_the_picker_lists_two_pages_and_the_choice_is_per_thread(
    apps: RecordedApps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "ASSISTANTS_PAGE", 2)  # three assistants: two pages
    app = apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await make_assistants(app, "Researcher", "Coder")
        await send(pilot, "first thread")
        first = app.screen.thread_id
        await pilot.press("f4")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, AssistantPicker) and app.screen.query_one(OptionList).display
            ),
        )
        picker = app.screen
        assert isinstance(picker, AssistantPicker)
        pages = [r for r in apps.recorder.requests if r.url.path.endswith("/assistants")]
        assert [r.url.params.get("after") is not None for r in pages[-2:]] == [False, True]
        prompts = [str(o.prompt) for o in picker.query_one(OptionList).options]
        assert prompts[0].startswith("Profile default (Threadline Demo)")
        assert len(prompts) == 4  # the default, then Coder, Researcher, Threadline Demo
        coder = next(p for p in prompts if "Coder" in p)
        assert "coder-model" in coder and "coder_tool()" in coder
        assert "●" in prompts[3]  # the thread's assistant now: the profile's, the oldest
        assert picker.query_one(OptionList).highlighted == 3
        await pilot.press("up", "up", "enter")  # newest first: Coder is right under the default
        await settle(pilot)
        assert app.screen.status.assistant == "Coder"
        assert app.screen.status.model == "coder-model"
        await send(pilot, "to the coder")
        runs = apps.recorder.bodies("POST", f"/threads/{first}/runs")
        coder_id = app.session.assistant_for(first).id  # type: ignore[union-attr]
        assert runs[-1]["assistant_id"] == coder_id
        # A new thread starts with the profile's assistant.
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.status.assistant == "Threadline Demo"
        await send(pilot, "second thread")
        assert apps.recorder.bodies("POST", "/threads/runs")[-1]["assistant_id"] != coder_id
    again = apps()
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        again.screen.threads.step(1)  # back to the first thread (remembered per thread)
        await settle(pilot)
        assert again.screen.thread_id == first
        assert again.screen.status.assistant == "Coder"


def field(app: ThreadlineApp, name: str) -> Input | TextArea | Select[str]:
    return app.screen.query_one(f"#field-{name}")  # type: ignore[return-value]


async def fill(pilot, app: ThreadlineApp, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for name, value in values.items():
        widget = field(app, name)
        if isinstance(widget, Input):
            widget.value = value
        elif isinstance(widget, TextArea):
            widget.load_text(value)
        else:
            widget.value = value
    await pilot.pause()


async def test_each_run_option_reaches_the_request_body(apps: RecordedApps) -> None:
    app = apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "a thread first")
        thread_id = app.screen.thread_id
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, RunOptionsPanel)
        tool_choices = [value for _, value in field(app, "tool_choice")._options]  # type: ignore[union-attr]
        assert "get_weather" in tool_choices  # the demo assistant's function
        await fill(
            pilot,
            app,
            {
                "model": "demo-model-large",
                "instructions": "Answer in French.",
                "additional_instructions": "Be brief.",
                "temperature": "0.2",
                "top_p": "0.9",
                "max_prompt_tokens": "2000",
                "max_completion_tokens": "512",
                "truncation_last_messages": "6",
                "tool_choice": "get_weather",
                "parallel_tool_calls": "no",
                "response_format": "json_object",
                "reasoning_effort": "low",
                "metadata": "team=research\n\nticket = T-42",
            },
        )
        app.screen.query_one("#apply").press()
        await settle(pilot)
        assert not isinstance(app.screen, RunOptionsPanel)
        assert "temperature 0.2" in app.screen.status.options
        await send(pilot, "hello with options")
        (body,) = apps.recorder.bodies("POST", f"/threads/{thread_id}/runs")
        expected = {
            "model": "demo-model-large",
            "instructions": "Answer in French.",
            "additional_instructions": "Be brief.",
            "temperature": 0.2,
            "top_p": 0.9,
            "max_prompt_tokens": 2000,
            "max_completion_tokens": 512,
            "truncation_strategy": {"type": "last_messages", "last_messages": 6},
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "parallel_tool_calls": False,
            "response_format": {"type": "json_object"},
            "reasoning_effort": "low",
            "metadata": {"team": "research", "ticket": "T-42"},
        }
        assert {key: body.get(key) for key in expected} == expected
        # The server's run carries them: what the inspector's run view shows.
        conversation = app.screen.conversation
        assert conversation is not None and conversation.run_id is not None
        run = conversation.state.run(conversation.run_id)
        assert (run.model, run.temperature, run.top_p) == ("demo-model-large", 0.2, 0.9)
        assert (run.max_prompt_tokens, run.max_completion_tokens) == (2000, 512)
        assert run.parallel_tool_calls is False and run.metadata == expected["metadata"]
        # The inspector's Run tab shows the settings the run used.
        await settle(pilot)
        shown = "\n".join(
            str(app.screen.query_one(f"#{part}", Static).render())
            for part in ("run-settings", "run-metadata", "run-instructions")
        )
        for words in (
            "model demo-model-large",
            "tool_choice",
            "get_weather",
            "parallel_tool_calls false",
            "temperature 0.2  top_p 0.9",
            "last 6 messages",
            "prompt 2000 · completion 512",
            "json_object",
            "team",
            "T-42",
            "Answer in French.",
            "Be brief.",
        ):
            assert words in shown, words
        # tool_choice named get_weather: the run waits for that call's output; cancel it.
        assert run.status == "requires_action"
        app.screen.composer.focus()
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.status.run == "cancelled"
        # Sticky: kept for the thread's next runs (core's tests check the next bodies).
        assert app.session.thread_settings(thread_id).options.temperature == 0.2  # type: ignore[union-attr]
        # Reset: the thread's runs go back to the assistant's own settings.
        await pilot.press("f5")
        await pilot.pause()
        app.screen.query_one("#reset").press()
        await pilot.pause()
        app.screen.query_one("#apply").press()
        await settle(pilot)
        await send(pilot, "plain")
        third = apps.recorder.bodies("POST", f"/threads/{thread_id}/runs")[-1]
        assert set(third) <= {"assistant_id", "additional_messages", "stream"}
        assert app.screen.status.options == ""


REFUSED = [
    ({"temperature": "2.5"}, "temperature", "Temperature: Input should be less than or equal to 2"),
    ({"top_p": "-0.1"}, "top_p", "Top p: Input should be greater than or equal to 0"),
    (
        {"max_prompt_tokens": "100"},
        "max_prompt_tokens",
        "Max prompt tokens: Input should be greater than or equal to 256",
    ),
    ({"max_completion_tokens": "lots"}, "max_completion_tokens", "'lots' is not a whole number"),
    (
        {"truncation_last_messages": "0"},
        "truncation_last_messages",
        "Truncation: Input should be greater than or equal to 1",
    ),
    (
        {"metadata": "\n".join(f"k{i}=v" for i in range(17))},
        "metadata",
        "Metadata: at most 16 keys (got 17)",
    ),
    ({"metadata": "no equals sign"}, "metadata", "Metadata: line 1: expected key=value"),
]


async def test_out_of_range_values_are_refused_in_the_panel(apps: RecordedApps) -> None:
    app = apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await pilot.pause()
        panel = app.screen
        assert isinstance(panel, RunOptionsPanel)
        for values, field_name, words in REFUSED:
            panel.query_one("#reset").press()
            await pilot.pause()
            await fill(pilot, app, values)
            panel.query_one("#apply").press()
            await pilot.pause()
            assert app.screen is panel, words  # still open
            error = panel.query_one("#options-error", Static)
            assert error.has_class("-shown") and words in str(error.render()), words
            invalid = [row.id for row in panel.query(".row.-invalid")]
            assert invalid == [f"row-{field_name}"], words
            focused = app.focused
            assert focused is not None and focused.id == f"field-{field_name}", words
        await pilot.press("escape")
        await settle(pilot)
        await send(pilot, "nothing changed")
        (body,) = apps.recorder.bodies("POST", "/threads/runs")
        assert set(body) <= {"assistant_id", "thread", "stream"}


async def test_enter_in_a_field_applies(apps: RecordedApps) -> None:
    app = apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await pilot.pause()
        await type_text(pilot, "demo-model-mini", "enter")
        await settle(pilot)
        assert app.screen.status.model == "demo-model-mini"
