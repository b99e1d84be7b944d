"""Every key of the app in one table: binding id -> key, action, words for help and palette.

Widgets and screens build their ``BINDINGS`` from here, so the help screen, the command
palette and (later) the ``[keys]`` remapping in config all read the same ids. A key string
may list alternatives (``"ctrl+j,alt+enter"``); the first is the one shown.

Keys were picked to survive a plain xterm, tmux and SSH: no ctrl+b (tmux prefix), no ctrl+s
or ctrl+z, and nothing the composer's TextArea already uses for editing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding, BindingType

Scope = Literal["app", "main", "composer", "threads", "messages", "inspector", "replay"]


@dataclass(frozen=True, slots=True)
class KeyAction:
    id: str
    key: str
    action: str
    title: str
    help: str
    scope: Scope
    palette: bool = True  # offered in the command palette (editing keys are not)
    priority: bool = False


KEYS: tuple[KeyAction, ...] = (
    KeyAction("quit", "ctrl+q", "app.quit", "Quit", "Quit Threadline", "app", priority=True),
    KeyAction("help", "f1", "app.show_help", "Help", "Show every key", "app"),
    KeyAction(
        "command_palette",
        "ctrl+p",
        "app.command_palette",
        "Commands",
        "Search every command",
        "app",
        palette=False,
    ),
    # Not priority bindings: those run when the key arrives, before the composer has taken
    # the keys typed just before it (typing "hi" + enter fast would send ""). The composer
    # lets its bound keys bubble to the binding check instead, in order.
    KeyAction(
        "send",
        "enter",
        "send",
        "Send",
        "Send the message in the composer",
        "composer",
    ),
    KeyAction(
        "newline",
        "ctrl+j,alt+enter,shift+enter",
        "newline",
        "New line",
        "Insert a line break in the composer",
        "composer",
        palette=False,
    ),
    KeyAction(
        "recall",
        "up",
        "recall",
        "Recall last message",
        "On an empty composer: bring back the last message sent in this thread",
        "composer",
    ),
    KeyAction(
        "cancel_run",
        "escape",
        "cancel_run",
        "Cancel run",
        "Cancel the run streaming in this thread",
        "main",
    ),
    # Tool-call cards: live only while the run on screen waits for tool output.
    KeyAction(
        "submit_tool_outputs",
        "f9",
        "submit_tool_outputs",
        "Submit tool outputs",
        "Send every tool call's output in one request, once each has one",
        "main",
    ),
    KeyAction(
        "tool_error",
        "f10",
        "tool_error",
        "Answer tool call with an error",
        "Send the focused tool call's output as an error (press again to undo)",
        "main",
    ),
    KeyAction(
        "tool_handler",
        "f12",
        "tool_handler",
        "Use tool handler",
        "Approve the focused tool call's proposed output, or run its handler now",
        "main",
    ),
    KeyAction("new_thread", "ctrl+n", "new_thread", "New thread", "Start a new thread", "main"),
    KeyAction(
        "rename_thread", "f2", "rename_thread", "Rename thread", "Rename this thread", "main"
    ),
    KeyAction(
        "delete_thread",
        "f8",
        "delete_thread",
        "Delete thread",
        "Delete this thread (asks first)",
        "main",
    ),
    KeyAction(
        "import_thread",
        "ctrl+o",
        "import_thread",
        "Import thread",
        "Add an existing thread by its id",
        "main",
    ),
    KeyAction(
        "filter_threads",
        "ctrl+f",
        "filter_threads",
        "Filter threads",
        "Filter the threads by title as you type",
        "main",
    ),
    KeyAction(
        "previous_thread",
        "ctrl+up",
        "previous_thread",
        "Previous thread",
        "Open the thread above in the list",
        "main",
    ),
    KeyAction(
        "next_thread",
        "ctrl+down",
        "next_thread",
        "Next thread",
        "Open the thread below in the list",
        "main",
    ),
    KeyAction(
        "focus_composer",
        "ctrl+l",
        "focus_composer",
        "Focus composer",
        "Move the cursor to the composer",
        "main",
    ),
    KeyAction(
        "toggle_sidebar",
        "ctrl+t",
        "toggle_sidebar",
        "Toggle threads",
        "Show or hide the thread list",
        "main",
    ),
    KeyAction(
        "toggle_inspector",
        "ctrl+r",
        "toggle_inspector",
        "Toggle inspector",
        "Show or hide the run inspector",
        "main",
    ),
    KeyAction(
        "switch_profile",
        "f3",
        "switch_profile",
        "Switch profile",
        "Open another profile (backend) from the config",
        "main",
    ),
    KeyAction(
        "choose_assistant",
        "f4",
        "choose_assistant",
        "Choose assistant",
        "Pick the assistant this thread's next runs use",
        "main",
    ),
    KeyAction(
        "run_options",
        "f5",
        "run_options",
        "Run options",
        "Model, instructions, sampling and limits for this thread's next runs",
        "main",
    ),
    KeyAction(
        "focus_messages",
        "ctrl+g",
        "focus_messages",
        "Select messages",
        "Move the cursor to the messages, to select one and copy it",
        "main",
    ),
    KeyAction(
        "copy_message",
        "c",
        "copy_message",
        "Copy message",
        "Copy the selected message (the last one if none is selected)",
        "messages",
    ),
    KeyAction(
        "view_message",
        "v",
        "view_message",
        "View whole message",
        "Open the selected message's whole text, read-only (a huge one is shortened inline)",
        "messages",
    ),
    KeyAction(
        "copy_code_block",
        "b",
        "copy_code_block",
        "Copy code block",
        "Copy the selected message's next code block (press again for the one after)",
        "messages",
    ),
    KeyAction(
        "copy_tool_arguments",
        "a",
        "copy_tool_arguments",
        "Copy tool call arguments",
        "Copy the arguments of the selected message's tool calls (press again for the next)",
        "messages",
    ),
    KeyAction(
        "select_previous_message",
        "up,k",
        "select_message(-1)",
        "Previous message",
        "In the messages: select the message above",
        "messages",
        palette=False,
    ),
    KeyAction(
        "select_next_message",
        "down,j",
        "select_message(1)",
        "Next message",
        "In the messages: select the message below",
        "messages",
        palette=False,
    ),
    # The inspector: "focus_inspector" from anywhere on the main screen; the rest work
    # while the focus is in the inspector (and from the palette).
    KeyAction(
        "focus_inspector",
        "alt+i",
        "focus_inspector",
        "Focus inspector",
        "Move the cursor to the run inspector (its runs list)",
        "main",
    ),
    KeyAction(
        "inspector_run_tab",
        "1",
        "show_tab('run')",
        "Inspector: Run tab",
        "Show the selected run's timeline, settings, usage and errors",
        "inspector",
    ),
    KeyAction(
        "inspector_steps_tab",
        "2",
        "show_tab('steps')",
        "Inspector: Steps tab",
        "Show the selected run's steps and tool calls",
        "inspector",
    ),
    KeyAction(
        "inspector_events_tab",
        "3",
        "show_tab('events')",
        "Inspector: Events tab",
        "Show every raw stream event of the selected run",
        "inspector",
    ),
    KeyAction(
        "inspector_raw_tab",
        "4",
        "show_tab('raw')",
        "Inspector: Raw tab",
        "Show the selected run, step or message as the API returned it",
        "inspector",
    ),
    KeyAction(
        "inspector_copy",
        "c",
        "copy_object",
        "Inspector: copy JSON",
        "Copy the selected event, run, step or message as JSON (OSC 52)",
        "inspector",
    ),
    KeyAction(
        "inspector_copy_arguments",
        "a",
        "copy_arguments",
        "Inspector: copy tool call arguments",
        "Copy the selected function call's arguments (OSC 52)",
        "inspector",
    ),
    KeyAction(
        "inspector_save_capture",
        "s",
        "save_capture",
        "Inspector: save capture",
        "Save the selected run's event stream as an .sse file in the data folder's exports/",
        "inspector",
    ),
    KeyAction(
        "inspector_filter_events",
        "slash",
        "filter_events",
        "Inspector: filter events",
        "Filter the Events tab by event type (words match any part of the type)",
        "inspector",
    ),
    KeyAction(
        "inspector_fold_deltas",
        "f",
        "fold_deltas",
        "Inspector: fold deltas",
        "Fold consecutive deltas of one message or step into one row, or unfold them",
        "inspector",
    ),
    KeyAction(
        "inspector_fetch_content",
        "i",
        "fetch_content",
        "Inspector: fetch search content",
        "Fetch the selected file_search step's result content (include[])",
        "inspector",
    ),
    KeyAction(
        "inspector_zoom",
        "z",
        "zoom",
        "Inspector: zoom",
        "Let the inspector fill the screen, or put it back",
        "inspector",
    ),
    # Replay mode (threadline replay FILE).
    KeyAction(
        "replay_play_pause",
        "space",
        "play_pause",
        "Replay: play / pause",
        "Play the capture from here, or pause it",
        "replay",
    ),
    KeyAction(
        "replay_step_forward",
        "right",
        "step(1)",
        "Replay: step forward",
        "Apply the next event",
        "replay",
    ),
    KeyAction(
        "replay_step_back",
        "left",
        "step(-1)",
        "Replay: step back",
        "Go back one event (the state is rebuilt from the start)",
        "replay",
    ),
    KeyAction(
        "replay_to_end",
        "e",
        "to_end",
        "Replay: jump to end",
        "Apply every remaining event at once",
        "replay",
    ),
    KeyAction(
        "replay_speed",
        "x",
        "cycle_speed",
        "Replay: speed",
        "Cycle the speed: x1 (original timing, when known), x10, instant",
        "replay",
    ),
    KeyAction(
        "delete_selected_thread",
        "delete",
        "delete_thread",
        "Delete thread",
        "In the thread list: delete the highlighted thread",
        "threads",
        palette=False,
    ),
)

BY_ID: dict[str, KeyAction] = {k.id: k for k in KEYS}


def bindings(scope: Scope) -> list[BindingType]:
    """The ``BINDINGS`` of one scope, each with its id."""
    return [
        Binding(
            k.key,
            k.action,
            k.title,
            show=True,
            priority=k.priority,
            tooltip=k.help,
            id=k.id,
        )
        for k in KEYS
        if k.scope == scope
    ]


def display_key(key: str) -> str:
    """``"ctrl+j,alt+enter"`` -> ``"ctrl+j / alt+enter"``."""
    return " / ".join(part.strip() for part in key.split(","))
