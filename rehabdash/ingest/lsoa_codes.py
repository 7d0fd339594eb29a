"""LSOA code columns of the ICB's own files (areas and sites, issue 14), checked against
the shipped ONS lists of English LSOAs of 2011 and 2021.

31,810 codes are in both lists (unchanged in 2021), so a code alone often cannot say
its vintage; the ones in one list only can, and a file's vintage is theirs. A file
whose codes are partly 2011-only and partly 2021-only is two geographies at once
(DESIGN 4.3: never mix vintages silently), and is refused whole.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.reference_tables import find_column

__all__ = [
    "LSOA_HEADERS",
    "LSOA_PATTERN",
    "LsoaVintage",
    "english_lsoas",
    "file_vintage",
    "known_lsoa",
    "lsoa_column",
    "lsoa_flags",
    "row_vintage",
    "tidy_code",
]

#: Header names of an LSOA code column, most specific first (matched after clean_key).
LSOA_HEADERS = (
    "lsoa21cd",
    "lsoa11cd",
    "lsoa21",
    "lsoa11",
    "lsoa 2021 code",
    "lsoa 2011 code",
    "lsoa code 2021",
    "lsoa code 2011",
    "lsoa21 code",
    "lsoa11 code",
    "lsoa code",
    "lsoa cd",
    "lsoa",
    "lsoa id",
)
LSOA_PATTERN = r"^E01[0-9]{6}$"
_IN11, _IN21 = "__in_lsoa11", "__in_lsoa21"


@functools.lru_cache(maxsize=2)
def english_lsoas(vintage: int) -> frozenset[str]:
    """The English LSOA codes of one vintage (2011: 32,844; 2021: 33,755)."""
    from rehabdash.refdata import lsoa_lookup

    return frozenset(lsoa_lookup(2011 if vintage == 2011 else 2021)["lsoa"].to_list())


def lsoa_column(headers: Sequence[str]) -> tuple[str | None, int | None]:
    """The LSOA code column and the vintage its name gives (None: not said)."""
    header = find_column(headers, LSOA_HEADERS)
    if header is None:  # "LSOA code (2021)", "LSOA_CODE_2011": any lsoa column not a name
        header = next(
            (h for h in headers if "lsoa" in clean_key(h) and "name" not in clean_key(h).split()),
            None,
        )
    if header is None:
        return None, None
    key = clean_key(header).replace(" ", "")
    if "2011" in key or "lsoa11" in key:
        return header, 2011
    if "2021" in key or "lsoa21" in key:
        return header, 2021
    return header, None


def tidy_code(expr: pl.Expr) -> pl.Expr:
    """A code as typed (" e01011229 ") in its stored form; blank is null."""
    return expr.cast(pl.Utf8).str.replace_all(r"\s+", "").str.to_uppercase().replace("", None)


def lsoa_flags(code: pl.Expr) -> list[pl.Expr]:
    """Whether each (upper-cased) code is in the 2011 and the 2021 list."""
    return [
        code.is_in(sorted(english_lsoas(2011))).alias(_IN11),
        code.is_in(sorted(english_lsoas(2021))).alias(_IN21),
    ]


@dataclass(frozen=True)
class LsoaVintage:
    """A file's LSOA vintage and how it was decided (for the import's notes)."""

    vintage: int
    note: str


def file_vintage(
    path: Path,
    frame: pl.DataFrame,
    column: str,
    named: int | None,
    *,
    refuse_mixed: bool = True,
) -> LsoaVintage:
    """The LSOA vintage of a file whose ``frame`` has :func:`lsoa_flags`' columns.

    Refused (ImportFileError, naming the column) when codes of one vintage only meet
    codes of the other only (``refuse_mixed``), or when the codes contradict the vintage
    the column's name gives. Codes in both lists decide nothing: then the name's
    vintage, else 2021 (the current one).
    """
    only11 = frame.filter(pl.col(_IN11) & ~pl.col(_IN21))
    only21 = frame.filter(pl.col(_IN21) & ~pl.col(_IN11))
    first11, first21 = _first_row(only11), _first_row(only21)
    if only11.height and only21.height and refuse_mixed:
        raise ImportFileError(
            path,
            f"the LSOA codes mix two vintages: {only11.height:,} row(s) have a code that is an "
            f"LSOA 2011 code only (first at row {first11:,}) and {only21.height:,} "
            f"a code that is an LSOA 2021 code only (first at row {first21:,}); "
            "use the codes of one vintage throughout",
            column=column,
        )
    decided = 2011 if only11.height > only21.height else 2021 if only21.height else None
    if decided is not None and named is not None and decided != named:
        wrong, first = (only11, first11) if decided == 2011 else (only21, first21)
        raise ImportFileError(
            path,
            f"the column's name says LSOA {named} but {wrong.height:,} of its codes are LSOA "
            f"{decided} codes only (first at row {first:,})",
            column=column,
        )
    if decided is not None:
        return LsoaVintage(decided, f"LSOA {decided} codes (from the codes)")
    if named is not None:
        return LsoaVintage(named, f"LSOA {named} codes (from the column's name)")
    return LsoaVintage(
        2021,
        "every LSOA code is the same in 2011 and 2021 and the column's name gives no "
        "vintage: taken as LSOA 2021",
    )


def _first_row(frame: pl.DataFrame) -> int:
    return int(frame.select(pl.col(ROW).min()).item()) if frame.height else 0


def row_vintage(vintage: int) -> pl.Expr:
    """A row's LSOA vintage: its code's own when in one list only, else the file's."""
    return (
        pl.when(pl.col(_IN11) & ~pl.col(_IN21))
        .then(pl.lit(2011))
        .when(pl.col(_IN21) & ~pl.col(_IN11))
        .then(pl.lit(2021))
        .when(pl.col(_IN11) | pl.col(_IN21))
        .then(pl.lit(vintage))
        .otherwise(None)
        .cast(pl.Int16)
    )


def known_lsoa(vintage: int | None = None) -> pl.Expr:
    """True where the row's code is an English LSOA (of ``vintage``; of either when None)."""
    if vintage == 2011:
        return pl.col(_IN11)
    if vintage == 2021:
        return pl.col(_IN21)
    return pl.col(_IN11) | pl.col(_IN21)
