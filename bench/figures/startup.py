"""Figure 3: start-up to the first frame, under a pty at 120x40.

Threadline: the installed ``threadline`` console script, on the embedded demo profile, with
50 threads in the local index (the newest, opened at start, has 6 messages). Baseline: the
minimal stock app with the same three-pane layout (``bench.baselines.three_pane``: 50
thread titles, 6 Markdown messages, a composer), run the same way.

The clock starts just before the process is spawned (so it includes the interpreter and
every import) and stops when a marker first appears in what the app wrote to the terminal:

- first frame: the composer's placeholder, "enter sends", which both apps draw in their
  first full frame;
- thread shown: "Question ", which starts every user message of the thread and appears
  nowhere else, whichever end of the thread the pane shows (Threadline loads the thread
  after its first frame; the stock app has it in its first frame).

Parent-side markers need no hook in the app, so the real entry point is what is timed.
"""

from __future__ import annotations

from pathlib import Path

from bench.inputs.seed import seed
from bench.inputs.thread import thread_titles
from bench.model import Case, Figure, Metric, Options, Sample, ratio_at_most
from bench.support.env import trial_dir
from bench.tui.run import startup_trial

THREADS = 50
MESSAGES = 6
FIRST_FRAME = "enter sends"
THREAD_TEXT = "Question "  # how bench.inputs.thread starts every user message

FRAME = Metric("3.frame", "startup to first frame", "s", ratio_at_most(1.25))
SHOWN = Metric("3.shown", "startup to thread shown", "s")


def _trial(options: Options, side: str) -> Sample:
    root = trial_dir(options.workdir, f"startup-{side}")
    if side == "threadline":
        _seed(root / "data")
    times = startup_trial(side, root, (FIRST_FRAME, THREAD_TEXT))
    return Sample({FRAME.key: times[FIRST_FRAME], SHOWN.key: times[THREAD_TEXT]})


def _seed(data: Path) -> None:
    titles = thread_titles(THREADS)
    # Oldest first: the last is the most recently active, the one the app opens.
    seed(data, [(title, 2) for title in titles[:-1]] + [(titles[-1], MESSAGES)])


def cases(options: Options) -> list[Case]:
    return [
        Case(
            f"{THREADS} threads",
            (FRAME, SHOWN),
            threadline=lambda: _trial(options, "threadline"),
            baseline=lambda: _trial(options, "baseline"),
        )
    ]


FIGURE = Figure("3", "startup", "start-up to the first frame (pty, 120x40)", cases)
