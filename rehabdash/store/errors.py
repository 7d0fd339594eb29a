"""The one exception type the store raises for problems a user can act on."""

from __future__ import annotations

__all__ = ["StoreError"]


class StoreError(Exception):
    """A store that cannot be opened or written; the message is one plain line."""
