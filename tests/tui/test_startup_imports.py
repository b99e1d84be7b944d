"""The first frame imports only what it draws: the embedded server, the HTTP client, the
run driver, the api models, markdown and syntax highlighting, and the inspector's widgets
load after it (issue 9: start-up within 1.25x of a minimal Textual app).

Each check runs in a fresh interpreter, as ``threadline`` starts, and looks at
``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Loaded after the first frame, never before it.
LATER = (
    "threadline.server",
    "starlette",
    "uvicorn",
    "httpx",
    "threadline.api._client",
    "threadline.api._objects",
    "threadline.api._events",
    "threadline.cli.backend",
    "threadline.core.driver",
    "jsonschema",
    "markdown_it",
    "pygments",
    "threadline.tui.widgets.message_view",
    "threadline.tui.widgets.inspector.pane",
)


def _loaded(code: str) -> dict[str, bool]:
    """Which of ``LATER`` the script ``code`` has imported when it prints ``LOADED``."""
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        def loaded():
            import sys
            # (A None entry marks a module missing on purpose, e.g. httpx's CLI.)
            modules = [m for m, module in list(sys.modules.items()) if module is not None]
            return {
                name: any(m == name or m.startswith(name + ".") for m in modules)
                for name in LATER
            }
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", f"LATER = {LATER!r}\n{script}\nmain()"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED "))
    found: dict[str, bool] = json.loads(line.removeprefix("LOADED "))
    return found


def test_importing_the_app_loads_none_of_what_comes_later() -> None:
    found = _loaded(
        """
        import json

        def main():
            import threadline.cli.tui
            import threadline.tui.app  # noqa: F401
            print("LOADED " + json.dumps(loaded()))
        """
    )
    assert [name for name, is_loaded in found.items() if is_loaded] == []


def test_the_first_frame_comes_before_the_server_the_client_and_the_models() -> None:
    """The real ``threadline`` start (config, the app as the CLI builds it), headless: what
    is imported when the app's first frame is done, then that the rest did load after it
    (so the check above cannot pass by checking the wrong names)."""
    found = _loaded(
        """
        import json

        def main():
            from threadline.cli import build_parser
            from threadline.cli.tui import build_app
            from threadline.tui.app import ThreadlineApp

            after = ThreadlineApp._after_first_frame
            seen = {}

            def first_frame_done(self):
                seen["first"] = loaded()
                after(self)

            ThreadlineApp._after_first_frame = first_frame_done
            app = build_app(build_parser().parse_args([]))

            async def pilot(p):
                main = app.main
                for _ in range(2000):  # the store, the thread, the pane, the backend
                    if main.messages.online and main.query("InspectorPane"):
                        break
                    await p.pause(0.01)
                seen["later"] = loaded()
                app.exit()

            app.run(headless=True, size=(120, 40), auto_pilot=pilot)
            print("LOADED " + json.dumps(seen))
        """
    )
    first, later = found["first"], found["later"]  # type: ignore[index]
    assert [name for name, is_loaded in first.items() if is_loaded] == []  # type: ignore[attr-defined]
    # After it: the client, the server, the driver and the pane did load (markdown and the
    # message views load when a message is shown; this start has no thread).
    for name in ("httpx", "threadline.server", "threadline.core.driver", "threadline.api._objects"):
        assert later[name], name  # type: ignore[index]
    assert later["threadline.tui.widgets.inspector.pane"]  # type: ignore[index]
