"""config.example.toml and the starter config stay in step with the schema."""

from __future__ import annotations

import re
import tomllib
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from threadline.config import Config, Profile, ToolHandler, load_config, starter_text

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
MODELS = (Config, Profile, ToolHandler)


def _model_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds, and whether it holds a table of them (dict[str, Model])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if typing.get_origin(annotation) is dict:
        value = typing.get_args(annotation)[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return value, True
    return None, False


def _schema_gaps(model: type[BaseModel], tables: list[dict[str, Any]], where: str) -> list[str]:
    """Keys of ``model`` that no table in ``tables`` sets, and keys the model lacks."""
    seen = {key for table in tables for key in table}
    gaps = [f"{where}: missing {key}" for key in model.model_fields if key not in seen]
    gaps += [f"{where}: {key} is not in the model" for key in seen - set(model.model_fields)]
    for name, field in model.model_fields.items():
        inner, is_table_of_models = _model_in(field.annotation)
        if inner is None:
            continue
        values = [table[name] for table in tables if name in table]
        children = [t for v in values for t in (v.values() if is_table_of_models else [v])]
        gaps += _schema_gaps(inner, children, f"{where}.{name}".lstrip("."))
    return gaps


def test_the_example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.source == EXAMPLE
    assert config.profile().name == "local"


def test_the_example_sets_every_key_of_the_model_and_no_other() -> None:
    raw = tomllib.loads(EXAMPLE.read_text())
    assert _schema_gaps(Config, [raw], "") == []


def test_the_schema_walk_sees_a_missing_or_an_extra_key() -> None:
    raw = tomllib.loads(EXAMPLE.read_text())
    del raw["profiles"]["work"]["stream_idle_timeout"]
    raw["tools"]["get_weather"]["shell"] = True
    assert _schema_gaps(Config, [raw], "") == [
        "profiles: missing stream_idle_timeout",
        "tools: shell is not in the model",
    ]


def test_the_example_shows_each_kind_of_backend() -> None:
    config = load_config(EXAMPLE)
    kinds = {
        (p.backend, p.engine, p.chat_base_url, p.api_key_header) for p in config.profiles.values()
    }
    assert ("local", "demo", None, "Authorization: Bearer") in kinds
    assert ("local", "chat", "http://localhost:11434/v1", "Authorization: Bearer") in kinds
    azure = [p for p in config.profiles.values() if p.api_key_header == "api-key"]
    assert azure
    assert azure[0].query == {"api-version": "2025-05-01"}
    assert any(p.backend == "remote" and p.assistant_id for p in config.profiles.values())
    assert config.tools["get_weather"].command
    assert config.keys


def test_the_example_comments_every_key() -> None:
    lines = EXAMPLE.read_text().splitlines()
    fields = {key for model in MODELS for key in model.model_fields} - {"profiles", "tools", "keys"}
    documented = set()
    for number, line in enumerate(lines):
        match = re.match(r"^([a-z_]+) = ", line)
        if match is None or match[1] not in fields or match[1] in documented:
            continue
        above = lines[number - 1] if number else ""
        assert "#" in line or above.startswith("#"), (
            f"line {number + 1}: {match[1]} is explained nowhere"
        )
        documented.add(match[1])
    assert fields == documented


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_has_a_docstring(model: type[BaseModel]) -> None:
    undocumented = [name for name, field in model.model_fields.items() if not field.description]
    assert undocumented == []


def test_the_starter_loads_and_mentions_every_key(tmp_path: Path) -> None:
    text = starter_text()
    path = tmp_path / "config.toml"
    path.write_text(text)
    config = load_config(path)
    assert config.profile_names() == ["local"]  # the rest is commented out
    for model in MODELS:
        for key in model.model_fields:
            if key == "profiles" or key == "tools" or key == "keys":
                assert re.search(rf"^# \[{key}[.\]]|^\[{key}[.\]]", text, re.M), key
            else:
                assert re.search(rf"^(# )?{key} = ", text, re.M), f"starter lacks {key}"
