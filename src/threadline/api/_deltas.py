"""Streaming deltas: the changed parts of a message or run step, addressed by ``index``.

Every field of a delta part is optional except ``index`` and ``type``: a part carries only
what changed since the previous delta (``"arguments": "{\\"loc"`` then ``"ation\\""``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ._base import APIModel, open_union

# --- message deltas --------------------------------------------------------------------


class FileCitationDelta(APIModel):
    file_id: str | None = None
    quote: str | None = None


class FilePathDelta(APIModel):
    file_id: str | None = None


class FileCitationAnnotationDelta(APIModel):
    index: int
    type: Literal["file_citation"]
    text: str | None = None
    file_citation: FileCitationDelta | None = None
    start_index: int | None = None
    end_index: int | None = None


class FilePathAnnotationDelta(APIModel):
    index: int
    type: Literal["file_path"]
    text: str | None = None
    file_path: FilePathDelta | None = None
    start_index: int | None = None
    end_index: int | None = None


class UnknownAnnotationDelta(APIModel):
    index: int = 0
    type: str


if TYPE_CHECKING:
    AnnotationDelta = FileCitationAnnotationDelta | FilePathAnnotationDelta | UnknownAnnotationDelta
else:
    AnnotationDelta = open_union(
        FileCitationAnnotationDelta, FilePathAnnotationDelta, unknown=UnknownAnnotationDelta
    )


class TextDelta(APIModel):
    value: str | None = None
    annotations: list[AnnotationDelta] | None = None


class TextContentDelta(APIModel):
    index: int
    type: Literal["text"]
    text: TextDelta | None = None


class ImageFileContentDelta(APIModel):
    index: int
    type: Literal["image_file"]
    image_file: dict[str, Any] | None = None


class ImageURLContentDelta(APIModel):
    index: int
    type: Literal["image_url"]
    image_url: dict[str, Any] | None = None


class RefusalContentDelta(APIModel):
    index: int
    type: Literal["refusal"]
    refusal: str | None = None


class UnknownContentDelta(APIModel):
    index: int = 0
    type: str


if TYPE_CHECKING:
    MessageContentDelta = (
        TextContentDelta
        | ImageFileContentDelta
        | ImageURLContentDelta
        | RefusalContentDelta
        | UnknownContentDelta
    )
else:
    MessageContentDelta = open_union(
        TextContentDelta,
        ImageFileContentDelta,
        ImageURLContentDelta,
        RefusalContentDelta,
        unknown=UnknownContentDelta,
    )


class MessageDeltaBody(APIModel):
    role: Literal["user", "assistant"] | None = None
    content: list[MessageContentDelta] = Field(default_factory=list)


class MessageDelta(APIModel):
    id: str
    object: Literal["thread.message.delta"] = "thread.message.delta"
    delta: MessageDeltaBody


# --- run step deltas -------------------------------------------------------------------


class FunctionCallDelta(APIModel):
    name: str | None = None
    arguments: str | None = None
    output: str | None = None


class FunctionToolCallDelta(APIModel):
    index: int
    id: str | None = None
    type: Literal["function"]
    function: FunctionCallDelta | None = None


class CodeLogsOutputDelta(APIModel):
    index: int
    type: Literal["logs"]
    logs: str | None = None


class CodeImageOutputDelta(APIModel):
    index: int
    type: Literal["image"]
    image: dict[str, Any] | None = None


class UnknownCodeOutputDelta(APIModel):
    index: int = 0
    type: str


if TYPE_CHECKING:
    CodeOutputDelta = CodeLogsOutputDelta | CodeImageOutputDelta | UnknownCodeOutputDelta
else:
    CodeOutputDelta = open_union(
        CodeLogsOutputDelta, CodeImageOutputDelta, unknown=UnknownCodeOutputDelta
    )


class CodeInterpreterDelta(APIModel):
    input: str | None = None
    outputs: list[CodeOutputDelta] | None = None


class CodeInterpreterToolCallDelta(APIModel):
    index: int
    id: str | None = None
    type: Literal["code_interpreter"]
    code_interpreter: CodeInterpreterDelta | None = None


class FileSearchToolCallDelta(APIModel):
    index: int
    id: str | None = None
    type: Literal["file_search"]
    file_search: dict[str, Any] = Field(default_factory=dict)


class UnknownToolCallDelta(APIModel):
    index: int = 0
    id: str | None = None
    type: str


if TYPE_CHECKING:
    ToolCallDelta = (
        FunctionToolCallDelta
        | CodeInterpreterToolCallDelta
        | FileSearchToolCallDelta
        | UnknownToolCallDelta
    )
else:
    ToolCallDelta = open_union(
        FunctionToolCallDelta,
        CodeInterpreterToolCallDelta,
        FileSearchToolCallDelta,
        unknown=UnknownToolCallDelta,
    )


class MessageCreationDetailsDelta(APIModel):
    type: Literal["message_creation"]
    message_creation: dict[str, Any] | None = None


class ToolCallsDetailsDelta(APIModel):
    type: Literal["tool_calls"]
    tool_calls: list[ToolCallDelta] | None = None


class UnknownStepDetailsDelta(APIModel):
    type: str


if TYPE_CHECKING:
    StepDetailsDelta = MessageCreationDetailsDelta | ToolCallsDetailsDelta | UnknownStepDetailsDelta
else:
    StepDetailsDelta = open_union(
        MessageCreationDetailsDelta, ToolCallsDetailsDelta, unknown=UnknownStepDetailsDelta
    )


class RunStepDeltaBody(APIModel):
    step_details: StepDetailsDelta | None = None


class RunStepDelta(APIModel):
    id: str
    object: Literal["thread.run.step.delta"] = "thread.run.step.delta"
    delta: RunStepDeltaBody
