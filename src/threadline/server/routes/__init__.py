"""The API's endpoints, one module per resource; :func:`routes` lists them all."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import assistants, messages, runs, threads


def routes() -> list[BaseRoute]:
    # Runs first: POST /threads/runs must win over POST /threads/{thread_id}.
    return [*assistants.ROUTES, *runs.ROUTES, *threads.ROUTES, *messages.ROUTES]
