"""The API key on each request, without ever holding it in plain sight.

The key stays a :class:`~pydantic.SecretStr` until the moment it is written into the
request's header; it is read inline, never bound to a local variable, so no traceback
frame (Textual's crash screen prints locals) and no repr can show it.
"""

from __future__ import annotations

import re
from collections.abc import Generator

import httpx
from pydantic import SecretStr

# RFC 9110 token characters, for the header name.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What a header value may hold without h11 rejecting it (and echoing it in its error).
_KEY = re.compile(r"[\x21-\x7e]+")


class APIKeyAuth(httpx.Auth):
    """Puts ``Name: Scheme <key>`` (``"Authorization: Bearer"``) or ``Name: <key>``
    (``"api-key"``) on every request."""

    def __init__(self, key: SecretStr, header: str = "Authorization: Bearer") -> None:
        name, _, scheme = header.partition(":")
        name, scheme = name.strip(), scheme.strip()
        if not _TOKEN.fullmatch(name) or (scheme and not _TOKEN.fullmatch(scheme)):
            raise ValueError(
                f"api_key_header {header!r}: expected a header name, optionally followed "
                "by ': Scheme' (e.g. 'Authorization: Bearer' or 'api-key')"
            )
        if not _KEY.fullmatch(key.get_secret_value()):
            raise ValueError("the API key is empty or holds spaces or control characters")
        self._name = name
        self._prefix = f"{scheme} " if scheme else ""
        self._key = key

    @property
    def header_name(self) -> str:
        return self._name

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._name] = self._prefix + self._key.get_secret_value()
        yield request

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of the key replaced (servers echo bad keys)."""
        return text.replace(self._key.get_secret_value(), "[redacted]")

    def __repr__(self) -> str:
        return f"APIKeyAuth(header={(self._name + ': ' + self._prefix).strip()!r}, key='***')"
