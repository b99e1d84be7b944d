"""Validate server output against the OpenAPI spec's schemas, with the README's departures.

``conformance/README.md`` lists where the hosted API departed from the spec; the server
may do the same, so they are applied here: ``nullable: true`` reads as "or null", a run's
``instructions`` may be null, steps may omit ``expired_at``/``metadata``, messages may omit
their status fields and ``attachments``, and empty lists have null ``first_id``/``last_id``.

    assert_valid("RunObject", body)          # raises with the failing path
    assert_valid_event("thread.run.created", data)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC = Path(__file__).parent.parent / "conformance" / "assistants-openapi.yaml"

# The list schemas whose first_id/last_id may be null.
LISTS = (
    "ListAssistantsResponse",
    "ListMessagesResponse",
    "ListRunsResponse",
    "ListRunStepsResponse",
)


def _nullable(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema, recursively."""
    if isinstance(schema, list):
        return [_nullable(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {key: _nullable(value) for key, value in schema.items()}
    if schema.pop("nullable", False):
        kind = schema.get("type")
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]
        else:
            return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _drop_required(schema: dict[str, Any], *names: str) -> None:
    schema["required"] = [name for name in schema.get("required", []) if name not in names]


@functools.cache
def _components() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster
    document = yaml.load(SPEC.read_text(), Loader=loader)
    schemas: dict[str, Any] = _nullable(document["components"]["schemas"])
    run = schemas["RunObject"]["properties"]
    run["instructions"] = {"anyOf": [run["instructions"], {"type": "null"}]}
    _drop_required(schemas["RunStepObject"], "expired_at", "metadata")
    _drop_required(
        schemas["MessageObject"],
        "status",
        "incomplete_details",
        "incomplete_at",
        "completed_at",
        "attachments",
    )
    for name in LISTS:
        for key in ("first_id", "last_id"):
            schemas[name]["properties"][key] = {"type": ["string", "null"]}
    return {"schemas": schemas}


@functools.cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"#/components/schemas/{name}", "components": _components()}
    return jsonschema.Draft202012Validator(schema)


def errors(name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks schema ``name``, as ``path: message`` lines."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message[:300]}"
        for error in _validator(name).iter_errors(instance)
    ]


def assert_valid(name: str, instance: Any) -> None:
    problems = errors(name, instance)
    assert not problems, f"{name}: " + "; ".join(problems)


# Which schema an event's data follows.
_EVENT_DATA = {
    "thread.created": "ThreadObject",
    "thread.run.step.delta": "RunStepDeltaObject",
    "thread.message.delta": "MessageDeltaObject",
    "error": "Error",
}


def event_schema(event: str) -> str:
    if event in _EVENT_DATA:
        return _EVENT_DATA[event]
    if event.startswith("thread.run.step."):
        return "RunStepObject"
    if event.startswith("thread.run."):
        return "RunObject"
    if event.startswith("thread.message."):
        return "MessageObject"
    raise AssertionError(f"no schema for event {event!r}")


@functools.cache
def event_names() -> frozenset[str]:
    """Every event name ``AssistantStreamEvent`` lists."""
    names: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            if "$ref" in schema:
                walk(_components()["schemas"][schema["$ref"].rsplit("/", 1)[1]])
            event = schema.get("properties", {}).get("event")
            if isinstance(event, dict):
                names.update(event.get("enum", []))
            for key in ("oneOf", "anyOf"):
                for item in schema.get(key, []):
                    walk(item)

    walk(_components()["schemas"]["AssistantStreamEvent"])
    return frozenset(names)


def assert_valid_event(event: str, data: Any) -> None:
    """The event is one the spec's ``AssistantStreamEvent`` lists, and its data is valid
    (checked against the event's own schema: the same check, without trying the other
    twenty-odd alternatives of the ``oneOf`` for every delta)."""
    assert event in event_names(), f"{event!r} is not an event of the spec"
    if event == "done":
        assert data == "[DONE]"
        return
    assert_valid(event_schema(event), data)
