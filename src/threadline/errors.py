"""The base of every error that is the user's to fix, shown as one line, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the user (a file, a flag, a config key): one line, exit code 2."""

    exit_code = 2
