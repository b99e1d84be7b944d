"""Typed errors: status mapping, the server's message and request id, non-JSON bodies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from threadline.api import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

from .client_support import FAKE_KEY, Server, error, make_client

NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "<script>var x = 1;</script></body>\r\n</html>\r\n"
)


async def test_401_carries_the_servers_message_code_and_request_id() -> None:
    server = Server(
        error(
            401,
            f"Incorrect API key provided: {FAKE_KEY}. Find your key at https://x.test.",
            code="invalid_api_key",
            **{"x-request-id": "req_abc"},
        )
    )
    with pytest.raises(AuthenticationError) as caught:
        await make_client(server).get_thread("thread_1")

    err = caught.value
    assert err.status_code == 401
    assert err.message.startswith("Incorrect API key provided: [redacted].")
    assert (err.type, err.code, err.param) == ("invalid_request_error", "invalid_api_key", None)
    assert err.request_id == "req_abc"
    assert str(err) == (
        "401 Unauthorized: Incorrect API key provided: [redacted]. "
        "Find your key at https://x.test. (request req_abc)"
    )
    assert FAKE_KEY not in repr(err.body)


async def test_404_names_the_missing_object() -> None:
    server = Server(
        error(404, "No thread found with id 'thread_x'.", **{"x-request-id": "req_404"})
    )
    with pytest.raises(NotFoundError) as caught:
        await make_client(server).get_thread("thread_x")
    assert (
        str(caught.value) == "404 Not Found: No thread found with id 'thread_x'. (request req_404)"
    )
    assert len(server.requests) == 1  # a 4xx is not retried


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
        (302, APIStatusError),
    ],
)
async def test_status_codes_map_to_error_types(status: int, cls: type[APIStatusError]) -> None:
    server = Server(error(status, "nope"))
    with pytest.raises(cls) as caught:
        await make_client(server, max_retries=0).get_thread("thread_1")
    assert type(caught.value) is cls
    assert caught.value.status_code == status
    assert str(caught.value).startswith(f"{status} ")


async def test_an_html_error_page_becomes_a_short_readable_message() -> None:
    server = Server(httpx.Response(502, text=NGINX_502, headers={"content-type": "text/html"}))
    with pytest.raises(InternalServerError) as caught:
        await make_client(server, max_retries=0).get_thread("thread_1")
    assert caught.value.message == "502 Bad Gateway: nginx"
    assert str(caught.value) == "502 Bad Gateway: nginx"
    assert caught.value.body is None


async def test_a_plain_text_body_is_cleaned_to_one_bounded_line() -> None:
    text = "upstream connect error\r\n\x1b[31mor disconnect\x1b[0m\u202e " + "x" * 1000
    server = Server(httpx.Response(503, text=text))
    with pytest.raises(InternalServerError) as caught:
        await make_client(server, max_retries=0).get_thread("thread_1")
    message = caught.value.message
    assert message.startswith("upstream connect error [31mor disconnect [0m x")
    assert "\x1b" not in message and "\n" not in message and "\u202e" not in message
    assert len(message) <= 300 and message.endswith("…")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "500 Internal Server Error"),
        (b'{"detail": "Not allowed"}', "500 Internal Server Error: Not allowed"),
        (b'{"error": "boom"}', "500 Internal Server Error: boom"),
        (b'{"message": "flat"}', "500 Internal Server Error: flat"),
        (b"[1, 2]", "500 Internal Server Error: [1, 2]"),
    ],
)
async def test_other_error_body_shapes(body: bytes, message: str) -> None:
    server = Server(httpx.Response(500, content=body))
    with pytest.raises(InternalServerError) as caught:
        await make_client(server, max_retries=0).get_thread("thread_1")
    assert str(caught.value) == message


async def test_a_huge_error_body_is_read_only_in_part() -> None:
    sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(10_000):
            sent.append(1)
            yield b"<p>" + b"y" * 1024
        raise AssertionError("read too far")

    server = Server(httpx.Response(500, content=endless()))
    with pytest.raises(InternalServerError):
        await make_client(server, max_retries=0).get_thread("thread_1")
    assert len(sent) < 100


async def test_a_2xx_body_of_the_wrong_shape_is_a_validation_error() -> None:
    server = Server(httpx.Response(200, text="<html>captive portal</html>"))
    with pytest.raises(APIResponseValidationError) as caught:
        await make_client(server).get_thread("thread_1")
    assert "not a valid Thread" in str(caught.value)
    assert caught.value.status_code == 200


async def test_connection_errors_say_where_and_whether_the_request_left() -> None:
    server = Server(
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ReadTimeout(""),
    )
    client = make_client(server, max_retries=0)
    with pytest.raises(APIConnectionError) as refused:
        await client.get_thread("thread_1")
    with pytest.raises(APITimeoutError) as timed_out:
        await client.get_thread("thread_1")

    assert str(refused.value) == (
        "could not connect to api.example.test: [Errno 111] Connection refused"
    )
    assert refused.value.sent is False
    assert str(timed_out.value) == "timed out talking to api.example.test: ReadTimeout"
    assert timed_out.value.sent is True
    # httpx's exception is not chained: its frames could hold the request's headers.
    assert refused.value.__cause__ is None and refused.value.__context__ is None


async def test_a_transport_error_that_echoes_the_key_is_redacted() -> None:
    server = Server(httpx.LocalProtocolError(f"Illegal header value b'Bearer {FAKE_KEY}'"))
    with pytest.raises(APIConnectionError) as caught:
        await make_client(server, max_retries=0).get_thread("thread_1")
    assert FAKE_KEY not in str(caught.value)
    assert "[redacted]" in str(caught.value)
