"""Figure 4: opening a thread of 10,000 messages from the local cache, then moving up.

The data folder is seeded with two threads, both on the embedded server and in the local
store's index and message cache: an empty one (the newest, which the app opens at start)
and one of 10,000 messages. The app runs under a pty at 120x40. Once it is connected and
idle, the benchmark selects the long thread (a ``ThreadSelected`` message, as a click in
the sidebar sends) and measures:

- first screen: selection -> the newest message's last line ("Reply 5000, message
  10000.") appears on the terminal. The parent watches the terminal, so this is what the
  user sees, whatever the renderer does inside;
- RSS growth: resident memory once the parent has seen that screen, minus before;
- scrolling up: ``scroll_home`` on the message list again and again for a few seconds (as
  dragging the scrollbar to the top does; each time the next older batch is mounted):
  messages that came into view per second, and the RSS growth by then;
- first message: what the home key does (``action_scroll_home``: the thread's first page,
  not everything in between) -> the first message ("Question 1:") appears on the
  terminal; seconds, and the RSS growth by then. Stops at ``--budget`` (the table says
  so, and shows the budget as the value).

There is no stock baseline: mounting 10,000 ``Markdown`` widgets takes minutes (1,000 took
37 s and 460 MB here).
"""

from __future__ import annotations

from bench.inputs.seed import seed
from bench.inputs.thread import message, thread_titles
from bench.model import Case, Figure, Metric, Options, Sample, at_most
from bench.support.env import trial_dir
from bench.tui.run import open_trial

OLDEST_TEXT = "Question 1:"  # not a prefix of "Question 10:" etc.
MESSAGES = 10_000
QUICK_MESSAGES = 20

FIRST, RSS, TOP, TOP_RSS = "4.first", "4.rss", "4.top", "4.top_rss"
SCROLL, SCROLL_RSS = "4.scroll", "4.scroll_rss"
SCROLL_SECONDS, QUICK_SCROLL_SECONDS = 5.0, 1.0


def metrics(count: int) -> tuple[Metric, ...]:
    label = f"{count:,}-message thread"
    return (
        Metric(FIRST, f"{label}: first screen", "ms", at_most(300), baseline=False),
        Metric(RSS, f"{label}: RSS growth", "MB", at_most(100), baseline=False),
        Metric(SCROLL, f"{label}: scrolling up", "msg/s", baseline=False),
        Metric(SCROLL_RSS, f"{label}: RSS growth after scrolling", "MB", baseline=False),
        Metric(TOP, f"{label}: home to the first message", "s", baseline=False),
        Metric(TOP_RSS, f"{label}: RSS growth at top", "MB", baseline=False),
    )


def _trial(options: Options, count: int) -> Sample:
    root = trial_dir(options.workdir, "thread")
    short, long = thread_titles(2)
    # The short thread is empty: nothing of it can look like the long thread's text.
    big, _ = seed(root / "data", [(long, count), (short, 0)])
    target = {
        "thread_id": big.thread_id,
        "budget": options.budget,
        "scroll_seconds": QUICK_SCROLL_SECONDS if options.quick else SCROLL_SECONDS,
        "headless": False,
    }
    result = open_trial(root, target, _newest_text(count), OLDEST_TEXT)
    values = {
        FIRST: 1000 * result["first_screen"],
        RSS: result["rss_open"] - result["rss_before"],
        SCROLL: result["scrolled_messages"] / result["scrolled_seconds"],
        SCROLL_RSS: result["rss_scroll"] - result["rss_before"],
        TOP_RSS: result["rss_top"] - result["rss_before"],
        "4.mounted": result["mounted"],  # for the log: message views mounted at the end
    }
    notes = {}
    if result["top_seconds"] is None:
        note = "not at the top by --budget: the value is the budget"
        values[TOP] = options.budget
        notes = {TOP: note, TOP_RSS: note}
    else:
        values[TOP] = result["top_seconds"]
    return Sample(values, notes)


def _newest_text(count: int) -> str:
    """The last line of the thread's newest message, e.g. "Reply 5000, message 10000."."""
    role, text = message(count - 1)
    assert role == "assistant", "an even count ends the thread with a reply"
    return text.rsplit("\n\n", 1)[-1]


def cases(options: Options) -> list[Case]:
    count = QUICK_MESSAGES if options.quick else MESSAGES
    return [Case(f"{count:,} messages", metrics(count), lambda: _trial(options, count))]


FIGURE = Figure("4", "thread", "a 10,000-message thread from the local cache", cases)
