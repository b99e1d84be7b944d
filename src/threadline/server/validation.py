"""Request bodies checked like the hosted API checked them, with its error wording.

A small declarative schema (the request schemas of the OpenAPI spec, by hand) rather than
pydantic, so every rejection names the exact parameter path (``tools[0].function.name``)
and reads like the hosted API's messages, which clients and users already know.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from .apierrors import APIError, invalid

METADATA_MAX_KEYS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _values(options: tuple[str, ...]) -> str:
    quoted = [f"'{o}'" for o in options]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"


class Spec(ABC):
    """Checks one value; returns it (normalised) or raises a 400 :class:`APIError`."""

    expected = "a value"

    def __init__(self, *, nullable: bool = False) -> None:
        self.nullable = nullable

    def check(self, value: Any, path: str) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise self.wrong_type(value, path)
        return self._check(value, path)

    @abstractmethod
    def _check(self, value: Any, path: str) -> Any: ...

    def wrong_type(self, value: Any, path: str) -> APIError:
        got = _kind(value)
        return invalid(
            f"Invalid type for '{path}': expected {self.expected}, but got {got} instead.",
            param=path,
            code="invalid_type",
        )


class Anything(Spec):
    def _check(self, value: Any, path: str) -> Any:
        return value


class Str(Spec):
    expected = "a string"

    def __init__(
        self,
        *,
        max_length: int | None = None,
        enum: tuple[str, ...] | None = None,
        pattern: str | None = None,
        nullable: bool = False,
    ) -> None:
        super().__init__(nullable=nullable)
        self.max_length = max_length
        self.enum = enum
        self.pattern = re.compile(pattern) if pattern else None

    def _check(self, value: Any, path: str) -> Any:
        if not isinstance(value, str):
            raise self.wrong_type(value, path)
        if self.enum is not None and value not in self.enum:
            raise invalid(
                f"Invalid value: '{value}'. Supported values are: {_values(self.enum)}.",
                param=path,
                code="invalid_value",
            )
        if self.max_length is not None and len(value) > self.max_length:
            raise invalid(
                f"Invalid '{path}': string too long. Expected a string with maximum length "
                f"{self.max_length}, but got a string with length {len(value)} instead.",
                param=path,
                code="string_above_max_length",
            )
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise invalid(
                f"Invalid '{path}': string does not match pattern. Expected a string that "
                f"matches the pattern '{self.pattern.pattern}'.",
                param=path,
                code="invalid_value",
            )
        return value


class Num(Spec):
    """A JSON number (``integer=False``) or integer, with optional bounds."""

    def __init__(
        self,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
        nullable: bool = False,
    ) -> None:
        super().__init__(nullable=nullable)
        self.minimum = minimum
        self.maximum = maximum
        self.integer = integer
        self.expected = "an integer" if integer else "a decimal"

    def _check(self, value: Any, path: str) -> Any:
        ok = isinstance(value, int) if self.integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok or (isinstance(value, float) and math.isnan(value)):
            raise self.wrong_type(value, path)
        word = "integer" if self.integer else "decimal"
        if self.minimum is not None and value < self.minimum:
            raise invalid(
                f"Invalid '{path}': {word} below minimum value. Expected a value >= "
                f"{_num(self.minimum)}, but got {_num(value)} instead.",
                param=path,
                code=f"{word}_below_min_value",
            )
        if self.maximum is not None and value > self.maximum:
            raise invalid(
                f"Invalid '{path}': {word} above maximum value. Expected a value <= "
                f"{_num(self.maximum)}, but got {_num(value)} instead.",
                param=path,
                code=f"{word}_above_max_value",
            )
        return value


class Bool(Spec):
    expected = "a boolean"

    def _check(self, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            raise self.wrong_type(value, path)
        return value


class Arr(Spec):
    expected = "an array"

    def __init__(
        self,
        items: Spec,
        *,
        min_items: int = 0,
        max_items: int | None = None,
        nullable: bool = False,
    ) -> None:
        super().__init__(nullable=nullable)
        self.items = items
        self.min_items = min_items
        self.max_items = max_items

    def _check(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            raise self.wrong_type(value, path)
        if len(value) < self.min_items:
            raise invalid(
                f"Invalid '{path}': empty array. Expected an array with minimum length "
                f"{self.min_items}, but got an empty array instead.",
                param=path,
                code="empty_array",
            )
        if self.max_items is not None and len(value) > self.max_items:
            raise invalid(
                f"Invalid '{path}': array too long. Expected an array with maximum length "
                f"{self.max_items}, but got an array with length {len(value)} instead.",
                param=path,
                code="array_above_max_length",
            )
        return [self.items.check(item, f"{path}[{i}]") for i, item in enumerate(value)]


class Obj(Spec):
    """An object with known fields; unknown fields are rejected unless ``open``."""

    expected = "an object"

    def __init__(
        self,
        fields: Mapping[str, Spec],
        *,
        required: tuple[str, ...] = (),
        open: bool = False,
        nullable: bool = False,
    ) -> None:
        super().__init__(nullable=nullable)
        self.fields = dict(fields)
        self.required = required
        self.open = open

    def _check(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise self.wrong_type(value, path)
        prefix = f"{path}." if path else ""
        for key in self.required:
            if key not in value:
                raise invalid(
                    f"Missing required parameter: '{prefix}{key}'.",
                    param=f"{prefix}{key}",
                    code="missing_required_parameter",
                )
        result: dict[str, Any] = {}
        for key, item in value.items():
            spec = self.fields.get(key)
            if spec is None:
                if self.open:
                    result[key] = item
                    continue
                raise invalid(
                    f"Unrecognized request argument supplied: {prefix}{key}",
                    param=f"{prefix}{key}",
                    code="unknown_parameter",
                )
            result[key] = spec.check(item, f"{prefix}{key}")
        return result


class Tagged(Spec):
    """One of several object shapes, chosen by the value of its ``type`` field."""

    expected = "an object"

    def __init__(self, shapes: Mapping[str, Obj], *, nullable: bool = False) -> None:
        super().__init__(nullable=nullable)
        self.shapes = dict(shapes)

    def _check(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise self.wrong_type(value, path)
        tag_path = f"{path}.type"
        if "type" not in value:
            raise invalid(
                f"Missing required parameter: '{tag_path}'.",
                param=tag_path,
                code="missing_required_parameter",
            )
        Str(enum=tuple(self.shapes)).check(value["type"], tag_path)
        return self.shapes[value["type"]].check(value, path)


class Either(Spec):
    """A string form or an object form (``content``, ``tool_choice``, ``response_format``)."""

    def __init__(self, text: Str, other: Spec, *, nullable: bool = False) -> None:
        super().__init__(nullable=nullable)
        self.text = text
        self.other = other
        self.expected = f"{text.expected} or {other.expected}"

    def _check(self, value: Any, path: str) -> Any:
        if isinstance(value, str):
            return self.text.check(value, path)
        if isinstance(value, dict | list):
            return self.other.check(value, path)
        raise self.wrong_type(value, path)


class Metadata(Spec):
    """Up to 16 string pairs; keys up to 64 characters, values up to 512."""

    expected = "an object"

    def __init__(self) -> None:
        super().__init__(nullable=True)

    def _check(self, value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise self.wrong_type(value, path)
        if len(value) > METADATA_MAX_KEYS:
            raise invalid(
                f"Invalid '{path}': too many properties. Expected an object with at most "
                f"{METADATA_MAX_KEYS} properties, but got an object with {len(value)} "
                "properties instead.",
                param=path,
                code="object_above_max_properties",
            )
        for key, item in value.items():
            if len(key) > METADATA_MAX_KEY:
                raise invalid(
                    f"Invalid '{path}': metadata key too long. Expected a key with maximum "
                    f"length {METADATA_MAX_KEY}, but got a key with length {len(key)} instead.",
                    param=path,
                    code="invalid_value",
                )
            Str(max_length=METADATA_MAX_VALUE).check(item, f"{path}.{key}")
        return value


# --- the request schemas ---------------------------------------------------------------

_TEMPERATURE = Num(minimum=0, maximum=2, nullable=True)
_TOP_P = Num(minimum=0, maximum=1, nullable=True)
_MAX_TOKENS = Num(minimum=256, integer=True, nullable=True)
_REASONING = Str(enum=("minimal", "low", "medium", "high"), nullable=True)
_DETAIL = Str(enum=("auto", "low", "high"))

FUNCTION_NAME = r"[a-zA-Z0-9_-]{1,64}"

TOOL = Tagged(
    {
        "code_interpreter": Obj({"type": Str()}),
        "file_search": Obj(
            {
                "type": Str(),
                "file_search": Obj(
                    {
                        "max_num_results": Num(minimum=1, maximum=50, integer=True),
                        "ranking_options": Obj(
                            {
                                "ranker": Str(enum=("auto", "default_2024_08_21")),
                                "score_threshold": Num(minimum=0, maximum=1),
                            },
                            required=("score_threshold",),
                        ),
                    }
                ),
            }
        ),
        "function": Obj(
            {
                "type": Str(),
                "function": Obj(
                    {
                        "name": Str(pattern=FUNCTION_NAME),
                        "description": Str(),
                        "parameters": Obj({}, open=True),
                        "strict": Bool(nullable=True),
                    },
                    required=("name",),
                ),
            },
            required=("function",),
        ),
    }
)

TOOL_RESOURCES = Obj(
    {
        "code_interpreter": Obj({"file_ids": Arr(Str(), max_items=20)}),
        "file_search": Obj(
            {
                "vector_store_ids": Arr(Str(), max_items=1),
                "vector_stores": Arr(Obj({}, open=True), max_items=1),
            }
        ),
    },
    nullable=True,
)

TOOL_CHOICE = Either(
    Str(enum=("none", "auto", "required")),
    Tagged(
        {
            "function": Obj(
                {"type": Str(), "function": Obj({"name": Str()}, required=("name",))},
                required=("function",),
            ),
            "code_interpreter": Obj({"type": Str()}),
            "file_search": Obj({"type": Str()}),
        }
    ),
    nullable=True,
)

RESPONSE_FORMAT = Either(
    Str(enum=("auto",)),
    Tagged(
        {
            "text": Obj({"type": Str()}),
            "json_object": Obj({"type": Str()}),
            "json_schema": Obj(
                {
                    "type": Str(),
                    "json_schema": Obj(
                        {
                            "name": Str(pattern=FUNCTION_NAME),
                            "description": Str(),
                            "schema": Obj({}, open=True),
                            "strict": Bool(nullable=True),
                        },
                        required=("name",),
                    ),
                },
                required=("json_schema",),
            ),
        }
    ),
    nullable=True,
)

CONTENT_PART = Tagged(
    {
        "text": Obj({"type": Str(), "text": Str()}, required=("text",)),
        "image_url": Obj(
            {"type": Str(), "image_url": Obj({"url": Str(), "detail": _DETAIL}, required=("url",))},
            required=("image_url",),
        ),
        "image_file": Obj(
            {
                "type": Str(),
                "image_file": Obj({"file_id": Str(), "detail": _DETAIL}, required=("file_id",)),
            },
            required=("image_file",),
        ),
    }
)

CREATE_MESSAGE = Obj(
    {
        "role": Str(enum=("user", "assistant")),
        "content": Either(Str(), Arr(CONTENT_PART, min_items=1)),
        "attachments": Arr(
            Obj(
                {
                    "file_id": Str(),
                    "tools": Arr(
                        Tagged(
                            {
                                "code_interpreter": Obj({"type": Str()}),
                                "file_search": Obj({"type": Str()}),
                            }
                        )
                    ),
                },
                required=("file_id",),
            ),
            nullable=True,
        ),
        "metadata": Metadata(),
    },
    required=("role", "content"),
)

_ASSISTANT_FIELDS: dict[str, Spec] = {
    "model": Str(),
    "name": Str(max_length=256, nullable=True),
    "description": Str(max_length=512, nullable=True),
    "instructions": Str(max_length=256_000, nullable=True),
    "tools": Arr(TOOL, max_items=128),
    "tool_resources": TOOL_RESOURCES,
    "metadata": Metadata(),
    "temperature": _TEMPERATURE,
    "top_p": _TOP_P,
    "response_format": RESPONSE_FORMAT,
    "reasoning_effort": _REASONING,
}
CREATE_ASSISTANT = Obj(_ASSISTANT_FIELDS, required=("model",))
MODIFY_ASSISTANT = Obj(_ASSISTANT_FIELDS)

CREATE_THREAD = Obj(
    {
        "messages": Arr(CREATE_MESSAGE),
        "tool_resources": TOOL_RESOURCES,
        "metadata": Metadata(),
    }
)
MODIFY_THREAD = Obj({"tool_resources": TOOL_RESOURCES, "metadata": Metadata()})
MODIFY_METADATA = Obj({"metadata": Metadata()})

_RUN_FIELDS: dict[str, Spec] = {
    "assistant_id": Str(),
    "model": Str(nullable=True),
    "instructions": Str(max_length=256_000, nullable=True),
    "tools": Arr(TOOL, max_items=128, nullable=True),
    "metadata": Metadata(),
    "temperature": _TEMPERATURE,
    "top_p": _TOP_P,
    "stream": Bool(nullable=True),
    "max_prompt_tokens": _MAX_TOKENS,
    "max_completion_tokens": _MAX_TOKENS,
    "truncation_strategy": Obj(
        {
            "type": Str(enum=("auto", "last_messages")),
            "last_messages": Num(minimum=1, integer=True, nullable=True),
        },
        required=("type",),
        nullable=True,
    ),
    "tool_choice": TOOL_CHOICE,
    "parallel_tool_calls": Bool(),
    "response_format": RESPONSE_FORMAT,
    "reasoning_effort": _REASONING,
}
CREATE_RUN = Obj(
    {
        **_RUN_FIELDS,
        "additional_instructions": Str(max_length=256_000, nullable=True),
        "additional_messages": Arr(CREATE_MESSAGE, nullable=True),
    },
    required=("assistant_id",),
)
CREATE_THREAD_AND_RUN = Obj(
    {**_RUN_FIELDS, "thread": CREATE_THREAD, "tool_resources": TOOL_RESOURCES},
    required=("assistant_id",),
)
SUBMIT_TOOL_OUTPUTS = Obj(
    {
        "tool_outputs": Arr(
            Obj({"tool_call_id": Str(), "output": Str()}, required=("tool_call_id",))
        ),
        "stream": Bool(nullable=True),
    },
    required=("tool_outputs",),
)


def check_body(spec: Obj, body: Any) -> dict[str, Any]:
    """Validate a request body against a schema; a body must be a JSON object."""
    if not isinstance(body, dict):
        raise invalid(
            f"Invalid type for request body: expected an object, but got {_kind(body)} instead.",
            code="invalid_type",
        )
    result: dict[str, Any] = spec.check(body, "")
    return result
