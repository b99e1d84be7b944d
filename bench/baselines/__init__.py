"""Minimal stock Textual apps, the baselines of the TUI figures. They use only Textual's own
widgets in their default ways (``Markdown``, ``MarkdownStream``, ``anchor()``), laid out
like Threadline's main screen so both sides paint the same geometry."""
