"""One tool call of a ``tool_calls`` step, as the Steps tab shows it.

- function: name, arguments pretty-printed as JSON (the raw text, marked, if not valid),
  and the output once submitted;
- code_interpreter: the input as highlighted Python, then each output (logs as text,
  images as file ids);
- file_search: the ranking options and each result (file, score, and content when the
  server included it; the Steps tab fetches it on demand with ``include[]``).

Views are keyed by the call's index in the step and redraw only when the call changed.
Every text is cut to what is shown (``format.bounded_content``): a 1 MB argument costs
a parse, not a screen of a thousand lines; the copy keys copy it whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.widgets import Static

from .format import arguments_content, bounded_content, short_id, short_line, value_text


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _indent(content: Content, by: str = "  ") -> Content:
    return Content("\n").join(Content(by) + line for line in content.split("\n"))


def function_content(call: Mapping[str, Any]) -> Content:
    function = call.get("function") if isinstance(call.get("function"), Mapping) else {}
    assert isinstance(function, Mapping)
    arguments, valid = arguments_content(_str(function.get("arguments")))
    parts = [
        Content.assemble(
            ("ƒ ", "bold $text-accent"),
            (short_line(_str(function.get("name"))) or "(unnamed)", "bold"),
            ("  " + short_id(_str(call.get("id"))), "dim"),
        ),
        Content.styled("  arguments", "dim")
        + (
            Content("")
            if valid
            else Content.styled(" (not valid JSON, shown as sent)", "$text-warning")
        ),
        _indent(arguments, "  "),
    ]
    output = function.get("output")
    if isinstance(output, str):
        parts += [Content.styled("  output", "dim"), _indent(bounded_content(output), "  ")]
    else:
        parts.append(Content.styled("  output: (none yet)", "dim"))
    return Content("\n").join(parts)


def code_content(call: Mapping[str, Any]) -> Content:
    code = call.get("code_interpreter") if isinstance(call.get("code_interpreter"), Mapping) else {}
    assert isinstance(code, Mapping)
    parts = [
        Content.assemble(
            ("⌘ ", "bold $text-accent"),
            ("code_interpreter", "bold"),
            ("  " + short_id(_str(call.get("id"))), "dim"),
        ),
        Content.styled("  input", "dim"),
        _indent(bounded_content(_str(code.get("input")), "python"), "  "),
    ]
    outputs = code.get("outputs")
    for output in outputs if isinstance(outputs, list) else []:
        if not isinstance(output, Mapping):
            continue
        kind = _str(output.get("type"))
        if kind == "logs":
            parts += [
                Content.styled("  logs", "dim"),
                _indent(bounded_content(_str(output.get("logs"))), "  "),
            ]
        elif kind == "image":
            image = output.get("image") if isinstance(output.get("image"), Mapping) else {}
            assert isinstance(image, Mapping)
            parts.append(
                Content.assemble(("  image ", "dim"), short_line(_str(image.get("file_id"))))
            )
        else:
            parts.append(Content.styled(f"  ({short_line(kind)} output not shown)", "dim italic"))
    return Content("\n").join(parts)


def search_content(call: Mapping[str, Any]) -> Content:
    search = call.get("file_search") if isinstance(call.get("file_search"), Mapping) else {}
    assert isinstance(search, Mapping)
    parts = [
        Content.assemble(
            ("⌕ ", "bold $text-accent"),
            ("file_search", "bold"),
            ("  " + short_id(_str(call.get("id"))), "dim"),
        )
    ]
    ranking = search.get("ranking_options")
    if isinstance(ranking, Mapping):
        parts.append(
            Content.assemble(
                ("  ranking ", "dim"),
                value_text(ranking.get("ranker")),
                ("  threshold ", "dim"),
                value_text(ranking.get("score_threshold")),
            )
        )
    results = search.get("results")
    if not isinstance(results, list):
        parts.append(Content.styled("  no results listed", "dim"))
        return Content("\n").join(parts)
    missing = False
    for rank, result in enumerate(results, 1):
        if not isinstance(result, Mapping):
            continue
        score = result.get("score")
        parts.append(
            Content.assemble(
                f"  {rank}. ",
                (short_line(_str(result.get("file_name"))) or "(no name)", "bold"),
                (f"  {short_line(_str(result.get('file_id')))}", "dim"),
                (f"  score {score:.2f}" if isinstance(score, float | int) else "", "dim"),
            )
        )
        content = result.get("content")
        if isinstance(content, list):
            for part in content:
                if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                    parts.append(_indent(bounded_content(part["text"]), "     "))
        else:
            missing = True
    if missing:
        parts.append(Content.styled("  content not included: press i to fetch it", "$text-warning"))
    return Content("\n").join(parts)


def call_content(call: Mapping[str, Any]) -> Content:
    kind = _str(call.get("type"))
    if kind == "function":
        return function_content(call)
    if kind == "code_interpreter":
        return code_content(call)
    if kind == "file_search":
        return search_content(call)
    return Content.styled(
        f"({short_line(kind) or 'unknown'} tool call not shown; see Raw)", "dim italic"
    )


def needs_content(call: Mapping[str, Any]) -> bool:
    """A file_search call whose results came without their content."""
    search = call.get("file_search")
    if call.get("type") != "file_search" or not isinstance(search, Mapping):
        return False
    results = search.get("results")
    return isinstance(results, list) and any(
        isinstance(r, Mapping) and not isinstance(r.get("content"), list) for r in results
    )


def step_needs_content(step: Mapping[str, Any]) -> bool:
    details = step.get("step_details")
    calls = details.get("tool_calls") if isinstance(details, Mapping) else None
    return isinstance(calls, list) and any(
        isinstance(call, Mapping) and needs_content(call) for call in calls
    )


def arguments_of(call: Mapping[str, Any]) -> str | None:
    """A function call's arguments exactly as sent, for copying."""
    function = call.get("function")
    if call.get("type") == "function" and isinstance(function, Mapping):
        return _str(function.get("arguments"))
    return None


class ToolCallView(Static, can_focus=True):
    """One call; redrawn only when its data changed."""

    DEFAULT_CSS = """
    ToolCallView {
        height: auto;
        padding: 0 0 0 1;
        &:focus { background: $block-cursor-blurred-background; }
    }
    """

    def __init__(self, call: Mapping[str, Any]) -> None:
        super().__init__(Content(""))
        self.call: dict[str, Any] = {}
        self.set_call(call)

    def set_call(self, call: Mapping[str, Any]) -> None:
        if call == self.call:
            return
        self.call = dict(call)
        self.update(call_content(call))

    @property
    def call_id(self) -> str:
        return _str(self.call.get("id"))
