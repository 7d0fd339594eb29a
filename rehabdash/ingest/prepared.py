"""What every ``prepare_*`` function returns, and the plumbing they share.

:class:`PreparedImport` is everything the store needs to commit an import batch
(accepted rows in canonical form, the failure table, per-rule counts, provenance)
and everything the data officer needs to fix a file (the rejected rows with their
original columns and reasons, exportable as CSV or XLSX).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import polars as pl

from rehabdash.ingest.errors import ImportCancelled, ImportFileError
from rehabdash.ingest.mapping import ColumnMapping

__all__ = ["CancelFn", "ImportSource", "PreparedImport", "ProgressFn", "Steps", "read_bytes"]

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


class ImportSource(Protocol):
    """What the store records about a file, whether its rows come whole or in parts."""

    @property
    def kind(self) -> str: ...
    @property
    def source_name(self) -> str: ...
    @property
    def file_sha256(self) -> str: ...
    @property
    def rows_read(self) -> int: ...
    @property
    def header_row(self) -> int: ...
    @property
    def sheet(self) -> str | None: ...
    @property
    def footer_note(self) -> str | None: ...
    @property
    def notes(self) -> list[str]: ...
    @property
    def mapping(self) -> ColumnMapping | None: ...


@dataclass
class PreparedImport:
    """The outcome of preparing one file; nothing has touched the store yet.

    ``rejected_source`` holds the rejected rows as they were in the file (clear
    identifiers included, so they can be fixed and re-imported): write it only to a
    file the user chooses, never to the store.
    """

    kind: str
    rows: pl.DataFrame
    rejected_source: pl.DataFrame
    failures: pl.DataFrame
    rule_counts: pl.DataFrame
    rows_read: int
    file_sha256: str
    source_name: str
    header_row: int
    sheet: str | None = None
    footer_note: str | None = None
    notes: list[str] = field(default_factory=list)
    mapping: ColumnMapping | None = None
    #: For activity: the source row (as the user sees it) of each accepted row, aligned
    #: with ``rows``, so the store can point at rows it refuses (already imported).
    row_numbers: pl.Series | None = None

    @property
    def rows_accepted(self) -> int:
        return self.rows.height

    @property
    def rows_rejected(self) -> int:
        return self.rejected_source.height

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejected rows (original columns, ``source_row``, ``reasons``) as
        :func:`rehabdash.ingest.rejects.write_rows_to_fix` does."""
        from rehabdash.ingest.rejects import write_rows_to_fix  # it imports this module

        return write_rows_to_fix(self.rejected_source, path)


class Steps:
    """Reports progress and honours cancellation between pipeline steps."""

    def __init__(self, progress: ProgressFn | None, cancel: CancelFn | None) -> None:
        self._progress = progress
        self._cancel = cancel

    def __call__(self, fraction: float, message: str) -> None:
        if self._cancel is not None and self._cancel():
            raise ImportCancelled(f"cancelled while {message.lower()}")
        if self._progress is not None:
            self._progress(fraction, message)


def read_bytes(path: Path) -> tuple[bytes, str]:
    """The file's bytes and their SHA-256 (the store refuses a file imported twice)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise ImportFileError(path, "this is a folder, not a file") from None
    except OSError as exc:
        raise ImportFileError(path, f"the file cannot be opened ({exc.strerror})") from None
    return data, hashlib.sha256(data).hexdigest()
