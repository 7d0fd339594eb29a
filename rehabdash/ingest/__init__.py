"""Import pipeline: readers, column mapping, normalisation, validation, commit (DESIGN 3, 4, 12).

Each ``prepare_*`` function takes a file and returns a :class:`PreparedImport`
(canonical rows, failure table, rejected rows to fix) without touching a database;
:func:`import_prepared` commits one to the store as an audited batch, and
:func:`import_file` does both. ``ImportFileError`` is the one error about a file a
caller shows the user; the store's refusals are ``StoreError`` s.
"""

from __future__ import annotations

from rehabdash.ingest.area_lookup_file import prepare_areas
from rehabdash.ingest.commit import (
    DuplicateFileError,
    ImportResult,
    ReplacementLossError,
    StrictModeError,
    import_prepared,
)
from rehabdash.ingest.errors import ImportCancelled, ImportFileError
from rehabdash.ingest.importer import import_file, prepare_file
from rehabdash.ingest.mapping import ColumnMapping, MappingSuggestion, suggest_mapping
from rehabdash.ingest.overlaps import find_overlaps
from rehabdash.ingest.pipeline import (
    PreparedImport,
    prepare_activity,
    prepare_imd,
    prepare_need,
    prepare_population,
)
from rehabdash.ingest.pseudonymise import pseudonymise
from rehabdash.ingest.sites import prepare_sites

__all__ = [
    "ColumnMapping",
    "DuplicateFileError",
    "ImportCancelled",
    "ImportFileError",
    "ImportResult",
    "MappingSuggestion",
    "PreparedImport",
    "ReplacementLossError",
    "StrictModeError",
    "find_overlaps",
    "import_file",
    "import_prepared",
    "prepare_activity",
    "prepare_areas",
    "prepare_file",
    "prepare_imd",
    "prepare_need",
    "prepare_population",
    "prepare_sites",
    "pseudonymise",
    "suggest_mapping",
]
