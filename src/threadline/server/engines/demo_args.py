"""Which function tools a demo message calls, and the arguments, read from the message.

Arguments follow the function's JSON schema: a value is taken from the message when it is
obvious (a place after "in"/"at"/"for", an enum value named in the text, ``name: value``),
required parameters without one get a plain default, and optional ones are left out.
So "What's the weather in Paris?" calls ``get_weather`` with ``{"location": "Paris"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from threadline.api import FunctionDefinition

_PLACE_KEYS = {"location", "city", "place", "where", "address", "destination", "region", "town"}
_TEXT_KEYS = {"query", "q", "text", "prompt", "message", "input", "search"}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PLACE = re.compile(
    r"\b(?:in|at|for|near|from|to)\s+([A-Z][\w'’.-]*(?:[ -][A-Z][\w'’.-]*)*)",
)
_WEATHER_IN = re.compile(r"\bweather\s+(?:in|at|for)\s+([\w'’. -]+?)(?=[?!.,;:]|\s*$)", re.I)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_MISSING = object()


def functions_named(text: str, functions: Mapping[str, FunctionDefinition]) -> list[str]:
    """The function tools a message asks for, in declaration order.

    A function is asked for when its name appears in the text (``get_weather`` or
    ``get weather``), or, for a function with "weather" in its name, when the text
    mentions the weather.
    """
    lowered = text.lower()
    named = []
    for name in functions:
        spaced = name.replace("_", " ").replace("-", " ").lower()
        mentioned = re.search(rf"\b{re.escape(name.lower())}\b", lowered) or spaced in lowered
        weather = "weather" in name.lower() and re.search(r"\bweather\b", lowered)
        if mentioned or weather:
            named.append(name)
    return named


def arguments_for(function: FunctionDefinition, text: str) -> str:
    """The JSON arguments for calling ``function`` about ``text``."""
    parameters = function.parameters or {}
    properties: dict[str, Any] = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    args: dict[str, Any] = {}
    for name, schema in properties.items():
        schema = schema if isinstance(schema, dict) else {}
        value = _value_for(name, schema, text)
        if value is not _MISSING:
            args[name] = value
        elif name in required:
            args[name] = _default_for(schema)
    return json.dumps(args, ensure_ascii=False)


def _value_for(name: str, schema: dict[str, Any], text: str) -> Any:
    explicit = re.search(
        rf"\b{re.escape(name)}\s*(?:[:=]|\bis\b)\s*(\"[^\"]*\"|'[^']*'|[^\s,;]+)", text, re.I
    )
    kind = schema.get("type")
    enum = schema.get("enum")
    if isinstance(enum, list):
        for option in enum:
            if isinstance(option, str) and re.search(rf"\b{re.escape(option)}\b", text, re.I):
                return option
        return _MISSING
    if kind in ("integer", "number"):
        found = explicit.group(1) if explicit else None
        if found is not None and _NUMBER.fullmatch(found):
            return int(found) if kind == "integer" and "." not in found else float(found)
        return _MISSING
    if kind == "boolean":
        if explicit:
            return explicit.group(1).lower() in ("true", "yes", "1", "on")
        return _MISSING
    if kind not in (None, "string"):
        return _MISSING
    if explicit:
        return explicit.group(1).strip("\"'")
    key = name.lower()
    if key in _PLACE_KEYS:
        place = _place(text)
        return place if place else _MISSING
    if "day" in key:
        for day in _DAYS:
            if re.search(rf"\b{day}\b", text, re.I):
                return day.capitalize()
        return _MISSING
    if key in _TEXT_KEYS and text.strip():
        return text.strip()
    return _MISSING


def _place(text: str) -> str | None:
    match = _PLACE.search(text)
    if match:
        return match.group(1).rstrip(".'’-")
    match = _WEATHER_IN.search(text)
    if match:
        return match.group(1).strip().title()
    return None


def _default_for(schema: dict[str, Any]) -> Any:
    if "default" in schema:
        return schema["default"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    return {"integer": 0, "number": 0, "boolean": False, "array": [], "object": {}}.get(
        str(schema.get("type")), ""
    )
