"""Errors raised by the wire client, one tree so callers catch as broadly as they need::

    APIError                          anything the wire client raises
    ├── APIConnectionError            no complete response: refused, reset, DNS, TLS, ...
    │   └── APITimeoutError           a connect, write, read or pool timeout
    ├── APIStatusError                the server answered with a non-2xx status
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── ConflictError             409
    │   ├── PayloadTooLargeError      413
    │   ├── UnprocessableEntityError  422
    │   ├── RateLimitError            429
    │   └── InternalServerError       >= 500
    ├── APIResponseValidationError    a 2xx body that is not the object the endpoint returns
    ├── StreamInterruptedError        a stream ended before its run came to rest
    └── StreamProtocolError           a stream broke the event-stream format's limits

``str(error)`` is always one line a user can read. No error holds the API key: the client
redacts it from anything a server echoes, and keeps httpx's exceptions (whose tracebacks
can reach frames that hold request headers) out of the chain.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._events import AnyEvent

_EXCERPT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")
_SPACE = re.compile(r"\s+")
_HTML = re.compile(r"<\s*(?:!doctype|html|head|body|title)\b", re.IGNORECASE)
_HTML_NOISE = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def one_line(text: str, limit: int = _EXCERPT) -> str:
    """Server text made safe for one line: no control or bidi characters, bounded length."""
    text = _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def html_excerpt(text: str) -> str:
    """The readable part of an HTML error page (a proxy's 502, a captive portal)."""
    text = _HTML_NOISE.sub(" ", text)
    match = _HTML_TITLE.search(text)
    title = one_line(html.unescape(_TAG.sub(" ", match.group(1)))) if match else ""
    if match:
        text = text[: match.start()] + text[match.end() :]
    body = one_line(html.unescape(_TAG.sub(" ", text)))
    if title:
        body = one_line(body.replace(title, " "))
    return one_line(": ".join(part for part in (title, body) if part))


class APIError(Exception):
    """Base of everything the wire client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class APIConnectionError(APIError):
    """No complete response arrived.

    ``sent`` is False when the request never left this machine (connection refused, connect
    or pool timeout): the server cannot have acted on it, so even a create may be retried.
    """

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class APITimeoutError(APIConnectionError):
    """A connect, write, read or pool timeout."""


class APIResponseValidationError(APIError):
    """A 2xx response whose body is not the object the endpoint returns."""

    def __init__(self, message: str, *, status_code: int, request_id: str | None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.request_id = request_id


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    Attributes:
        status_code: the HTTP status.
        message: the server's ``error.message`` (or a cleaned excerpt of a non-JSON body).
        type, code, param: the server's ``error`` fields, when sent.
        request_id: the ``x-request-id`` header, to quote to the server's operator.
        retry_after: seconds the server asked us to wait (``retry-after-ms``/``Retry-After``).
        body: the decoded JSON error body, or None if it was not JSON.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.type = type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body

    def __str__(self) -> str:
        import httpx  # not with the module: the app's first frame imports these errors

        reason = httpx.codes.get_reason_phrase(self.status_code)
        line = f"{self.status_code} {reason}".rstrip()
        if self.message.startswith(line):  # a proxy's page already says "502 Bad Gateway"
            line = self.message
        elif self.message and self.message != reason:
            line = f"{line}: {self.message}"
        notes = []
        if self.retry_after is not None:
            notes.append(f"retry after {_duration(self.retry_after)}")
        if self.request_id:
            notes.append(f"request {self.request_id}")
        return f"{line} ({', '.join(notes)})" if notes else line


class BadRequestError(APIStatusError):
    """400: the server rejected the request's content."""


class AuthenticationError(APIStatusError):
    """401: the key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this."""


class NotFoundError(APIStatusError):
    """404: no such object (or endpoint)."""


class ConflictError(APIStatusError):
    """409: the object changed under the request."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body is too large."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well-formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests, or (``code == "insufficient_quota"``) no quota left."""


class InternalServerError(APIStatusError):
    """>= 500: the server failed."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


class StreamInterruptedError(APIError):
    """A stream ended (closed or cut) before ``done`` or a run at rest.

    At rest means a terminal status or ``requires_action``. The run may still be going on
    the server: poll it by ``run_id`` (and ``thread_id``) to learn how it ended.

    Attributes:
        events: every typed event that arrived, in order.
        run_id, run_status: the last run event's run id and status, if any arrived.
        thread_id: the thread the stream was about, if any event said.
    """

    def __init__(
        self,
        reason: str,
        events: Sequence[AnyEvent],
        *,
        run_id: str | None = None,
        run_status: str | None = None,
        thread_id: str | None = None,
    ) -> None:
        self.reason = reason
        self.events = list(events)
        self.run_id = run_id
        self.run_status = run_status
        self.thread_id = thread_id
        where = f"; last run {run_id} was {run_status}" if run_id else ""
        super().__init__(
            f"stream interrupted before the run finished: {reason} "
            f"({len(self.events)} events received{where})"
        )


class StreamProtocolError(APIError):
    """The stream broke the event-stream format's limits, e.g. an over-sized event.

    ``events`` holds every typed event that arrived before the fault.
    """

    def __init__(self, message: str, events: Sequence[AnyEvent]) -> None:
        super().__init__(message)
        self.events = list(events)


def status_error(
    status_code: int,
    body_text: str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> APIStatusError:
    """The typed error for a non-2xx response, from its (already redacted) body text."""
    body: Any = None
    message = ""
    fields: dict[str, str | None] = {"type": None, "code": None, "param": None}
    try:
        body = json.loads(body_text) if body_text.strip() else None
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            raw = error.get("message") or error.get("detail")
            message = raw if isinstance(raw, str) else json.dumps(raw) if raw else ""
            for key in fields:
                value = error.get(key)
                fields[key] = None if value is None else one_line(str(value), 100)
        elif isinstance(error, str):
            message = error
        if not message:
            message = json.dumps(body)
    elif body is not None:
        message = json.dumps(body)
    elif _HTML.search(body_text[:2000]):
        message = html_excerpt(body_text)
    else:
        message = body_text
    cls = _STATUS_ERRORS.get(status_code)
    if cls is None:
        cls = InternalServerError if status_code >= 500 else APIStatusError
    return cls(
        status_code,
        one_line(message),
        type=fields["type"],
        code=fields["code"],
        param=fields["param"],
        request_id=one_line(request_id, 100) if request_id else None,
        retry_after=retry_after,
        body=body,
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
