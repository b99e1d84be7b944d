"""The work of ``threadline export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from threadline.api import APIError, NotFoundError
from threadline.cli import EXIT_API_ERROR, EXIT_OK, EXIT_USAGE
from threadline.cli.backend import open_backend
from threadline.config import MissingKeyError, load_config
from threadline.core.export import collect_thread, to_json, to_markdown
from threadline.core.sanitize import clean_line
from threadline.core.session import BackendFactory
from threadline.core.store import STORE_FILE, ClientStore
from threadline.locations import data_dir, write_private_file


async def export(
    thread_id: str,
    *,
    profile_name: str | None,
    fmt: str = "md",
    output: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    backend_factory: BackendFactory = open_backend,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    config = load_config()
    profile = config.profile(profile_name)
    store = await ClientStore.open(data_dir() / STORE_FILE)
    try:
        entry = await store.get_thread(profile.name, thread_id)
        try:
            backend = await backend_factory(profile)
        except MissingKeyError as exc:
            print(f"threadline: error: {exc}", file=err)
            return EXIT_USAGE
        try:
            collected = await collect_thread(
                backend.client, thread_id, entry.title if entry else ""
            )
        except NotFoundError:
            print(f"threadline: error: the server has no thread {thread_id!r}", file=err)
            return EXIT_API_ERROR
        except APIError as exc:
            print(f"threadline: error: {clean_line(str(exc))}", file=err)
            return EXIT_API_ERROR
        finally:
            await backend.aclose()
    finally:
        await store.close()
    text = to_json(collected) if fmt == "json" else to_markdown(collected)
    text = backend.client.redact(text)  # a server may echo the key into what it stores
    if output is None or output == "-":
        out.write(text)
    else:
        path = write_private_file(Path(output), text.encode())
        print(f"threadline: wrote {path}", file=err)
    return EXIT_OK
