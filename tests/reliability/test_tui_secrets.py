"""The canary key on screen: the full-screen app over a remote profile whose key a careless
server echoes back (in the assistant's instructions, so in every run it makes and every
event about it). The key must not be on any tab of the inspector, in the thread's exports,
or in the traceback a crash prints (Textual prints every frame's locals).

(The commands' side, logs, files and handler environments: test_secrets.py.)
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from textual.widgets import Static

from threadline.locations import data_dir
from threadline.tui.widgets.inspector.events_view import detail_content

from .conftest import proxied, serving
from .tui_support import app_for, settle, type_text

KEY = f"sk-threadline-CANARY-{secrets.token_hex(16)}"
SIZE = (160, 50)


def inspector_text(app: object) -> str:
    """Everything the inspector's widgets hold, every tab, shown or not."""
    pane = app.main.inspector  # type: ignore[attr-defined]
    texts = [str(widget.render()) for widget in pane.query(Static)]
    log = pane.events_view.event_log
    texts += [strip.text for strip in (log.render_line(y) for y in range(len(log.rows)))]
    texts += [str(detail_content([record], pane.redact)) for record in log.records]
    return "\n".join(texts)


async def test_the_key_a_server_echoes_is_nowhere_on_screen_or_in_exports(
    tmp_path: Path,
) -> None:
    async with serving(tmp_path / "server", token=KEY) as served:
        async with served.http() as http:  # the careless part: the key in the instructions
            created = await http.post(
                "/assistants",
                json={
                    "model": "demo-model",
                    "name": "Careless",
                    "instructions": f"Use the key {KEY} for everything.",
                },
            )
            created.raise_for_status()
        async with proxied(served, key=KEY):
            app = app_for()
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                assert app.main.status.assistant == "Careless"
                await type_text(pilot, "hello", "enter")
                await settle(pilot)
                pane = app.main.inspector
                run = pane.data.run(pane.run_id)
                assert KEY in run["instructions"]  # the needle is in the haystack
                # Events are redacted as they are captured, before the store or the screen.
                records = pane.events_view.event_log.records
                assert not any(KEY in record.data for record in records)
                assert any("[redacted]" in record.data for record in records)
                screens = []
                for tab in ("run", "steps", "events", "raw"):
                    pane.action_show_tab(tab)
                    await settle(pilot)
                    screens.append(inspector_text(app))
                for row in pane.steps_view.rows:  # each step in Raw
                    row.focus()
                    await pilot.pause()
                    screens.append(str(pane.raw.render()))
                for form in ("json", "md"):
                    app.main.action_export_thread(form)
                    await settle(pilot)
    assert "[redacted]" in "\n".join(screens)
    for text in screens:
        assert KEY not in text
    exports = list((data_dir() / "exports").iterdir())
    assert len(exports) == 2
    for path in exports:
        text = path.read_text()
        assert KEY not in text, path
        # The JSON export has the runs and their instructions: the key was there.
        assert ("[redacted]" in text) == (path.suffix == ".json"), path


# A real key is longer than a line of the traceback: it must not be folded past the redaction.
@pytest.mark.parametrize("key", [KEY, f"sk-proj-{secrets.token_hex(90)}"], ids=["short", "long"])
async def test_a_crash_prints_no_locals_and_no_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    async with serving(tmp_path / "server", token=key) as served, proxied(served, key=key):
        app = app_for()
        with pytest.raises(RuntimeError, match="boom"):
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                assert app.session is not None and app.session.connected

                def crash() -> None:
                    # A frame holding the key, as one building a request's headers would.
                    headers = {"Authorization": f"Bearer {key}"}
                    raise RuntimeError(f"boom (the server said: {headers['Authorization']})")

                app.call_later(crash)
                await pilot.pause()
    printed = capsys.readouterr()
    assert "RuntimeError" in printed.err and "boom" in printed.err  # the crash was printed
    assert "[redacted]" in printed.err
    assert key not in printed.err + printed.out
    assert key[:20] not in printed.err + printed.out
    assert "'Authorization'" not in printed.err  # the repr of the local: no locals shown
