"""prepare_activity: file in, canonical pseudonymised referrals and a failure report out.

Read (any layout DESIGN 4.1 lists) -> map columns -> normalise to NHS codes ->
validate (reject only the impossible; warn on invalid codes) -> pseudonymise ->
canonical columns in a fixed order. No database and no Qt: the store wires this in
and commits ``rows`` in one transaction. Population, IMD and need tables have
their own ``prepare_*`` functions, re-exported here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rehabdash.ingest.activity_schema import KEY_COUNT, REFERRAL_ID_NHS, ActivitySchema
from rehabdash.ingest.contacts import is_contact_level, referrals_from_contacts
from rehabdash.ingest.fields import (
    ACTIVITY_OUTPUT_SCHEMA,
    ACTIVITY_SYNONYMS,
    vocabulary,
)
from rehabdash.ingest.imd import prepare_imd
from rehabdash.ingest.mapping import ColumnMapping
from rehabdash.ingest.need import prepare_need
from rehabdash.ingest.normalise import (
    nhs_digits,
    normalise_activity,
    normalise_postcode,
    trimmed,
)
from rehabdash.ingest.population import prepare_population
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps, read_bytes
from rehabdash.ingest.pseudonymise import holds_nhs_number, pseudonymise, pseudonymise_where
from rehabdash.ingest.readers import MISALIGNED, ROW, RawTable, read_table
from rehabdash.ingest.rejects import FIX_COLUMNS
from rehabdash.ingest.resolve import resolve_mapping

__all__ = [
    "PART_ROWS",
    "ActivitySource",
    "PreparedImport",
    "open_activity",
    "prepare_activity",
    "prepare_imd",
    "prepare_need",
    "prepare_population",
    "resolve_mapping",
]

_VOCABULARY = vocabulary(ACTIVITY_SYNONYMS)


PART_ROWS = 200_000  # rows per part when an import streams a file through the store
FIRST_PART_ROWS = 50_000


def prepare_activity(
    path: str | Path,
    *,
    key: bytes,
    today: dt.date,
    sheet: str | int | None = None,
    mapping: ColumnMapping | None = None,
    provider_code: str | None = None,
    known_lsoas: set[str] | frozenset[str] | None = None,
    postcode_lookup: PostcodeLookup | None = None,
    saved_mapping: Callable[[Sequence[str]], ColumnMapping | None] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare one activity extract for the store (see the module docstring).

    ``saved_mapping(headers)``: when no ``mapping`` is given, a saved template for
    these headers (the store's newest matching one), applied and noted if found.
    """
    source = open_activity(
        path,
        key=key,
        today=today,
        sheet=sheet,
        mapping=mapping,
        provider_code=provider_code,
        known_lsoas=known_lsoas,
        postcode_lookup=postcode_lookup,
        saved_mapping=saved_mapping,
        progress=progress,
        cancel=cancel,
    )
    return source.prepare(steps=Steps(progress, cancel))


