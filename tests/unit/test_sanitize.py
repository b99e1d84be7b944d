"""Untrusted text never carries terminal control sequences to the screen."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from threadline.core.sanitize import StreamSanitizer, clean, clean_line

HOSTILE = (
    "a\x1b]52;c;ZXZpbA==\x07"  # OSC 52: write the clipboard
    "b\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink
    "c\x1b]0;pwned title\x07"  # set the window title
    "d\x1b[2J\x1b[H\x1b[31m"  # clear screen, home, colour
    "e\x9b2J\x1bP1;2|x\x1b\\\x1bc"  # 8-bit CSI, DCS, full reset
    "f\x00\x07\x08\x7f\x85g"
)


def test_clean_removes_every_sequence_and_control() -> None:
    assert clean(HOSTILE) == "ablinkcdefg"


def test_clean_keeps_newlines_tabs_and_unicode() -> None:
    assert clean("line 1\n\tline 2 → é 【4:0†】") == "line 1\n\tline 2 → é 【4:0†】"


def test_bidi_overrides_are_shown_visibly() -> None:
    assert clean("abc\u202edcba\u2066x") == "abc<U+202E>dcba<U+2066>x"


def test_clean_line_flattens_newlines() -> None:
    assert clean_line("a\nb\tc") == "a b c"


def test_markup_is_left_as_literal_text() -> None:
    assert clean("[bold]x[/bold] [@click=app.quit]y[/]") == "[bold]x[/bold] [@click=app.quit]y[/]"


@given(st.lists(st.integers(min_value=1, max_value=12), max_size=40))
def test_stream_sanitizer_matches_clean_under_any_split(cuts: list[int]) -> None:
    sanitizer, out, start = StreamSanitizer(), [], 0
    for size in cuts:
        out.append(sanitizer.feed(HOSTILE[start : start + size]))
        start += size
    out.append(sanitizer.feed(HOSTILE[start:]))
    out.append(sanitizer.flush())
    assert "".join(out) == clean(HOSTILE)


@given(st.text(alphabet=st.sampled_from(list("ab\x1b[]\x07\\;0P\x9b\x9c\n")), max_size=60))
def test_no_escape_or_c1_byte_ever_survives(text: str) -> None:
    sanitizer = StreamSanitizer()
    out = clean(text) + "".join(sanitizer.feed(ch) for ch in text) + sanitizer.flush()
    assert not any(ch == "\x1b" or "\x80" <= ch <= "\x9f" or ch == "\x07" for ch in out)
