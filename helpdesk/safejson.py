"""The one reader of JSON that comes from outside: request bodies, cursors, webhooks, remote answers.

Python's parser recurses once per level of nesting, so a body of 100,000 ``[`` raises
``RecursionError``, which no ``except ValueError`` catches: it reached the 500 handler and
logged a traceback per request. Here that, and anything nested deeper than any of our inputs
needs, is a ``ValueError`` (a ``JSONDecodeError``'s base) that every caller already handles.
"""

from __future__ import annotations

import json
from typing import Any

# Our deepest real input (a Zendesk or Zoho answer) nests about ten levels.
MAX_DEPTH = 64


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"JSON nested deeper than {MAX_DEPTH} levels")


def check_depth(value: Any) -> None:
    """Raise ``TooDeep`` when ``value`` nests lists and dicts deeper than ``MAX_DEPTH`` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > MAX_DEPTH:
            raise TooDeep
        stack.extend((child, depth + 1) for child in children)


def loads(text: str | bytes, **options: Any) -> Any:
    """``json.loads`` that refuses deep nesting with ``ValueError`` instead of ``RecursionError``."""
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise TooDeep from None
    check_depth(value)
    return value