def open_activity(
    path: str | Path,
    *,
    key: bytes,
    today: dt.date,
    sheet: str | int | None = None,
    mapping: ColumnMapping | None = None,
    provider_code: str | None = None,
    known_lsoas: set[str] | frozenset[str] | None = None,
    postcode_lookup: PostcodeLookup | None = None,
    saved_mapping: Callable[[Sequence[str]], ColumnMapping | None] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ActivitySource:
    """Read and map an activity extract; its rows are prepared later, whole or in parts."""
    if not key:
        raise ValueError("a non-empty pseudonymisation key is required")
    path = Path(path)
    step = Steps(progress, cancel)
    step(0.0, "Reading the file")
    data, sha = read_bytes(path)
    table = read_table(path, data, sheet=sheet, vocabulary=_VOCABULARY)
    del data
    step(0.3, "Mapping columns")
    saved_note: list[str] = []
    partial = mapping if mapping is not None and mapping.partial else None
    if partial is not None:  # the user's --map/--drop go on top of a saved or suggested one
        mapping = None
    if mapping is None and saved_mapping is not None:
        mapping = saved_mapping(table.headers)
        if mapping is not None:
            saved_note.append(
                f"applied the saved mapping {mapping.name!r} (version {mapping.version}): "
                "this file's headers match it"
            )
    used, notes = resolve_mapping(path, table, mapping, provider_code, partial)
    lookup = _postcodes_of(table, used.fields, postcode_lookup)
    notes = saved_note + notes + _privacy_notes(used.fields, table, lookup, known_lsoas)
    return ActivitySource(
        path=path,
        table=table,
        mapping=used,
        notes=table.notes + notes,
        file_sha256=sha,
        key=key,
        today=today,
        provider_code=provider_code,
        known_lsoas=None if known_lsoas is None else frozenset(known_lsoas),
        postcode_lookup=lookup,
        cancel=cancel,
    )


#: A postcode -> LSOA table, or a function giving one for the file's (normalised) postcodes.
PostcodeLookup = pl.DataFrame | Callable[[Sequence[str]], pl.DataFrame | None]


def _postcodes_of(
    table: RawTable, fields: dict[str, str], lookup: PostcodeLookup | None
) -> pl.DataFrame | None:
    """The lookup for this file: only when it has a postcode column to look up."""
    if "postcode" not in fields or lookup is None:
        return None
    if isinstance(lookup, pl.DataFrame):
        return lookup
    codes = normalise_postcode(pl.col(fields["postcode"]))
    wanted = table.frame.select(codes.drop_nulls().unique()).to_series().to_list()
    return lookup(wanted)


@dataclass
class ActivitySource:
    """An activity extract read and mapped, its rows not yet prepared.

    It carries the file-level facts a :class:`PreparedImport` has (name, hash,
    mapping, notes, rows read), so the store can commit it part by part: each part
    is a :class:`PreparedImport` of a slice of the rows, validated with the whole
    file's duplicate counts, so the parts together equal :meth:`prepare` of all rows.
    """

    path: Path
    table: RawTable
    mapping: ColumnMapping
    notes: list[str]
    file_sha256: str
    key: bytes
    today: dt.date
    provider_code: str | None = None
    known_lsoas: frozenset[str] | None = None
    postcode_lookup: pl.DataFrame | None = None
    cancel: CancelFn | None = None
    kind: str = "activity"

    @property
    def source_name(self) -> str:
        return self.path.name

    @property
    def rows_read(self) -> int:
        return self.table.frame.height

    @property
    def sheet(self) -> str | None:
        return self.table.sheet

    @property
    def header_row(self) -> int:
        return self.table.header_row

    @property
    def footer_note(self) -> str | None:
        return self.table.footer_note

    def prepare(
        self,
        start: int = 0,
        length: int | None = None,
        *,
        key_counts: pl.Series | None = None,
        steps: Steps | None = None,
    ) -> PreparedImport:
        """Rows ``start`` to ``start + length`` (all by default) prepared for the store.

        ``key_counts``: for each row of the whole file, how many rows share its
        provider + referral id (:meth:`key_counts`), so a part still rejects a
        referral repeated in another part.
        """
        step = steps or Steps(None, self.cancel)
        frame = self.table.frame.slice(start, length)
        fields = self.mapping.fields
        step(0.4, "Normalising values")
        # Hashing identifiers is Python work holding the GIL; polars releases it, so the
        # two run side by side on two cores.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pseudonymise") as pool:
            hashing = pool.submit(_hash_identifiers, frame, fields, self.key)
            work = normalise_activity(
                frame,
                fields,
                today=self.today,
                provider_code=self.provider_code,
                postcode_lookup=self.postcode_lookup,
            )
            work = work.with_columns(hashing.result())
        work = _protect_referral_ids(work, self.key)
        notes = list(self.notes)
        if is_contact_level(fields):
            work, rolled_up = referrals_from_contacts(work)
            notes += rolled_up
        if key_counts is not None:
            work = work.with_columns(key_counts.slice(start, frame.height).alias(KEY_COUNT))
        step(0.6, "Validating rows")
        headers = dict(fields)
        headers.setdefault("provider_code", "provider code (default)")
        schema = ActivitySchema(today=self.today, known_lsoas=self.known_lsoas)
        keep = [c for c in (ROW, *ACTIVITY_OUTPUT_SCHEMA) if c in work.columns]
        result = schema.filter(work, headers, keep=keep)
        del work  # the working frame (text and parsed copies) is no longer needed
        step(0.8, "Pseudonymising identifiers")
        rows = _canonical(result.valid)
        # A fixed rows-to-fix file brings old row numbers and reasons: the new ones replace them.
        rejected = (
            frame.drop(*FIX_COLUMNS, MISALIGNED, strict=False)
            .join(result.rejected_rows, on=ROW, how="inner", maintain_order="left")
            .rename({ROW: "source_row"})
        )
        step(1.0, "Prepared")
        return PreparedImport(
            kind="activity",
            rows=rows,
            rejected_source=rejected,
            failures=result.failures,
            rule_counts=result.rule_counts,
            rows_read=frame.height,
            file_sha256=self.file_sha256,
            source_name=self.source_name,
            header_row=self.header_row,
            sheet=self.sheet,
            footer_note=self.footer_note,
            notes=notes,
            mapping=self.mapping,
            row_numbers=result.valid[ROW].rename("source_row"),
        )

    def keys(self) -> pl.DataFrame | None:
        """Provider + referral id of every row, normalised as the store keeps them
        (None when the file has no referral id)."""
        fields = {
            f: h for f, h in self.mapping.fields.items() if f in ("provider_code", "referral_id")
        }
        if "referral_id" not in fields:
            return None
        frame = self.table.frame.select(ROW, *set(fields.values()))
        keys = normalise_activity(frame, fields, today=self.today, provider_code=self.provider_code)
        return _protect_referral_ids(keys, self.key).select("provider_code", "referral_id")

    def key_counts(self) -> pl.Series | None:
        """Per row of the file: rows sharing its provider + referral id (None without ids)."""
        keys = self.keys()
        if keys is None:
            return None
        return keys.select(pl.len().over("provider_code", "referral_id").alias(KEY_COUNT))[
            KEY_COUNT
        ]

    def parts(self, part_rows: int | None = None) -> Iterator[PreparedImport]:
        """The file's rows prepared slice by slice (each slice a PreparedImport).

        The first slice is small, so the store starts writing soon after reading.
        """
        if is_contact_level(self.mapping.fields):  # a referral's contacts must meet in one part
            yield self.prepare(steps=Steps(None, self.cancel))
            return
        part_rows = part_rows or PART_ROWS
        counts = self.key_counts()
        steps = Steps(None, self.cancel)
        start, size = 0, min(part_rows, FIRST_PART_ROWS)
        while start < self.rows_read or start == 0:
            yield self.prepare(start, size, key_counts=counts, steps=steps)
            start, size = start + size, part_rows


def _privacy_notes(
    fields: dict[str, str],
    table: RawTable,
    lookup: pl.DataFrame | None,
    known: set[str] | frozenset[str] | None,
) -> list[str]:
    notes = []
    if "postcode" in fields:
        with_pc = table.frame.height - trimmed(table.frame[fields["postcode"]]).null_count()
        if lookup is None:
            notes.append(
                f"warning: postcode column {fields['postcode']!r} dropped without use "
                f"({with_pc:,} rows had a postcode): the store holds no postcode directory "
                "(load the ONS Postcode Directory with: rehabdash import postcodes FILE)"
            )
        else:
            notes.append(
                f"derived LSOA from postcode where needed; postcode column "
                f"{fields['postcode']!r} dropped"
            )
    if "date_of_birth" in fields:
        notes.append("date of birth reduced to age at referral and age band, then dropped")
    if ("lsoa" in fields or ("postcode" in fields and lookup is not None)) and known is None:
        notes.append("warning: LSOA codes were not checked against an area lookup (none supplied)")
    return notes


def _hash_identifiers(frame: pl.DataFrame, fields: dict[str, str], key: bytes) -> list[pl.Series]:
    """``person_key`` and ``nhs_number_key`` for every row (nulls where blank/invalid)."""
    out = [pseudonymise(trimmed(frame[fields["person_id"]]), key).alias("person_key")]
    if "nhs_number" in fields:
        digits = nhs_digits(trimmed(frame[fields["nhs_number"]]))
        out.append(pseudonymise(digits, key).alias("nhs_number_key"))
    return out


def _protect_referral_ids(work: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """A referral id stored in clear must not be an NHS number: one that holds a valid
    NHS number is stored as its pseudonym (the same every time, so duplicates and
    replacements still match), and flagged for a warning."""
    if "referral_id" not in work.columns:
        return work
    found = holds_nhs_number(work["referral_id"])
    if not found.any():
        return work
    return work.with_columns(
        pseudonymise_where(work["referral_id"], found, key), found.alias(REFERRAL_ID_NHS)
    )


def _canonical(valid: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows in the canonical column order and dtypes (identifiers already hashed)."""
    return valid.select(
        (pl.col(name) if name in valid.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in ACTIVITY_OUTPUT_SCHEMA.items()
    )
