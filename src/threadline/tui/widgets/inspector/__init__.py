"""The run and step inspector: one module per part, :class:`InspectorPane` puts them together.

- ``pane``: the pane, its seam with the screens, its actions;
- ``sources``: where runs, steps, events and messages come from;
- ``records``: the raw events of a conversation's streams, recorded as they arrive;
- ``run_list``, ``run_view``, ``steps_view`` + ``tool_calls``, ``events_view`` + ``event_log``:
  the widgets; ``format``: pure text helpers; ``host``: what a screen adds to host it.
"""

from .host import InspectorHost
from .pane import InspectorPane

__all__ = ["InspectorHost", "InspectorPane"]
