"""The base model for wire objects, and open discriminated unions.

Every wire model keeps fields it does not know (``extra="allow"``), so an object survives
a round trip to JSON unchanged: the inspector shows objects exactly as the server sent them.
Unions are *open*: a ``type`` this version does not know becomes an ``Unknown*`` value that
keeps its data, instead of a validation error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Tag


class APIModel(BaseModel):
    """A wire object: unknown fields kept, serialised back exactly as received."""

    model_config = ConfigDict(extra="allow", protected_namespaces=(), populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The object in the API's own shape: the fields that were set, unknown ones included."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _type_of(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    return getattr(value, key, None)


def open_union(*models: type[APIModel], unknown: type[APIModel], key: str = "type") -> Any:
    """A union discriminated by ``key`` whose unknown tags validate as ``unknown``.

    Each model must declare ``key`` as a single ``Literal``; its value is the tag.
    """
    tags: dict[str, type[APIModel]] = {}
    for model in models:
        literal = model.model_fields[key].annotation
        (tag,) = literal.__args__  # type: ignore[union-attr]
        tags[tag] = model

    def discriminate(value: Any) -> str:
        tag = _type_of(value, key)
        return tag if tag in tags else "__unknown__"

    members = [Annotated[model, Tag(tag)] for tag, model in tags.items()]
    members.append(Annotated[unknown, Tag("__unknown__")])
    return Annotated[Union[tuple(members)], Discriminator(discriminate)]  # noqa: UP007


def discriminator_for(mapping: dict[str, str], key: str) -> Callable[[Any], str]:
    """A discriminator that maps many values of ``key`` onto one tag, others to unknown."""

    def discriminate(value: Any) -> str:
        return mapping.get(_type_of(value, key), "__unknown__")

    return discriminate
