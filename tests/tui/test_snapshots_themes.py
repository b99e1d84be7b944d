"""Snapshots in Threadline's own themes, and of the run options panel.

The main screen is the scene of ``test_snapshots.py`` (the Lisbon thread, a finished
reply with a list and a Python block, threads marked failed and waiting), at 100x30:
below 110 columns the inspector is hidden, so these follow the themes, not the inspector.

Update with ``pytest tests/tui/test_snapshots_themes.py --snapshot-update`` and look at the
SVGs (``rsvg-convert -o /tmp/x.png file.svg``).
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from threadline.cli.tui import DEMO_NOTICE

from .conftest import AppMaker, settle
from .test_snapshots import follow_up, lisbon


def test_main_screen_threadline_dark(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """threadline-dark at 100x30: near-black panes (#1c1c1c, the thread list a shade
    lighter), light grey text. Left: "Threads" in blue, four threads, the current one
    "Trip plan to Lisbon" on a grey bar, a bold yellow "?" before "Refactor the parser" and
    a red "✗" before "Weekly report". Middle: the demo notice on a blue-tinted band; your
    messages with a steel-blue left edge on a faint tint and "you" in soft blue; the assistant's headers
    "Threadline Demo" in teal; the reply's bold "three days", numbered list and highlighted
    Python block; "completed in 2s" in grey; the composer with a blue border. Status bar on
    dark grey: "local · demo │ Threadline Demo │ demo-model │ completed", an amber
    "local demo" badge and the key hints."""
    app = make_app(setup=lisbon, theme="threadline-dark", notices=[DEMO_NOTICE])
    assert snap_compare(app, terminal_size=(100, 30), run_before=follow_up)


def test_main_screen_threadline_light(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """threadline-light at 100x30: the same scene as dark ink on light greys (#eeeeee
    background, #e4e4e4 thread list); titles in deep teal-blue, "you" in navy with a
    slate-violet left edge, the assistant's headers in dark teal, the "?" mark brown and bold, the "✗" deep
    red; the status bar light grey with a brown "local demo" badge."""
    app = make_app(setup=lisbon, theme="threadline-light", notices=[DEMO_NOTICE])
    assert snap_compare(app, terminal_size=(100, 30), run_before=follow_up)


async def open_panel_with_a_bad_value(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("f5")
    await pilot.pause()
    panel = pilot.app.screen
    panel.query_one("#field-model", Input).value = "demo-model-large"
    panel.query_one("#field-temperature", Input).value = "2.5"
    panel.query_one("#field-max_completion_tokens", Input).value = "1024"
    panel.query_one("#apply").press()
    await pilot.pause()
    await pilot.pause()


def test_run_options_panel(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The run options panel over the main screen, threadline-dark, 100x34, in a blue
    frame. Title "Run options", then "For this thread's next runs with Threadline Demo.
    Empty = the assistant's own setting." A scrolling list of rows, labels on the left and
    fields on darker grey bars: Model "demo-model-large"; Instructions and Additional
    instructions (three-line boxes showing their placeholders); Temperature "2.5" with its
    label in bold red and the cursor in the field (the value refused); Top p, Max prompt
    tokens (placeholders); Max completion tokens "1024"; Truncation; then selects showing
    "assistant's default" (Tool choice, Parallel tool calls, Response format), with a
    scrollbar on the right. Below the list, in red: "✗ Temperature: Input should be less
    than or equal to 2"; at the bottom right the buttons Reset, Cancel and Apply (blue)."""
    app = make_app(theme="threadline-dark")
    assert snap_compare(app, terminal_size=(100, 34), run_before=open_panel_with_a_bad_value)
