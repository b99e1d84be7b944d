"""Threadline's benchmark suite: each figure of issue 9 next to its stock baseline.

Run it with ``python -m bench`` (or ``make bench``); ``bench/README.md`` says how each
figure is measured and why that way.
"""
