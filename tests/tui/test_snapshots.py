"""Snapshots of the main screen: 120x40 and 80x24, in a dark and a light theme.

Every snapshot shows the same moment: the newest thread ("Trip plan to Lisbon") is open,
a follow-up question was sent and the assistant's reply (markdown with a list and a
highlighted Python block) has finished streaming. Times come from a fixed clock, ids from
a counter that restarts per test, and the cursor does not blink.

Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from textual.pilot import Pilot

from threadline.api import Message
from threadline.cli.tui import DEMO_NOTICE

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession, message_dict, reply_events, words

REPLY = """Here is a plan for **three days**:

1. Alfama and the castle
2. Belém: the tower and *pastéis*
3. Sintra by train

```python
def budget(days: int, per_day: float = 120.0) -> float:
    return days * per_day
```

About €360 in all."""


async def lisbon(session: FakeSession) -> None:
    await session.add_thread("Recipes for the week", at=NOW - 9 * 86400)
    await session.add_thread("Weekly report", at=NOW - 2 * 86400, status="failed")
    await session.add_thread("Refactor the parser", at=NOW - 3 * 3600, status="requires_action")
    thread_id = await session.add_thread(
        "Trip plan to Lisbon", [("user", "What should I see in Lisbon?")], at=NOW - 600
    )
    cited = message_dict(
        "msg_guide",
        thread_id,
        "assistant",
        "",
        created_at=NOW - 590,
        content=[
            {
                "type": "text",
                "text": {
                    "value": "The old town and the river front【4:0†guide】.",
                    "annotations": [
                        {
                            "type": "file_citation",
                            "text": "【4:0†guide】",
                            "file_citation": {"file_id": "file-lisbon-guide"},
                            "start_index": 32,
                            "end_index": 43,
                        }
                    ],
                },
            }
        ],
    )
    session.server_messages[thread_id].append(Message.model_validate(cited))
    session.script = lambda conv, text, tid, new: reply_events(tid, new, words(REPLY))


async def follow_up(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await type_text(pilot, "And three days?", "enter")
    await settle(pilot)


def app_for(make_app: AppMaker, theme: str):  # type: ignore[no-untyped-def]
    return make_app(setup=lisbon, theme=theme, notices=[DEMO_NOTICE])


def test_main_screen_dark_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """All three panes in textual-dark. Left: "Threads", the filter line, then four threads
    newest first: "Trip plan to Lisbon  10m" highlighted, "? Refactor the parser  3h" (needs
    tool output), "✗ Weekly report  2d" (failed), "Recipes for the week  Mar 5". Middle: the
    two-line local demo notice on a tinted band; "you 14:59" asking what to see in Lisbon;
    "Threadline Demo 14:59" answering "...river front[1]." with a dim "[1] file-lisbon-guide"
    under it; "you 15:09" asking "And three days?"; the reply with "three days" in bold, a
    numbered list, a highlighted Python block (cut at the pane's edge) and "About €360 in
    all."; a dim "completed in 2s"; the empty composer with its placeholder and a block cursor.
    Right: "Inspector": the run list's one row "✓ completed 2.0s" / "run_0006 · demo-model"
    highlighted, the Run/Steps/Events/Raw tabs with Run active: "run_0006 ✓ completed", a
    timeline (created, in_progress, completed; 15:09:00 → 15:09:02), the settings the
    scripted run left blank as "—", and a collapsed "▶ Instructions". Status bar:
    "local · demo │ Threadline Demo │ demo-model │ completed", an amber "local demo" badge and
    "f1 help  ctrl+p commands"."""
    assert snap_compare(
        app_for(make_app, "textual-dark"), terminal_size=(120, 40), run_before=follow_up
    )


def test_main_screen_light_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The dark 120x40 screen in textual-light: dark text on light grey panes, the same
    threads and marks, messages, citation note, code block, notice, inspector and status."""
    assert snap_compare(
        app_for(make_app, "textual-light"), terminal_size=(120, 40), run_before=follow_up
    )


def test_main_screen_dark_80x24(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """At 80x24 in textual-dark the inspector is hidden. A narrower thread list (24 columns)
    keeps the marks; ages of long titles give way to "…". The conversation, scrolled to the
    end, shows the reply from its "Threadline Demo 15:09" header down to "completed in 2s",
    with a scrollbar, above the composer. The status bar keeps the backend, assistant, model,
    run status and the "local demo" badge, and drops the key hints."""
    assert snap_compare(
        app_for(make_app, "textual-dark"), terminal_size=(80, 24), run_before=follow_up
    )


def test_main_screen_light_80x24(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The dark 80x24 screen in textual-light: thread list and conversation, no inspector."""
    assert snap_compare(
        app_for(make_app, "textual-light"), terminal_size=(80, 24), run_before=follow_up
    )
