"""Per-thread run settings: the assistant chosen for a thread, and its run options.

Both are sticky: they apply to every run of the thread until changed or reset, and they are
kept across starts in the store's app state (one JSON object per profile, thread id ->
settings). A thread without an entry uses the profile's assistant and the assistant's own
settings. An entry that no longer validates (written by another version) is ignored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from threadline.api import Assistant, FunctionTool

from .run_options import RunOptions
from .sanitize import clean_line
from .store import ClientStore


class AssistantChoice(BaseModel):
    """The assistant a thread's runs use, with what the status bar shows of it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str = ""
    model: str = ""
    functions: tuple[str, ...] = ()
    """Its function tools' names, for the run options' tool_choice (as when picked)."""

    @classmethod
    def of(cls, assistant: Assistant) -> AssistantChoice:
        return cls(
            id=assistant.id,
            name=clean_line(assistant.name or ""),
            model=clean_line(assistant.model),
            functions=tuple(
                clean_line(tool.function.name)
                for tool in assistant.tools
                if isinstance(tool, FunctionTool)
            ),
        )

    @property
    def label(self) -> str:
        return self.name or self.id


class ThreadSettings(BaseModel):
    """What a thread's next runs use. Defaults mean "the profile's and assistant's own"."""

    model_config = ConfigDict(frozen=True)

    assistant: AssistantChoice | None = None
    """None: the profile's assistant (``assistant_id``, else the server's newest)."""
    options: RunOptions = Field(default_factory=RunOptions)

    def is_default(self) -> bool:
        return self.assistant is None and self.options.is_default()


def settings_key(profile: str) -> str:
    return f"thread-settings/{profile}"


async def load_thread_settings(store: ClientStore, profile: str) -> dict[str, ThreadSettings]:
    """Every thread's settings for ``profile``; entries that do not validate are dropped."""
    raw: Any = await store.get_state(settings_key(profile), {})
    settings: dict[str, ThreadSettings] = {}
    if not isinstance(raw, dict):
        return settings
    for thread_id, value in raw.items():
        try:
            settings[str(thread_id)] = ThreadSettings.model_validate(value)
        except ValidationError:
            continue
    return settings


async def save_thread_settings(
    store: ClientStore, profile: str, settings: dict[str, ThreadSettings]
) -> None:
    """Write ``profile``'s settings (threads with default settings are left out)."""
    data = {
        thread_id: value.model_dump(mode="json", exclude_defaults=True)
        for thread_id, value in settings.items()
        if not value.is_default()
    }
    await store.set_state(settings_key(profile), data)
