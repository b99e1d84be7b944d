"""The layer rules of DESIGN.md: what each package may import, and no UI below the TUI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import threadline

SRC = Path(threadline.__file__).parent

# Which threadline packages each layer may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "sqlite_files": set(),
    "lazy_exports": set(),
    "locations": {"errors"},
    "config": {"errors", "locations"},
    "api": {"lazy_exports"},
    "core": {"api", "config", "locations", "errors", "sqlite_files"},
    "server": {"api", "errors", "sqlite_files"},
    "tui": {"core", "api", "config", "locations", "errors", "lazy_exports"},
}
UI_PACKAGES = {"textual", "rich"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def threadline_imports(path: Path) -> set[str]:
    """The top-level threadline packages a module imports (absolute or relative)."""
    tree = ast.parse(path.read_text(), str(path))
    package_parts = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
        for name in names:
            parts = name.split(".")
            if parts[0] == "threadline" and len(parts) > 1:
                found.add(parts[1])
            elif parts[0] in UI_PACKAGES:
                found.add(parts[0])
    return found


def test_each_layer_imports_only_what_design_allows() -> None:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        layer = layer_of(path)
        if layer in {"cli", "__init__", "__main__"}:
            continue  # the composition root may import anything
        allowed = ALLOWED.get(layer)
        assert allowed is not None, f"{path}: new top-level module {layer!r}: give it a rule"
        if layer == "tui":
            allowed = allowed | UI_PACKAGES
        for imported in threadline_imports(path) - allowed - {layer}:
            problems.append(f"{path.relative_to(SRC)} imports {imported}")
    assert problems == []


def test_api_core_server_config_load_without_textual_or_rich() -> None:
    code = (
        "import pkgutil, importlib, sys\n"
        "import threadline\n"
        "for m in pkgutil.walk_packages(threadline.__path__, 'threadline.'):\n"
        "    if m.name.split('.')[1] in {'api', 'core', 'server', 'config', 'locations', 'errors', 'sqlite_files', 'lazy_exports'}:\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'textual', 'rich'})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
