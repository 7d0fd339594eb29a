"""prepare_imd: English Indices of Deprivation by LSOA -> lsoa, rank, decile, score.

Reads MHCLG's File 1 / File 7 layouts ("LSOA code (2011)", "Index of Multiple
Deprivation (IMD) Rank", "... Decile (where 1 is most deprived 10% of LSOAs)") and
plain LSOA -> decile tables. The edition is the caller's, or follows from the LSOA
vintage in the header: LSOA 2011 -> IMD 2019, LSOA 2021 -> IMD 2025 (DESIGN 4.3:
never mix vintages silently, so a contradiction is an error, not a guess).
Rank 1 is the most deprived; a missing decile is derived from a national rank.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.prepared import CancelFn, PreparedImport, ProgressFn, Steps
from rehabdash.ingest.readers import ROW
from rehabdash.ingest.reference_tables import finish, number, open_table
from rehabdash.ingest.validate import REJECTED, WARNING, Rule, Schema

__all__ = ["IMD_SCHEMA", "LSOA_COUNT", "prepare_imd"]

IMD_SCHEMA: dict[str, pl.DataType] = {
    "lsoa": pl.Utf8(),
    "imd_rank": pl.Int32(),
    "imd_decile": pl.Int8(),
    "imd_score": pl.Float64(),
    "edition": pl.Int16(),
    "lsoa_vintage": pl.Int16(),
}
#: LSOAs in England per edition (ranks run 1..N; decile = ceil(rank / (N / 10))).
LSOA_COUNT = {2019: 32_844, 2025: 33_755}
_VINTAGE_OF = {2019: 2011, 2025: 2021}
_WORDS = (
    "lsoa code 2011",
    "lsoa code 2021",
    "lsoa name 2011",
    "lsoa11cd",
    "lsoa21cd",
    "index of multiple deprivation imd rank",
    "index of multiple deprivation imd decile",
    "index of multiple deprivation imd score",
    "imd rank",
    "imd decile",
    "imd score",
    "lsoa",
    "decile",
    "rank",
    "score",
)


def _imd_column(headers: list[str], word: str) -> str | None:
    """The IMD (not a domain's) rank/decile/score column."""
    plain = None
    for header in headers:
        key = clean_key(header)
        if word not in key.split():
            continue
        if "multiple deprivation" in key or "imd" in key.split() or key.startswith("imd"):
            return header
        if key in {word, f"{word} 1 most deprived"}:
            plain = header
    return plain


def _lsoa_column(headers: list[str]) -> tuple[str | None, int | None]:
    for header in headers:
        key = clean_key(header)
        if (
            "lsoa" in key
            and "name" not in key
            and ("code" in key or key.endswith("cd") or key.startswith("lsoa"))
        ):
            vintage = (
                2011
                if ("2011" in key or "lsoa11" in key)
                else (2021 if ("2021" in key or "lsoa21" in key) else None)
            )
            return header, vintage
    return None, None


class _ImdSchema(Schema):
    def __init__(self, edition: int) -> None:
        self.total = LSOA_COUNT[edition]

    def rules(self, frame: pl.DataFrame) -> list[Rule]:
        code = pl.col("lsoa__raw").str.to_uppercase()
        wales = code.str.contains(r"^W01[0-9]{6}$")
        rules = [
            Rule("lsoa_wales", REJECTED, "lsoa", wales, "LSOA is in Wales; the IMD is England's"),
            Rule(
                "lsoa_malformed",
                REJECTED,
                "lsoa",
                ~code.str.contains(r"^E01[0-9]{6}$").fill_null(False) & ~wales.fill_null(False),
                "not an LSOA code (E01 + 6 digits)",
            ),
            Rule(
                "duplicate_lsoa",
                REJECTED,
                "lsoa",
                (pl.len().over("lsoa") > 1) & pl.col("lsoa").is_not_null(),
                "LSOA appears more than once",
            ),
            Rule(
                "no_rank_or_decile",
                REJECTED,
                "imd_decile",
                pl.col("imd_rank").is_null()
                & pl.col("imd_decile").is_null()
                & pl.col("imd_rank__raw").is_null()
                & pl.col("imd_decile__raw").is_null(),
                "neither an IMD rank nor a decile",
            ),
            Rule(
                "rank_invalid",
                REJECTED,
                "imd_rank",
                pl.col("imd_rank__raw").is_not_null() & pl.col("imd_rank").is_null(),
                f"IMD rank must be a whole number 1-{self.total:,}",
            ),
            Rule(
                "decile_invalid",
                REJECTED,
                "imd_decile",
                pl.col("imd_decile__raw").is_not_null() & pl.col("imd_decile").is_null(),
                "IMD decile must be a whole number 1-10",
            ),
            Rule(
                "score_not_a_number",
                WARNING,
                "imd_score",
                pl.col("imd_score__raw").is_not_null() & pl.col("imd_score").is_null(),
                "IMD score is not a number; left blank",
            ),
        ]
        return rules


def prepare_imd(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    edition: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PreparedImport:
    """Prepare an IMD table (see the module docstring)."""
    if edition is not None and edition not in LSOA_COUNT:
        raise ValueError("edition must be 2019 or 2025")
    step = Steps(progress, cancel)
    path, table, sha = open_table(path, sheet, _WORDS, step)
    lsoa, vintage = _lsoa_column(table.headers)
    if lsoa is None:
        raise ImportFileError(path, "no LSOA code column (e.g. 'LSOA code (2011)')")
    if edition is not None and vintage is not None and _VINTAGE_OF[edition] != vintage:
        raise ImportFileError(
            path,
            f"IMD {edition} uses LSOA {_VINTAGE_OF[edition]} codes but "
            f"this file has LSOA {vintage} codes",
            column=lsoa,
        )
    if edition is None:
        edition = next((e for e, v in _VINTAGE_OF.items() if v == vintage), None)
    if edition is None:
        raise ImportFileError(path, "cannot tell the IMD edition: pass edition=2019 or 2025")
    total = LSOA_COUNT[edition]
    fields = {"lsoa": lsoa}
    cols = {w: _imd_column(table.headers, w) for w in ("rank", "decile", "score")}
    if cols["rank"] is None and cols["decile"] is None:
        raise ImportFileError(path, "no IMD rank or decile column")
    notes: list[str] = []

    def text(word: str) -> pl.Expr:
        header = cols[word]
        if header is None:
            return pl.lit(None, dtype=pl.Utf8)
        fields[f"imd_{word}"] = header
        return pl.col(header).str.strip_chars().replace("", None)

    work = table.frame.select(
        pl.col(ROW),
        pl.col(lsoa).str.strip_chars().alias("lsoa__raw"),
        text("rank").alias("imd_rank__raw"),
        text("decile").alias("imd_decile__raw"),
        text("score").alias("imd_score__raw"),
    )
    rank, decile = number(pl.col("imd_rank__raw")), number(pl.col("imd_decile__raw"))
    work = work.with_columns(
        pl.col("lsoa__raw").str.to_uppercase().alias("lsoa"),
        pl.when((rank == rank.floor()) & rank.is_between(1, total))
        .then(rank)
        .cast(pl.Int32, strict=False)
        .alias("imd_rank"),
        pl.when((decile == decile.floor()) & decile.is_between(1, 10))
        .then(decile)
        .cast(pl.Int8, strict=False)
        .alias("imd_decile"),
        number(pl.col("imd_score__raw")).alias("imd_score"),
    )
    if cols["decile"] is None:
        notes.append(f"decile derived from the national rank (1-{total:,})")
        derived = (pl.col("imd_rank").cast(pl.Float64) * 10 / total).ceil().clip(1, 10)
        work = work.with_columns(derived.cast(pl.Int8).alias("imd_decile"))
    result = _ImdSchema(edition).filter(work, fields)
    rows = result.valid.select(
        pl.col("lsoa"),
        pl.col("imd_rank"),
        pl.col("imd_decile"),
        pl.col("imd_score"),
        pl.lit(edition).alias("edition"),
        pl.lit(_VINTAGE_OF[edition]).alias("lsoa_vintage"),
    ).select(pl.col(c).cast(t) for c, t in IMD_SCHEMA.items())
    notes.append(f"IMD {edition} on LSOA {_VINTAGE_OF[edition]} codes")
    return finish("imd", path, table, sha, result, rows, fields, notes, step)
