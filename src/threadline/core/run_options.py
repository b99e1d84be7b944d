"""Options for the next run, validated as the API validates them, before anything is sent."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from threadline.errors import UserError

ToolChoiceMode = Literal["auto", "none", "required"]
ReasoningEffort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
MAX_METADATA_KEYS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512


class RunOptionsError(UserError):
    """An option out of the API's range; the message names the option."""


class RunOptions(BaseModel):
    """The run options panel's values. ``None`` means "the assistant's own setting"."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    model: str | None = None
    """Override the assistant's model for this run."""
    instructions: str | None = None
    """Replace the assistant's instructions for this run."""
    additional_instructions: str | None = None
    """Appended to the instructions for this run only."""
    temperature: float | None = Field(default=None, ge=0, le=2)
    """Sampling temperature, 0 to 2."""
    top_p: float | None = Field(default=None, ge=0, le=1)
    """Nucleus sampling, 0 to 1."""
    max_prompt_tokens: int | None = Field(default=None, ge=256)
    """The most prompt tokens the run may use (at least 256)."""
    max_completion_tokens: int | None = Field(default=None, ge=256)
    """The most completion tokens the run may use (at least 256)."""
    truncation_last_messages: int | None = Field(default=None, ge=1)
    """Truncate the thread to its last N messages; None = the ``auto`` strategy."""
    tool_choice: str | None = None
    """``auto``, ``none``, ``required``, or the name of a function the run must call."""
    parallel_tool_calls: bool | None = None
    """Whether the model may call several tools at once."""
    response_format: Literal["auto", "text", "json_object"] | None = None
    """Output format."""
    reasoning_effort: ReasoningEffort | None = None
    """Effort for reasoning models."""
    metadata: dict[str, str] = Field(default_factory=dict)
    """Up to 16 key-value pairs attached to the run."""

    @field_validator("metadata")
    @classmethod
    def _metadata_limits(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > MAX_METADATA_KEYS:
            raise ValueError(f"at most {MAX_METADATA_KEYS} keys (got {len(value)})")
        for key, item in value.items():
            if len(key) > MAX_METADATA_KEY:
                raise ValueError(f"key {key[:20]!r}… is longer than {MAX_METADATA_KEY} characters")
            if len(item) > MAX_METADATA_VALUE:
                raise ValueError(f"value of {key!r} is longer than {MAX_METADATA_VALUE} characters")
        return value

    @classmethod
    def build(cls, **values: Any) -> RunOptions:
        """Validate values (e.g. from the panel); raises :class:`RunOptionsError`."""
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "options"
            message = first["msg"].removeprefix("Value error, ")
            raise RunOptionsError(f"{field}: {message}") from None

    def is_default(self) -> bool:
        return not self.to_body()

    def to_body(self) -> dict[str, Any]:
        """The create-run body fields these options set (nothing for ``None``)."""
        body: dict[str, Any] = {}
        for name in (
            "model",
            "instructions",
            "additional_instructions",
            "temperature",
            "top_p",
            "max_prompt_tokens",
            "max_completion_tokens",
            "parallel_tool_calls",
            "reasoning_effort",
        ):
            value = getattr(self, name)
            if value is not None and value != "":
                body[name] = value
        if self.truncation_last_messages is not None:
            body["truncation_strategy"] = {
                "type": "last_messages",
                "last_messages": self.truncation_last_messages,
            }
        if self.tool_choice:
            if self.tool_choice in ("auto", "none", "required"):
                body["tool_choice"] = self.tool_choice
            else:
                body["tool_choice"] = {"type": "function", "function": {"name": self.tool_choice}}
        if self.response_format is not None:
            body["response_format"] = (
                "auto" if self.response_format == "auto" else {"type": self.response_format}
            )
        if self.metadata:
            body["metadata"] = dict(self.metadata)
        return body
