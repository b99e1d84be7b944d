"""The async Assistants v2 client: one method per endpoint, typed objects back.

Request bodies are passed through as keyword arguments (top-level ``None`` dropped) and
validated by the server, so a newer server's fields need no client change.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from ._auth import APIKeyAuth
from ._base import APIModel
from ._http import HTTPCore, Params, poll_after
from ._objects import Assistant, Deleted, ListPage, Message, Run, RunStep, Thread
from ._retry import OnRetry, RetryPolicy, Sleep
from ._stream import EventStream

T = TypeVar("T", bound=APIModel)
Order = Literal["asc", "desc"]


def _seg(name: str, value: str) -> str:
    # An empty id would silently address another endpoint (/threads/ -> create).
    if not value:
        raise ValueError(f"{name} must not be empty")
    return "/" + quote(value, safe="")


def _page_params(
    limit: int | None, order: str | None, after: str | None, before: str | None, **more: str | None
) -> list[tuple[str, str]]:
    given = {"limit": None if limit is None else str(limit), "order": order, "after": after}
    given |= {"before": before, **more}
    return [(key, value) for key, value in given.items() if value is not None]


def _include(include: Iterable[str]) -> list[tuple[str, str]]:
    if isinstance(include, str):  # one path, not its characters
        include = [include]
    return [("include[]", item) for item in include]


async def _all_pages(
    fetch: Callable[[str | None], Awaitable[ListPage[T]]], after: str | None
) -> AsyncIterator[T]:
    while True:
        page = await fetch(after)
        for item in page.data:
            yield item
        # A server that repeats its cursor would loop forever; stop instead.
        if not page.has_more or not page.last_id or page.last_id == after:
            return
        after = page.last_id


class AssistantsClient:
    """Every Assistants v2 endpoint the app uses, over an (injectable) httpx client.

    Args:
        base_url: the API root, e.g. ``https://api.openai.com/v1``.
        api_key: sent through :class:`APIKeyAuth`; never shown in reprs or errors.
        api_key_header: ``"Name: Scheme"`` sends ``Name: Scheme <key>``; a bare ``"Name"``
            sends ``Name: <key>`` (Azure's ``api-key``).
        headers: extra headers on every request.
        query: extra query parameters on every request (e.g. ``api-version``).
        timeout: seconds for connect, write, pool and (non-stream) read.
        stream_idle_timeout: the longest silence inside a stream; default ``timeout``.
        max_retries: retries after the first attempt (see :mod:`._retry` for which).
        max_retry_wait: a server asking to wait longer than this is not retried.
        http_client: the httpx client to send through (tests pass a MockTransport); if
            omitted, one is created and closed by :meth:`aclose`.
        sleep: awaited between retries (tests inject one that records instead of waiting).
        on_retry: called with (retry number, seconds to wait, error) before each wait.
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None = None,
        api_key_header: str = "Authorization: Bearer",
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        timeout: float = 60.0,
        stream_idle_timeout: float | None = None,
        max_retries: int = 2,
        max_retry_wait: float = 120.0,
        http_client: httpx.AsyncClient | None = None,
        sleep: Sleep | None = None,
        on_retry: OnRetry | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if timeout <= 0 or (stream_idle_timeout is not None and stream_idle_timeout <= 0):
            raise ValueError("timeouts must be positive")
        auth = None if api_key is None else APIKeyAuth(api_key, api_key_header)
        self._owns_http = http_client is None
        policy = RetryPolicy(max_retries=max_retries, max_wait=max_retry_wait, on_retry=on_retry)
        if sleep is not None:
            policy = replace(policy, sleep=sleep)
        self._core = HTTPCore(
            http_client=http_client if http_client is not None else httpx.AsyncClient(),
            base_url=base_url,
            auth=auth,
            headers=headers or {},
            query=query or {},
            timeout=timeout,
            stream_idle_timeout=stream_idle_timeout,
            retry=policy,
        )

    @property
    def base_url(self) -> str:
        return self._core.base_url

    def redact(self, text: str) -> str:
        """``text`` with the API key replaced, for anything a server's data may echo."""
        auth = self._core.auth
        return auth.redact(text) if auth is not None else text

    def __repr__(self) -> str:
        auth = self._core.auth
        key = f", api_key_header={auth.header_name!r}, api_key='***'" if auth else ""
        return f"{type(self).__name__}(base_url={self.base_url!r}{key})"

    async def aclose(self) -> None:
        """Close the httpx client if this object created it."""
        if self._owns_http:
            await self._core.http_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- plumbing ----------------------------------------------------------------------

    async def _get(self, path: str, model: type[T], params: Params = ()) -> T:
        return await self._core.request("GET", path, model, params=params, idempotent=True)

    async def _post(
        self, path: str, model: type[T], body: Mapping[str, Any] | None, *, idempotent: bool
    ) -> T:
        return await self._core.request("POST", path, model, body=body, idempotent=idempotent)

    async def _delete(self, path: str) -> Deleted:
        return await self._core.request("DELETE", path, Deleted, idempotent=True)

    def _stream(self, path: str, body: Mapping[str, Any], params: Params = ()) -> EventStream:
        payload = {**body, "stream": True}
        return EventStream(lambda: self._core.open_stream(path, params=params, body=payload))

    # --- assistants ----------------------------------------------------------------------

    async def list_assistants(
        self,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> ListPage[Assistant]:
        params = _page_params(limit, order, after, before)
        return await self._get("/assistants", ListPage[Assistant], params)

    def iter_assistants(
        self,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncIterator[Assistant]:
        """Every assistant, fetching page after page (``after`` = the last id)."""

        def fetch(cursor: str | None) -> Awaitable[ListPage[Assistant]]:
            return self.list_assistants(limit=limit, order=order, after=cursor, before=before)

        return _all_pages(fetch, after)

    async def get_assistant(self, assistant_id: str) -> Assistant:
        return await self._get(f"/assistants{_seg('assistant_id', assistant_id)}", Assistant)

    async def create_assistant(self, **body: Any) -> Assistant:
        return await self._post("/assistants", Assistant, body, idempotent=False)

    async def modify_assistant(self, assistant_id: str, **body: Any) -> Assistant:
        path = f"/assistants{_seg('assistant_id', assistant_id)}"
        return await self._post(path, Assistant, body, idempotent=True)

    async def delete_assistant(self, assistant_id: str) -> Deleted:
        return await self._delete(f"/assistants{_seg('assistant_id', assistant_id)}")

    # --- threads -------------------------------------------------------------------------

    async def create_thread(self, **body: Any) -> Thread:
        return await self._post("/threads", Thread, body, idempotent=False)

    async def get_thread(self, thread_id: str) -> Thread:
        return await self._get(f"/threads{_seg('thread_id', thread_id)}", Thread)

    async def modify_thread(self, thread_id: str, **body: Any) -> Thread:
        path = f"/threads{_seg('thread_id', thread_id)}"
        return await self._post(path, Thread, body, idempotent=True)

    async def delete_thread(self, thread_id: str) -> Deleted:
        return await self._delete(f"/threads{_seg('thread_id', thread_id)}")

    # --- messages ------------------------------------------------------------------------

    def _messages(self, thread_id: str, message_id: str | None = None) -> str:
        path = f"/threads{_seg('thread_id', thread_id)}/messages"
        return path if message_id is None else path + _seg("message_id", message_id)

    async def list_messages(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
        run_id: str | None = None,
    ) -> ListPage[Message]:
        params = _page_params(limit, order, after, before, run_id=run_id)
        return await self._get(self._messages(thread_id), ListPage[Message], params)

    def iter_messages(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
        run_id: str | None = None,
    ) -> AsyncIterator[Message]:
        def fetch(cursor: str | None) -> Awaitable[ListPage[Message]]:
            return self.list_messages(
                thread_id, limit=limit, order=order, after=cursor, before=before, run_id=run_id
            )

        return _all_pages(fetch, after)

    async def create_message(self, thread_id: str, **body: Any) -> Message:
        return await self._post(self._messages(thread_id), Message, body, idempotent=False)

    async def get_message(self, thread_id: str, message_id: str) -> Message:
        return await self._get(self._messages(thread_id, message_id), Message)

    async def modify_message(self, thread_id: str, message_id: str, **body: Any) -> Message:
        path = self._messages(thread_id, message_id)
        return await self._post(path, Message, body, idempotent=True)

    async def delete_message(self, thread_id: str, message_id: str) -> Deleted:
        return await self._delete(self._messages(thread_id, message_id))

    # --- runs ----------------------------------------------------------------------------

    def _runs(self, thread_id: str, run_id: str | None = None) -> str:
        path = f"/threads{_seg('thread_id', thread_id)}/runs"
        return path if run_id is None else path + _seg("run_id", run_id)

    async def list_runs(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> ListPage[Run]:
        params = _page_params(limit, order, after, before)
        return await self._get(self._runs(thread_id), ListPage[Run], params)

    def iter_runs(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> AsyncIterator[Run]:
        def fetch(cursor: str | None) -> Awaitable[ListPage[Run]]:
            return self.list_runs(thread_id, limit=limit, order=order, after=cursor, before=before)

        return _all_pages(fetch, after)

    async def create_run(self, thread_id: str, *, include: Sequence[str] = (), **body: Any) -> Run:
        """Start a run; never retried once the server may have acted (see :mod:`._retry`)."""
        body.pop("stream", None)
        return await self._core.request(
            "POST",
            self._runs(thread_id),
            Run,
            params=_include(include),
            body=body,
            idempotent=False,
        )

    def stream_run(
        self, thread_id: str, *, include: Sequence[str] = (), **body: Any
    ) -> EventStream:
        """Start a run and stream its events: ``async with client.stream_run(...) as s``."""
        return self._stream(self._runs(thread_id), body, _include(include))

    async def create_thread_and_run(self, **body: Any) -> Run:
        body.pop("stream", None)
        return await self._post("/threads/runs", Run, body, idempotent=False)

    def stream_thread_and_run(self, **body: Any) -> EventStream:
        return self._stream("/threads/runs", body)

    async def get_run(self, thread_id: str, run_id: str) -> Run:
        return await self._get(self._runs(thread_id, run_id), Run)

    async def poll_run(self, thread_id: str, run_id: str) -> tuple[Run, float | None]:
        """The run, and how long the server asks pollers to wait before asking again
        (its ``openai-poll-after-ms`` header, in seconds), or None if it did not say."""
        run, headers = await self._core.request_with_headers(
            "GET", self._runs(thread_id, run_id), Run, idempotent=True
        )
        return run, poll_after(headers)

    async def modify_run(self, thread_id: str, run_id: str, **body: Any) -> Run:
        return await self._post(self._runs(thread_id, run_id), Run, body, idempotent=True)

    async def cancel_run(self, thread_id: str, run_id: str) -> Run:
        path = self._runs(thread_id, run_id) + "/cancel"
        return await self._post(path, Run, None, idempotent=True)

    async def submit_tool_outputs(
        self, thread_id: str, run_id: str, tool_outputs: Iterable[Mapping[str, Any]]
    ) -> Run:
        path = self._runs(thread_id, run_id) + "/submit_tool_outputs"
        body = {"tool_outputs": [dict(output) for output in tool_outputs]}
        return await self._post(path, Run, body, idempotent=False)

    def stream_submit_tool_outputs(
        self, thread_id: str, run_id: str, tool_outputs: Iterable[Mapping[str, Any]]
    ) -> EventStream:
        path = self._runs(thread_id, run_id) + "/submit_tool_outputs"
        return self._stream(path, {"tool_outputs": [dict(output) for output in tool_outputs]})

    # --- run steps -----------------------------------------------------------------------

    def _steps(self, thread_id: str, run_id: str, step_id: str | None = None) -> str:
        path = self._runs(thread_id, run_id) + "/steps"
        return path if step_id is None else path + _seg("step_id", step_id)

    async def list_steps(
        self,
        thread_id: str,
        run_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
        include: Sequence[str] = (),
    ) -> ListPage[RunStep]:
        params = _page_params(limit, order, after, before) + _include(include)
        return await self._get(self._steps(thread_id, run_id), ListPage[RunStep], params)

    def iter_steps(
        self,
        thread_id: str,
        run_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
        include: Sequence[str] = (),
    ) -> AsyncIterator[RunStep]:
        def fetch(cursor: str | None) -> Awaitable[ListPage[RunStep]]:
            return self.list_steps(
                thread_id,
                run_id,
                limit=limit,
                order=order,
                after=cursor,
                before=before,
                include=include,
            )

        return _all_pages(fetch, after)

    async def get_step(
        self, thread_id: str, run_id: str, step_id: str, *, include: Sequence[str] = ()
    ) -> RunStep:
        path = self._steps(thread_id, run_id, step_id)
        return await self._get(path, RunStep, _include(include))
