"""Errors a request handler raises, rendered as the API's error body.

``{"error": {"message", "type", "param", "code"}}`` with the hosted API's status codes and,
where we know it, its wording, so SDKs and clients react as they did to the real thing.
"""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """An error response: HTTP ``status`` plus the API's error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> APIError:
    """A 400 ``invalid_request_error``."""
    return APIError(400, message, param=param, code=code)


def not_found(kind: str, object_id: str) -> APIError:
    """A 404 worded like the hosted API: ``No thread found with id 'thread_x'.``"""
    return APIError(404, f"No {kind} found with id '{object_id}'.")


def body_too_large(limit: int) -> APIError:
    return APIError(
        413,
        f"The request body is too large: the limit is {limit // (1024 * 1024)} MiB.",
        code="request_too_large",
    )


def server_error() -> APIError:
    return APIError(
        500,
        "The server had an error while processing your request. Sorry about that!",
        type="server_error",
    )
