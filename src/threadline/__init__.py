"""Threadline: a terminal client for Assistants API runs."""

__version__ = "0.1.0"
