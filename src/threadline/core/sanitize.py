"""Make untrusted text safe for a terminal.

Everything a server or a model sends is untrusted. Before it reaches a screen or stdout:

* escape sequences (CSI, OSC such as clipboard/hyperlink/title, DCS, APC, ...) are removed
  whole, so no terminal state can be changed from a message;
* other C0 controls except newline and tab, DEL, and C1 controls are removed;
* bidirectional overrides and isolates, which can make text read differently from what it
  is, are shown visibly as ``<U+202E>``.

Markup is a separate concern: widgets render untrusted text as ``rich.text.Text`` or with
``markup=False``, never through a markup parser.

:class:`StreamSanitizer` does the same over a stream of fragments, holding back an escape
sequence split across fragments so that its tail does not leak as visible garbage.
"""

from __future__ import annotations

import re

_BODY = 4096  # longest OSC/DCS body removed as one sequence; bounds the regex's work
_ESCAPE_SEQUENCE = re.compile(
    rf"""
    \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]                # CSI ... final byte
  | \x1b\] .{{0,{_BODY}}}? (?:\x07|\x1b\\|\x9c)                 # OSC ... BEL or ST
  | \x1b[PX^_] .{{0,{_BODY}}}? (?:\x1b\\|\x9c)                  # DCS, SOS, PM, APC ... ST
  | \x1b[\x20-\x2f]* [\x30-\x4f\x51-\x57\x59-\x5a\x5c\x60-\x7e]  # two-char and nF escapes
  | \x9b [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]                  # 8-bit CSI
  | [\x90\x98\x9d\x9e\x9f] .{{0,{_BODY}}}? (?:\x07|\x1b\\|\x9c) # 8-bit OSC, DCS, ...
    """,
    re.VERBOSE | re.DOTALL,
)
# Where a sequence starts; and the starts that may still be unfinished at a fragment's end.
_INTRODUCER = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
_OPEN_SEQUENCE = re.compile(r"\x1b(?:[\[\]PX^_]|[\x20-\x2f]*\Z)|[\x90\x98\x9b\x9d\x9e\x9f]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u061c]")


def _show_bidi(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


def clean(text: str) -> str:
    """``text`` with escape sequences and control characters removed, bidi shown."""
    if text.isprintable():
        return text  # the common case, decided in C
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _CONTROLS.sub("", text)
    return _BIDI.sub(_show_bidi, text)


def clean_line(text: str) -> str:
    """:func:`clean`, and newlines and tabs as spaces: for titles, names, one-line errors."""
    return clean(text).replace("\n", " ").replace("\t", " ")


class StreamSanitizer:
    """:func:`clean` over fragments, where a sequence may be split between fragments."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, fragment: str) -> str:
        text = self._held + fragment if self._held else fragment
        self._held = ""
        start = self._unfinished_start(text)
        if start is not None:
            self._held = text[start:]
            text = text[:start]
        return clean(text)

    def flush(self) -> str:
        """The end of the stream: whatever is held is cleaned and returned."""
        text, self._held = self._held, ""
        return clean(text)

    @staticmethod
    def _unfinished_start(text: str) -> int | None:
        found = _INTRODUCER.search(text)
        while found is not None:
            start = found.start()
            complete = _ESCAPE_SEQUENCE.match(text, start)
            if complete is not None:
                found = _INTRODUCER.search(text, complete.end())
                continue
            if len(text) - start <= _BODY and _OPEN_SEQUENCE.match(text, start):
                return start
            found = _INTRODUCER.search(text, start + 1)
        return None
