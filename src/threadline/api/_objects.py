"""Assistants v2 objects: assistants, threads, messages, runs, run steps, lists.

Field names and shapes follow ``shared/api/assistants-openapi.yaml`` as corrected by the
recorded traffic (``shared/conformance/README.md``): fields the real API omits or sends as
``null`` have defaults, so validation never rejects what a real server sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import Field

from ._base import APIModel, open_union

Metadata = dict[str, str]


# --- tools -----------------------------------------------------------------------------


class FunctionDefinition(APIModel):
    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class FunctionTool(APIModel):
    type: Literal["function"]
    function: FunctionDefinition


class CodeInterpreterTool(APIModel):
    type: Literal["code_interpreter"]


class FileSearchTool(APIModel):
    type: Literal["file_search"]
    file_search: dict[str, Any] | None = None


class UnknownTool(APIModel):
    type: str


if TYPE_CHECKING:
    Tool = FunctionTool | CodeInterpreterTool | FileSearchTool | UnknownTool
else:
    Tool = open_union(FunctionTool, CodeInterpreterTool, FileSearchTool, unknown=UnknownTool)


# --- assistants and threads ------------------------------------------------------------


class Assistant(APIModel):
    id: str
    object: Literal["assistant"] = "assistant"
    created_at: int = 0
    name: str | None = None
    description: str | None = None
    model: str = ""
    instructions: str | None = None
    tools: list[Tool] = Field(default_factory=list)
    tool_resources: dict[str, Any] | None = None
    metadata: Metadata | None = None
    temperature: float | None = None
    top_p: float | None = None
    response_format: Any = None


class Thread(APIModel):
    id: str
    object: Literal["thread"] = "thread"
    created_at: int = 0
    metadata: Metadata | None = None
    tool_resources: dict[str, Any] | None = None


class Deleted(APIModel):
    """The body of a DELETE: ``thread.deleted``, ``thread.message.deleted``, ..."""

    id: str
    object: str
    deleted: bool


# --- message content -------------------------------------------------------------------


class FileCitation(APIModel):
    file_id: str
    quote: str | None = None


class FilePath(APIModel):
    file_id: str


class FileCitationAnnotation(APIModel):
    type: Literal["file_citation"]
    text: str = ""
    file_citation: FileCitation
    start_index: int = 0
    end_index: int = 0


class FilePathAnnotation(APIModel):
    type: Literal["file_path"]
    text: str = ""
    file_path: FilePath
    start_index: int = 0
    end_index: int = 0


class UnknownAnnotation(APIModel):
    type: str


if TYPE_CHECKING:
    Annotation = FileCitationAnnotation | FilePathAnnotation | UnknownAnnotation
else:
    Annotation = open_union(FileCitationAnnotation, FilePathAnnotation, unknown=UnknownAnnotation)


class Text(APIModel):
    value: str = ""
    annotations: list[Annotation] = Field(default_factory=list)


class TextContent(APIModel):
    type: Literal["text"]
    text: Text


class ImageFile(APIModel):
    file_id: str
    detail: str | None = None


class ImageFileContent(APIModel):
    type: Literal["image_file"]
    image_file: ImageFile


class ImageURL(APIModel):
    url: str
    detail: str | None = None


class ImageURLContent(APIModel):
    type: Literal["image_url"]
    image_url: ImageURL


class RefusalContent(APIModel):
    type: Literal["refusal"]
    refusal: str = ""


class UnknownContent(APIModel):
    type: str


if TYPE_CHECKING:
    MessageContent = (
        TextContent | ImageFileContent | ImageURLContent | RefusalContent | UnknownContent
    )
else:
    MessageContent = open_union(
        TextContent, ImageFileContent, ImageURLContent, RefusalContent, unknown=UnknownContent
    )


class IncompleteDetails(APIModel):
    reason: str


class Attachment(APIModel):
    file_id: str | None = None
    tools: list[dict[str, Any]] = Field(default_factory=list)


MessageStatus = Literal["in_progress", "incomplete", "completed"]


class Message(APIModel):
    id: str
    object: Literal["thread.message"] = "thread.message"
    created_at: int = 0
    thread_id: str = ""
    status: MessageStatus | None = None
    incomplete_details: IncompleteDetails | None = None
    completed_at: int | None = None
    incomplete_at: int | None = None
    role: Literal["user", "assistant"] = "assistant"
    content: list[MessageContent] = Field(default_factory=list)
    assistant_id: str | None = None
    run_id: str | None = None
    attachments: list[Attachment] | None = None
    metadata: Metadata | None = None

    @property
    def text(self) -> str:
        """All text content blocks joined: what a reader sees of the message."""
        return "".join(c.text.value for c in self.content if isinstance(c, TextContent))


# --- runs ------------------------------------------------------------------------------


class FunctionCallRequest(APIModel):
    name: str
    arguments: str = ""


class RequiredToolCall(APIModel):
    id: str
    type: Literal["function"] = "function"
    function: FunctionCallRequest


class SubmitToolOutputsAction(APIModel):
    tool_calls: list[RequiredToolCall] = Field(default_factory=list)


class RequiredAction(APIModel):
    type: Literal["submit_tool_outputs"] = "submit_tool_outputs"
    submit_tool_outputs: SubmitToolOutputsAction


class LastError(APIModel):
    code: str
    message: str = ""


class Usage(APIModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class TruncationStrategy(APIModel):
    type: Literal["auto", "last_messages"] = "auto"
    last_messages: int | None = None


RunStatus = Literal[
    "queued",
    "in_progress",
    "requires_action",
    "cancelling",
    "cancelled",
    "failed",
    "completed",
    "incomplete",
    "expired",
]
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset(
    {"cancelled", "failed", "completed", "incomplete", "expired"}
)


class Run(APIModel):
    id: str
    object: Literal["thread.run"] = "thread.run"
    created_at: int = 0
    thread_id: str = ""
    assistant_id: str = ""
    # A plain str, not RunStatus: a status from a newer server must not break a client.
    status: str = "queued"
    required_action: RequiredAction | None = None
    last_error: LastError | None = None
    expires_at: int | None = None
    started_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    incomplete_details: IncompleteDetails | None = None
    model: str = ""
    instructions: str | None = None
    tools: list[Tool] = Field(default_factory=list)
    metadata: Metadata | None = None
    usage: Usage | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_prompt_tokens: int | None = None
    max_completion_tokens: int | None = None
    truncation_strategy: TruncationStrategy | None = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    response_format: Any = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_RUN_STATUSES


# --- run steps -------------------------------------------------------------------------


class MessageCreation(APIModel):
    message_id: str


class MessageCreationDetails(APIModel):
    type: Literal["message_creation"]
    message_creation: MessageCreation


class FunctionCall(APIModel):
    name: str = ""
    arguments: str = ""
    output: str | None = None


class FunctionToolCall(APIModel):
    id: str = ""
    type: Literal["function"]
    function: FunctionCall


class CodeLogsOutput(APIModel):
    type: Literal["logs"]
    logs: str = ""


class CodeImage(APIModel):
    file_id: str


class CodeImageOutput(APIModel):
    type: Literal["image"]
    image: CodeImage


class UnknownCodeOutput(APIModel):
    type: str


if TYPE_CHECKING:
    CodeOutput = CodeLogsOutput | CodeImageOutput | UnknownCodeOutput
else:
    CodeOutput = open_union(CodeLogsOutput, CodeImageOutput, unknown=UnknownCodeOutput)


class CodeInterpreter(APIModel):
    input: str = ""
    outputs: list[CodeOutput] = Field(default_factory=list)


class CodeInterpreterToolCall(APIModel):
    id: str = ""
    type: Literal["code_interpreter"]
    code_interpreter: CodeInterpreter


class FileSearchResultContent(APIModel):
    type: str = "text"
    text: str = ""


class FileSearchResult(APIModel):
    file_id: str
    file_name: str = ""
    score: float = 0.0
    content: list[FileSearchResultContent] | None = None


class FileSearchRankingOptions(APIModel):
    ranker: str = "auto"
    score_threshold: float = 0.0


class FileSearch(APIModel):
    ranking_options: FileSearchRankingOptions | None = None
    results: list[FileSearchResult] | None = None


class FileSearchToolCall(APIModel):
    id: str = ""
    type: Literal["file_search"]
    file_search: FileSearch = Field(default_factory=FileSearch)


class UnknownToolCall(APIModel):
    id: str = ""
    type: str


if TYPE_CHECKING:
    ToolCall = FunctionToolCall | CodeInterpreterToolCall | FileSearchToolCall | UnknownToolCall
else:
    ToolCall = open_union(
        FunctionToolCall, CodeInterpreterToolCall, FileSearchToolCall, unknown=UnknownToolCall
    )


class ToolCallsDetails(APIModel):
    type: Literal["tool_calls"]
    tool_calls: list[ToolCall] = Field(default_factory=list)


class UnknownStepDetails(APIModel):
    type: str


if TYPE_CHECKING:
    StepDetails = MessageCreationDetails | ToolCallsDetails | UnknownStepDetails
else:
    StepDetails = open_union(MessageCreationDetails, ToolCallsDetails, unknown=UnknownStepDetails)


class RunStep(APIModel):
    id: str
    object: Literal["thread.run.step"] = "thread.run.step"
    created_at: int = 0
    assistant_id: str = ""
    thread_id: str = ""
    run_id: str = ""
    type: str = "message_creation"
    status: str = "in_progress"
    step_details: StepDetails | None = None
    last_error: LastError | None = None
    expires_at: int | None = None
    expired_at: int | None = None
    cancelled_at: int | None = None
    failed_at: int | None = None
    completed_at: int | None = None
    metadata: Metadata | None = None
    usage: Usage | None = None


# --- lists -----------------------------------------------------------------------------

T = TypeVar("T", bound=APIModel)


class ListPage(APIModel, Generic[T]):
    """One page of a list endpoint. ``first_id``/``last_id`` are null on an empty page."""

    object: Literal["list"] = "list"
    data: list[T] = Field(default_factory=list)
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False
