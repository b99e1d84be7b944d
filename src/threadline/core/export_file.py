"""Where the app writes a thread export: the data folder's ``exports/``, private files."""

from __future__ import annotations

import re
from pathlib import Path

from threadline.locations import data_dir, ensure_private_dir, write_private_file

_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def export_name(title: str, thread_id: str, fmt: str) -> str:
    """``trip-plan-to-lisbon-thread_abc.md``: readable, unique per thread, safe anywhere."""
    slug = _UNSAFE.sub("-", title).strip("-").lower()[:40].rstrip("-")
    ident = _UNSAFE.sub("-", thread_id).strip("-")[:64] or "thread"
    return f"{slug}-{ident}.{fmt}" if slug else f"{ident}.{fmt}"


def save_export(
    text: str, title: str, thread_id: str, fmt: str, folder: Path | None = None
) -> Path:
    """Write an export (mode 0600, folder 0700); a later export of the thread replaces it."""
    target = ensure_private_dir(folder or data_dir() / "exports")
    return write_private_file(target / export_name(title, thread_id, fmt), text.encode("utf-8"))
