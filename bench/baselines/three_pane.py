"""Baseline (b): a minimal stock app with Threadline's three-pane layout.

Threads | conversation (Markdown messages above a TextArea composer) | inspector, and a
status line, with the same widths as Threadline's main screen at 120 columns. Run as
``python -m bench.baselines.three_pane [THREADS] [MESSAGES]`` for the startup figure: it
imports only Textual and shows everything in its first frame.
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Markdown, OptionList, Static, TextArea

from bench.inputs.thread import messages, thread_titles

PLACEHOLDER = "Message  (enter sends, ctrl+j new line)"

CSS = """
#panes { height: 1fr; }
#sidebar { width: 30; height: 1fr; border-right: vkey $panel-lighten-1; background: $surface; }
#sidebar > OptionList { height: 1fr; border: none; background: transparent; }
#conversation { width: 1fr; height: 1fr; }
#messages { height: 1fr; padding: 1 1 0 1; }
#messages > Markdown { margin: 0 0 1 0; padding: 0 1; }
#inspector { width: 34; height: 1fr; border-left: vkey $panel-lighten-1; background: $surface; }
#composer { height: auto; min-height: 3; max-height: 12; margin: 0 1; }
#status { height: 1; padding: 0 1; background: $panel; }
"""


class ThreePane(App[None]):
    CSS = CSS

    def __init__(self, titles: list[str], texts: list[str]) -> None:
        super().__init__()
        self.titles = titles
        self.texts = texts

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="sidebar"):
                yield Static("Threads")
                yield OptionList(*self.titles)
            with Vertical(id="conversation"):
                with VerticalScroll(id="messages"):
                    for text in self.texts:
                        yield Markdown(text)
                yield TextArea(placeholder=PLACEHOLDER, id="composer")
            yield Static("Inspector", id="inspector")
        yield Static("local·demo  Threadline Demo  demo-model", id="status")

    def on_mount(self) -> None:
        self.query_one("#messages", VerticalScroll).anchor()
        self.query_one("#composer", TextArea).focus()


def main(argv: list[str]) -> None:
    threads = int(argv[0]) if argv else 50
    count = int(argv[1]) if len(argv) > 1 else 6
    ThreePane(thread_titles(threads), [text for _, text in messages(count)]).run()


if __name__ == "__main__":
    main(sys.argv[1:])
