"""prepare_postcodes: the ONS postcode directory (postcode -> LSOA 2011 and 2021), issue 13.

Extracts that carry the patient's postcode but no LSOA get their LSOA from this
table at import; the postcode itself is then dropped, as always (DESIGN 4.1). The
layout is the ONS Postcode Directory's (ONSPD) or the National Statistics Postcode
Lookup's (NSPL): ``pcds`` (or ``pcd``, ``pcd2``), ``lsoa11`` and ``lsoa21`` (or their
``...cd`` forms), any other columns ignored; a regional file of the multi-CSV
release works as well as the whole of the UK. Postcodes outside England and Wales,
or with no LSOA, are left out and counted; a malformed postcode is a rejected row.

The whole-UK CSV is about 2.7 million rows by some 50 columns (1.3 GB): a CSV whose
first line names the columns is scanned for those three only, and hashed as it streams,
so it never sits in memory whole. Anything else (a workbook, title rows) goes through
the reader every import uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.header_match import POSTCODE_PATTERN
from rehabdash.ingest.normalise import normalise_postcode
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps
from rehabdash.ingest.readers import ROW, RawTable
from rehabdash.ingest.reference_tables import find_column, finish, open_table
from rehabdash.ingest.validate import REJECTED, Rule, Schema

__all__ = ["POSTCODE_SCHEMA", "postcode_lookup", "prepare_postcodes"]

POSTCODE_SCHEMA: dict[str, pl.DataType] = {
    "postcode": pl.Utf8(),
    "lsoa11": pl.Utf8(),
    "lsoa21": pl.Utf8(),
}
POSTCODE = ("pcds", "pcd", "pcd2", "postcode", "post code", "pcd7", "pcd8")
LSOA11 = ("lsoa11", "lsoa11cd", "lsoa 2011", "lsoa code 2011", "lsoa11 code")
LSOA21 = ("lsoa21", "lsoa21cd", "lsoa 2021", "lsoa code 2021", "lsoa21 code")
_LSOA = r"^[EW]01[0-9]{6}$"
_CHUNK = 5_000  # postcodes per lookup query


class _PostcodeSchema(Schema):
    def rules(self, frame: pl.DataFrame) -> list[Rule]:
        return [
            Rule(
                "postcode_invalid",
                REJECTED,
                "postcode",
                pl.col("postcode").is_null(),
                "postcode is missing or not a postcode",
            ),
            Rule(
                "duplicate_postcode",
                REJECTED,
                "postcode",
                (pl.len().over("postcode") > 1) & pl.col("postcode").is_not_null(),
                "postcode appears more than once",
            ),
        ]


def _lsoa(header: str | None) -> pl.Expr:
    if header is None:
        return pl.lit(None, dtype=pl.Utf8)
    code = pl.col(header).str.strip_chars().str.to_uppercase()
    return pl.when(code.str.contains(_LSOA)).then(code).otherwise(None)


def _scan_csv(path: Path, step: Steps) -> tuple[Path, RawTable, str] | None:
    """The directory's three columns, scanned from a CSV with its header on line 1
    (None when it is not such a file: the general reader takes it)."""
    from rehabdash.ingest.importer import file_sha256

    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    try:
        with path.open("rb") as fh:
            first = fh.readline(64_000).decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    headers = [h.strip().strip('"') for h in first.rstrip("\r\n").split(",")]
    if find_column(headers, POSTCODE) is None or not (
        find_column(headers, LSOA11) or find_column(headers, LSOA21)
    ):
        return None
    if len({clean_key(h) for h in headers}) < len(headers):
        return None  # repeated headers: the general reader names and reports them
    step(0.0, "Reading the postcode directory")
    wanted = [h for h in (find_column(headers, n) for n in (POSTCODE, LSOA11, LSOA21)) if h]
    frame = (
        pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy")
        .select(wanted)
        .with_row_index(ROW, offset=2)  # line 1 is the header
        .with_columns(pl.col(ROW).cast(pl.Int64))
        .collect()
    )
    sha = file_sha256(path)
    if sha is None:
        raise ImportFileError(path, "the file cannot be opened")
    step(0.4, "Checking rows")
    return path, RawTable(frame=frame, headers=wanted, header_row=1), sha


def prepare_postcodes(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare a postcode directory (see the module docstring)."""
    step = Steps(progress, cancel)
    path = Path(path)
    scanned = _scan_csv(path, step) if sheet is None else None
    if scanned is None:
        scanned = open_table(path, sheet, (*POSTCODE, *LSOA11, *LSOA21), step)
    path, table, sha = scanned
    pc = find_column(table.headers, POSTCODE)
    l11, l21 = find_column(table.headers, LSOA11), find_column(table.headers, LSOA21)
    if pc is None or (l11 is None and l21 is None):
        raise ImportFileError(
            path,
            "a postcode directory needs a postcode column (pcds, pcd or postcode) and an "
            "LSOA column (lsoa11 or lsoa21), as the ONS Postcode Directory has. Columns "
            "found: " + ", ".join(repr(h) for h in table.headers[:20]),
        )
    fields = {"postcode": pc} | ({"lsoa11": l11} if l11 else {}) | ({"lsoa21": l21} if l21 else {})
    text = pl.col(pc).cast(pl.Utf8).str.strip_chars().str.to_uppercase()
    work = table.frame.select(
        pl.col(ROW),
        pl.col(pc).alias("postcode__raw"),
        pl.when(text.str.contains(POSTCODE_PATTERN))
        .then(normalise_postcode(text))
        .otherwise(None)
        .alias("postcode"),
        _lsoa(l11).alias("lsoa11"),
        _lsoa(l21).alias("lsoa21"),
    )
    # Scottish and Northern Irish postcodes (and a few with no LSOA) have no English
    # or Welsh LSOA: not errors, just not ours.
    outside = work.filter(pl.col("lsoa11").is_null() & pl.col("lsoa21").is_null()).height
    work = work.filter(pl.col("lsoa11").is_not_null() | pl.col("lsoa21").is_not_null())
    result = _PostcodeSchema().filter(work, fields)
    rows = result.valid.select(pl.col(c).cast(t) for c, t in POSTCODE_SCHEMA.items())
    notes = []
    if outside:
        notes.append(f"{outside:,} postcode(s) outside England and Wales (no LSOA) were left out")
    vintages = [v for v, h in ((2011, l11), (2021, l21)) if h]
    notes.append("LSOA vintages: " + " and ".join(map(str, vintages)))
    return finish("postcodes", path, table, sha, result, rows, fields, notes, step)


