"""Exceptions for problems a user can act on (kept free of heavy imports: the CLI and the
window load this before anything else)."""

from __future__ import annotations

__all__ = ["StoreError"]


class StoreError(Exception):
    """A store that cannot be opened or written; the message is one plain line."""
