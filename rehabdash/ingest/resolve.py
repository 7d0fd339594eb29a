"""Which column feeds which field for one activity file: given, saved or suggested, then checked.

The mapping comes whole (the wizard's table, ``--mapping``, a saved template whose
headers match) or is suggested from the headers and values; the user's own choices
(``--map FIELD=COLUMN``, ``--drop COLUMN``: a *partial* mapping) go on top of either.
Before any row is prepared, the result must map every required field unambiguously,
take no duplicated header by guesswork, store no identifier in clear and leave no
column that looks like a field silently unmapped (:mod:`rehabdash.ingest.mapping_checks`);
otherwise one ImportFileError lists everything to fix.
"""

from __future__ import annotations

from pathlib import Path

from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.fields import INPUT_FIELDS, REQUIRED_FIELDS, describe_field
from rehabdash.ingest.header_match import names_some_field
from rehabdash.ingest.mapping import ColumnMapping, header_signature, suggest_mapping
from rehabdash.ingest.mapping_checks import (
    duplicate_header_problems,
    identifier_leaks,
    unmapped_lookalikes,
)
from rehabdash.ingest.readers import RawTable

__all__ = ["resolve_mapping"]


def _check_names(path: Path, table: RawTable, mapping: ColumnMapping, what: str) -> None:
    missing = mapping.missing_headers(table.headers)
    if missing:
        raise ImportFileError(
            path, f"{what} names columns this file does not have: " + ", ".join(map(repr, missing))
        )
    unknown = sorted(set(mapping.fields) - set(INPUT_FIELDS))
    if unknown:
        raise ImportFileError(
            path,
            f"{what} names unknown fields: "
            + ", ".join(unknown)
            + " (rehabdash mapping fields lists them)",
        )


def _apply_choices(
    path: Path, table: RawTable, fields: dict[str, str], partial: ColumnMapping | None
) -> set[str]:
    """Put the user's --map choices on ``fields`` (in place); returns the columns chosen."""
    if partial is None:
        return set()
    _check_names(path, table, partial, "--map")
    absent = sorted(set(partial.dropped) - set(table.headers))
    if absent:
        raise ImportFileError(
            path, "--drop names columns this file does not have: " + ", ".join(map(repr, absent))
        )
    for fld, column in partial.fields.items():
        for other in [f for f, c in fields.items() if c == column]:
            del fields[other]  # a column feeds one field: the user's choice wins
        fields[fld] = column
    return set(partial.fields.values())


def resolve_mapping(
    path: Path,
    table: RawTable,
    mapping: ColumnMapping | None,
    provider_code: str | None,
    partial: ColumnMapping | None = None,
) -> tuple[ColumnMapping, list[str]]:
    """The mapping to use and notes about it; ImportFileError listing what to fix."""
    notes: list[str] = []
    ambiguous: dict[str, list[str]] = {}
    if mapping is not None:
        _check_names(path, table, mapping, "the mapping")
        fields, guessed = dict(mapping.fields), {}
        dropped = {h for h in mapping.dropped if h in table.headers}
    else:
        suggestion = suggest_mapping(table.frame, table.headers)
        # A data row taken as the header names no field; its cells (values, perhaps
        # identifiers) must not be listed back as "columns found".
        if not names_some_field(table.headers):
            # Listing the "headers" would show a row of data: say so instead.
            raise ImportFileError(
                path,
                "the row taken as the header names none of the known fields: does the file "
                "start with a header row? (Map the columns in the wizard, or give --mapping)",
                row=table.header_row,
            )
        fields, ambiguous = dict(suggestion.mapping.fields), suggestion.ambiguous
        guessed = dict(fields)
        dropped = set()
        for fld, cand in suggestion.reasons.items():
            if cand.reason != "its name" and not cand.reason.startswith("its name, and"):
                notes.append(
                    f"mapped {cand.header!r} to {describe_field(fld)}: {cand.reason} "
                    f"({cand.confidence:.0%} sure)"
                )
    chosen = _apply_choices(path, table, fields, partial)
    dropped |= set(partial.dropped) if partial is not None else set()
    for fld in [f for f, c in fields.items() if c in dropped and c not in chosen]:
        del fields[fld]
    required = _required_problems(fields, ambiguous, provider_code)
    problems = list(required)
    problems += duplicate_header_problems(table.duplicate_headers, guessed, chosen | dropped)
    problems += identifier_leaks(table.frame, fields)
    lookalikes = unmapped_lookalikes(table.frame, table.headers, fields, dropped)
    if lookalikes:
        problems.append(
            "these columns may hold fields but are not mapped: "
            + "; ".join(item.describe() for item in lookalikes)
            + ". Map each (--map FIELD=COLUMN) or drop it (--drop COLUMN)"
        )
    if problems:
        what = "the required fields" if required else "the columns"
        raise ImportFileError(
            path,
            f"map {what} before importing: "
            + "; ".join(problems)
            + ". Columns found: "
            + ", ".join(repr(h) for h in table.headers),
        )
    for fld, headers in ambiguous.items():
        if fld not in fields:
            names = ", ".join(map(repr, headers))
            notes.append(f"{describe_field(fld)} not mapped: several columns match ({names})")
    used = ColumnMapping(
        kind="activity",
        fields=fields,
        header_signature=header_signature(table.headers),  # of the file it was used on
        name=mapping.name if mapping is not None else None,
        version=mapping.version if mapping is not None else 1,
        dropped=sorted(dropped),
    )
    mapped = set(fields.values())
    unused = [h for h in table.headers if h not in mapped]
    if unused:
        notes.append(
            f"dropped {len(unused)} unmapped column(s): " + ", ".join(repr(h) for h in unused)
        )
    return used, notes


def _required_problems(
    fields: dict[str, str], ambiguous: dict[str, list[str]], provider_code: str | None
) -> list[str]:
    problems = []
    for fld in REQUIRED_FIELDS:
        if fld == "provider_code" and provider_code:
            continue
        if fld in fields:
            continue
        if fld in ambiguous:
            names = ", ".join(map(repr, ambiguous[fld]))
            problems.append(f"{describe_field(fld)} matches several columns ({names})")
        else:
            problems.append(f"{describe_field(fld)} has no column")
    return problems
