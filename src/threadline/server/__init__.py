"""The embedded Assistants-compatible server: ASGI app, SQLite store, run life cycle, engines.

It imports the wire models of :mod:`threadline.api` and nothing else of Threadline.
"""
