"""The run options panel's form: strings in, validated options out, and back."""

from __future__ import annotations

import pytest

from threadline.core.run_options import RunOptions
from threadline.tui.screens.run_options import (
    DEFAULT,
    FieldProblem,
    form_from_options,
    options_from_form,
    parse_metadata,
)


def test_an_empty_form_is_the_assistants_own_settings() -> None:
    assert options_from_form({}).is_default()
    assert options_from_form(form_from_options(RunOptions())).is_default()


def test_every_field_round_trips() -> None:
    options = RunOptions.build(
        model="m",
        instructions="i",
        additional_instructions="a",
        temperature=1.5,
        top_p=0.25,
        max_prompt_tokens=300,
        max_completion_tokens=400,
        truncation_last_messages=3,
        tool_choice="get_weather",
        parallel_tool_calls=False,
        response_format="text",
        reasoning_effort="high",
        metadata={"a": "1", "b": "x=y"},
    )
    assert options_from_form(form_from_options(options)) == options


def test_auto_truncation_and_defaults() -> None:
    options = options_from_form(
        {"truncation_last_messages": "auto", "tool_choice": DEFAULT, "parallel_tool_calls": "yes"}
    )
    assert options.truncation_last_messages is None and options.parallel_tool_calls is True


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"temperature": "warm"}, "temperature", "Temperature: 'warm' is not a number"),
        ({"top_p": "1.01"}, "top_p", "Top p: Input should be less than or equal to 1"),
        ({"max_prompt_tokens": "1.5"}, "max_prompt_tokens", "not a whole number"),
        ({"metadata": "=v"}, "metadata", "Metadata: line 1: expected key=value"),
        ({"metadata": "a=1\na=2"}, "metadata", "Metadata: line 2: 'a' is given twice"),
        ({"metadata": "k" * 65 + "=v"}, "metadata", "longer than 64 characters"),
    ],
)
def test_problems_name_the_field(values: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(FieldProblem) as caught:
        options_from_form(values)
    assert caught.value.field == field and message in str(caught.value)


def test_metadata_lines() -> None:
    assert parse_metadata(" a = 1 \n\nb=two=2\n") == {"a": "1", "b": "two=2"}
