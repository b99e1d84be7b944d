"""Import httpx without its command-line client.

httpx's package ``__init__`` imports ``httpx._main`` (its optional CLI), which loads
click, pygments and rich whenever they are installed: tens of milliseconds at start-up,
and a UI library inside layers that must not load one (``tests/test_layers.py``). httpx
expects that module to be missing (the ``cli`` extra is optional) and installs a stub
``main`` instead, so it is marked missing before httpx is first imported. Nothing in
Threadline runs httpx's CLI.
"""

from __future__ import annotations

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