def postcode_lookup(engine: Engine, postcodes: Sequence[str]) -> pl.DataFrame | None:
    """The live directory's rows for these (normalised) postcodes, as ``postcode`` and
    ``lsoa``: one LSOA vintage for the whole file, 2021 unless more of its postcodes
    have a 2011 LSOA only. None when the store holds no postcode directory."""
    from rehabdash.store.batches import live_batch_ids
    from rehabdash.store.schema import postcode_lsoa

    with engine.connect() as conn:
        batches = set(live_batch_ids(conn, "postcodes"))
    if not batches:
        return None
    wanted = sorted(set(postcodes))
    columns = (postcode_lsoa.c.postcode, postcode_lsoa.c.lsoa11, postcode_lsoa.c.lsoa21)
    rows = []
    with engine.connect() as conn:
        for start in range(0, len(wanted), _CHUNK):
            # By postcode alone, so that the postcode index is used; the batch is
            # filtered here (a batch_id condition made SQLite scan by batch instead).
            chunk = wanted[start : start + _CHUNK]
            query = select(*columns, postcode_lsoa.c.batch_id).where(
                postcode_lsoa.c.postcode.in_(chunk)
            )
            rows += [r[:3] for r in conn.execute(query) if r[3] in batches]
    found = pl.DataFrame(rows, schema=POSTCODE_SCHEMA, orient="row")
    vintage = "lsoa21" if found["lsoa21"].null_count() <= found["lsoa11"].null_count() else "lsoa11"
    return found.select("postcode", pl.col(vintage).alias("lsoa"))
