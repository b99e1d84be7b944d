"""A function call's arguments: parsed, pretty-printed and checked against the function's
JSON schema (the ``parameters`` of the run's function tool with that name).

Problems are reported, never enforced: the user may answer a call whatever its arguments.
Every message here is one cleaned line, safe to show in a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema.exceptions import SchemaError
from jsonschema.validators import Draft202012Validator, validator_for

from threadline.api import FunctionDefinition, FunctionTool, Tool

from .sanitize import clean_line

MAX_VIOLATIONS = 20
_MESSAGE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class ArgumentCheck:
    """What is known about one call's arguments.

    ``value`` is the parsed JSON (``{}`` for blank arguments) and None when
    ``parse_error`` is set. ``violations`` lists schema violations as ``"$.path: message"``;
    ``schema_error`` says why the arguments could not be checked (the schema itself is
    broken or refers to something unreachable).
    """

    raw: str
    value: Any = None
    parse_error: str | None = None
    violations: tuple[str, ...] = field(default_factory=tuple)
    schema_error: str | None = None

    @property
    def valid_json(self) -> bool:
        return self.parse_error is None

    @property
    def pretty(self) -> str:
        """The arguments indented for display, or the raw text when they are not JSON.

        Untrusted: clean it (``core.sanitize.clean``) before a terminal shows it.
        """
        if self.parse_error is not None:
            return self.raw
        return json.dumps(self.value, indent=2, ensure_ascii=False)


def function_definition(tools: Sequence[Tool], name: str) -> FunctionDefinition | None:
    """The run's definition of function ``name``, if the run lists it."""
    for tool in tools:
        if isinstance(tool, FunctionTool) and tool.function.name == name:
            return tool.function
    return None


def check_arguments(raw: str, schema: dict[str, Any] | None) -> ArgumentCheck:
    """Parse ``raw`` and check it against ``schema`` (None: no schema known)."""
    try:
        value = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        return ArgumentCheck(raw, parse_error=f"arguments are not valid JSON: {exc.msg} at {where}")
    except RecursionError:
        return ArgumentCheck(raw, parse_error="arguments are not valid JSON: nested too deeply")
    if not schema:
        return ArgumentCheck(raw, value)
    violations, schema_error = _violations(value, schema)
    return ArgumentCheck(raw, value, None, violations, schema_error)


def _violations(value: Any, schema: dict[str, Any]) -> tuple[tuple[str, ...], str | None]:
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        return (), _shorten(f"the function's JSON schema is invalid: {exc.message}")
    validator = cls(schema)
    try:
        errors = sorted(validator.iter_errors(value), key=lambda e: (e.json_path, e.message))
    except Exception as exc:  # e.g. an unresolvable $ref: a problem to show, not a crash
        return (), _shorten(f"cannot check the arguments against the schema: {exc}")
    lines = [_shorten(f"{error.json_path}: {error.message}") for error in errors]
    if len(lines) > MAX_VIOLATIONS:
        lines[MAX_VIOLATIONS:] = [f"… and {len(lines) - MAX_VIOLATIONS} more"]
    return tuple(lines), None


def _shorten(text: str) -> str:
    line = clean_line(text)
    return line if len(line) <= _MESSAGE_LENGTH else line[: _MESSAGE_LENGTH - 1] + "…"
