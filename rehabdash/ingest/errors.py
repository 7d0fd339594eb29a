"""Errors the import pipeline raises at its boundary.

A data officer must never meet a traceback: anything that makes a file unreadable
becomes an :class:`ImportFileError` whose message names the file and, where it
applies, the row, the column and the reason, so the GUI and CLI can show it as is. The reason
is scrubbed of anything shaped like an identifier (:mod:`rehabdash.ingest.scrub`),
because it is also stored in the failed batch's audit row.
"""

from __future__ import annotations

from pathlib import Path

from rehabdash.ingest.scrub import scrub

__all__ = ["ImportCancelled", "ImportFileError"]


class ImportFileError(Exception):
    """The file cannot be imported at all (empty, not a table, required field unmapped...)."""

    def __init__(
        self,
        path: str | Path,
        reason: str,
        *,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason = scrub(reason)  # a reason may quote file content; never an identifier
        self.row = row
        self.column = column
        where = []
        if row is not None:
            where.append(f"row {row:,}")
        if column is not None:
            where.append(f"column {column!r}")
        place = f" ({', '.join(where)})" if where else ""
        super().__init__(f"{self.path.name}{place}: {self.reason}")


class ImportCancelled(Exception):
    """The caller's ``cancel()`` returned True between two steps; nothing was produced."""
