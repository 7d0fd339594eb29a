"""Import pipeline: readers, column mapping, normalisation, validation (DESIGN 4, 12).

Qt-free and database-free: each ``prepare_*`` function takes a file and returns a
:class:`PreparedImport` (canonical rows, failure table, rejected rows to fix); the
store commits it. ``ImportFileError`` is the one error a caller shows the user.
"""

from __future__ import annotations

from rehabdash.ingest.errors import ImportCancelled, ImportFileError
from rehabdash.ingest.mapping import ColumnMapping, MappingSuggestion, suggest_mapping
from rehabdash.ingest.pipeline import (
    PreparedImport,
    prepare_activity,
    prepare_imd,
    prepare_need,
    prepare_population,
)

__all__ = [
    "ColumnMapping",
    "ImportCancelled",
    "ImportFileError",
    "MappingSuggestion",
    "PreparedImport",
    "prepare_activity",
    "prepare_imd",
    "prepare_need",
    "prepare_population",
    "suggest_mapping",
]
