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

_BODY = 4096  # longest OSC/DCS body removed as one sequence
# Sequences without a body, matched at their introducer. Linear overall: their parameter
# and intermediate runs cannot contain an introducer, so runs after two introducers never
# overlap.
_SHORT_SEQUENCE = re.compile(
    r"""
    \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]                # CSI ... final byte
  | \x1b[\x20-\x2f]* [\x30-\x4f\x51-\x57\x59-\x5a\x5c\x60-\x7e]  # two-char and nF escapes
  | \x9b [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]                  # 8-bit CSI
    """,
    re.VERBOSE,
)
# Sequences with a body (OSC, DCS, SOS, PM, APC, 7- and 8-bit) end at their first
# terminator within _BODY characters.
_ANY_END = ("\x07", "\x1b\\", "\x9c")
_ST_END = ("\x1b\\", "\x9c")
_BODY_INTRODUCERS = {"]": _ANY_END, "P": _ST_END, "X": _ST_END, "^": _ST_END, "_": _ST_END}
# Where a sequence starts; and the starts that may still be unfinished at a fragment's end.
_INTRODUCER = re.compile(r"[\x1b\x90\x98\x9b\x9d\x9e\x9f]")
_OPEN_SEQUENCE = re.compile(r"\x1b(?:[\[\]PX^_]|[\x20-\x2f]*\Z)|[\x90\x98\x9b\x9d\x9e\x9f]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u061c]")


def _show_bidi(match: re.Match[str]) -> str:
    return f"<U+{ord(match.group()):04X}>"


class _Sequences:
    """Finds the complete escape sequences of one text, in time linear in its length.

    A body sequence with no terminator in reach must not cost a search of the rest of the
    text for each of its introducers (``"\\x1b]" * 50_000`` would take seconds), so each
    terminator's next position is remembered: positions asked about only grow, and every
    stretch of text is searched for each terminator once.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._next: dict[str, int] = {}  # terminator -> its next index (-1: none left)

    def end(self, start: int) -> int | None:
        """Where the complete sequence at introducer ``start`` ends; None if there is none."""
        text = self.text
        lead = text[start]
        if lead == "\x1b":
            ends = _BODY_INTRODUCERS.get(text[start + 1 : start + 2])
            if ends is not None:
                return self._body_end(start + 2, ends)
        elif lead != "\x9b":  # 8-bit OSC, DCS, SOS, PM, APC
            return self._body_end(start + 1, _ANY_END)
        match = _SHORT_SEQUENCE.match(text, start)
        return match.end() if match else None

    def _body_end(self, begin: int, ends: tuple[str, ...]) -> int | None:
        best: tuple[int, int] | None = None
        for terminator in ends:
            found = self._next.get(terminator)
            if found is None or 0 <= found < begin:
                found = self._next[terminator] = self.text.find(terminator, begin)
            if found >= 0 and (best is None or found < best[0]):
                best = (found, len(terminator))
        if best is None or best[0] - begin > _BODY:
            return None
        return best[0] + best[1]


def _strip_sequences(text: str) -> str:
    sequences = _Sequences(text)
    parts: list[str] = []
    kept = 0  # text[kept:] is not yet in parts
    found = _INTRODUCER.search(text)
    while found is not None:
        start = found.start()
        end = sequences.end(start)
        if end is None:
            found = _INTRODUCER.search(text, start + 1)
            continue
        parts.append(text[kept:start])
        kept = end
        found = _INTRODUCER.search(text, end)
    parts.append(text[kept:])
    return "".join(parts)


def clean(text: str) -> str:
    """``text`` with escape sequences and control characters removed, bidi shown."""
    if text.isprintable():
        return text  # the common case, decided in C
    text = _strip_sequences(text)
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
        sequences = _Sequences(text)
        found = _INTRODUCER.search(text)
        while found is not None:
            start = found.start()
            end = sequences.end(start)
            if end is not None:
                found = _INTRODUCER.search(text, end)
                continue
            # Still completable: its body (after a 1- or 2-character introducer) may take
            # up to _BODY characters, and the text may end inside a 2-character ST.
            if len(text) - start <= _BODY + 3 and _OPEN_SEQUENCE.match(text, start):
                return start
            found = _INTRODUCER.search(text, start + 1)
        return None
