"""The run and step inspector: one module per part, :class:`InspectorPane` puts them together.

- ``pane``: the pane, its seam with the screens, its actions;
- ``sources``: where runs, steps, events and messages come from;
- ``records``: the raw events of a conversation's streams, recorded as they arrive;
- ``run_list``, ``run_view``, ``steps_view`` + ``tool_calls``, ``events_view`` + ``event_log``:
  the widgets; ``format``: pure text helpers; ``host``: what a screen adds to host it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadline.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from .host import InspectorHost
    from .pane import InspectorPane

__all__ = ["InspectorHost", "InspectorPane"]

# Loaded on first use (PEP 562): the main screen's class needs the host mixin, and mounts
# the pane (with its widgets and the api models) after the app's first frame.
_EXPORTS = {"InspectorHost": "host", "InspectorPane": "pane"}


__getattr__ = lazy_exports(__name__, _EXPORTS)
