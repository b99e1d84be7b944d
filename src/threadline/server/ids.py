"""Object ids in the hosted API's form: a type prefix and 24 random letters and digits."""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """``asst_``, ``thread_``, ``msg_``, ``run_``, ``step_`` or ``call_`` plus 24 characters."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(24))
