"""The kinds of file an import takes, in a light module (the command line reads it at start)."""

from __future__ import annotations

__all__ = ["IMPORT_KINDS"]

IMPORT_KINDS = ("activity", "population", "imd", "need", "postcodes")
