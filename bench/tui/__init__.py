"""Driving the TUI figures: the child programs (Threadline's app, the stock baselines), the
instrumentation inside them (``probe``), and the parent side that runs them under a pty."""
