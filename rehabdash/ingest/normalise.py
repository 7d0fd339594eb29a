"""Turn the mapped text columns of an activity extract into canonical values.

Each canonical field gets two columns in the working frame: ``<field>__raw`` (the
trimmed source text, kept for the failure table) and ``<field>`` (the parsed value:
a Date, a number, an NHS code, null for blank, or ``INVALID``). Nothing is rejected
here; :mod:`rehabdash.ingest.activity_schema` decides that from both columns.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import polars as pl

from rehabdash.codes import INVALID, NORMALISERS
from rehabdash.codes.age import age_band
from rehabdash.codes.attendance import normalise_attendance
from rehabdash.ingest.dates import parse_date_series
from rehabdash.ingest.fields import FREE_TEXT_FIELDS
from rehabdash.ingest.pseudonymise import clean_nhs_number, nhs_number_valid
from rehabdash.ingest.readers import MISALIGNED, ROW
from rehabdash.ingest.scrub import CONTROL_CHARACTERS, scrub_expr

__all__ = [
    "nhs_digits",
    "normalise_activity",
    "normalise_postcode",
    "raw",
    "trimmed",
]

# Identifiers (person_id, referral_id) are used as trimmed, without a per-value
# transform: they are nearly all distinct.
_COUNT_FIELDS = ("contacts_attended", "contacts_dna", "contacts_cancelled")
_SCORE_FIELDS = ("outcome_start", "outcome_end")
_DATES = ("referral_date", "first_contact_date", "discharge_date", "rejection_date", "contact_date")
_SAMPLE = 20_000  # values looked at to judge whether a column repeats
_DISTINCT_SHARE = 0.9  # above this share of distinct values in a sample, work row by row


def raw(field: str) -> str:
    """Name of the column holding a field's trimmed source text."""
    return f"{field}__raw"


def normalise_postcode(expr: pl.Expr) -> pl.Expr:
    """Upper case without spaces, so "ls1 4ap" and "LS14AP" meet in a lookup."""
    return expr.cast(pl.Utf8).str.to_uppercase().str.replace_all(r"\s+", "")


def _number(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)


def _whole_years(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Completed years from ``start`` (birth) to ``end`` (referral)."""
    before_birthday = (end.dt.month().cast(pl.Int32) * 100 + end.dt.day()) < (
        start.dt.month().cast(pl.Int32) * 100 + start.dt.day()
    )
    return end.dt.year() - start.dt.year() - before_birthday.cast(pl.Int32)


def on_uniques(values: pl.Series, fn: Callable[[pl.Expr], pl.Expr]) -> pl.Series:
    """Apply ``fn`` to each distinct value once and map back by hash lookup.

    Code columns hold a few dozen distinct values in a million rows, so the string
    cleaning (regexes) runs on those few and the rows cost one lookup each.
    """
    uniques = values.drop_nulls().unique()
    mapped = pl.DataFrame({"v": uniques}).select(fn(pl.col("v"))).to_series()
    return values.replace_strict(uniques, mapped, default=None, return_dtype=mapped.dtype)


def _field_transforms(
    have: set[str], provider_code: str | None
) -> dict[str, Callable[[pl.Expr], pl.Expr]]:
    """Field -> function from its trimmed text to its canonical value."""
    out: dict[str, Callable[[pl.Expr], pl.Expr]] = {}
    for field in FREE_TEXT_FIELDS:
        # Free text is stored in clear: NHS numbers, postcodes and long digit runs in it
        # are masked (the validation warns where it did so).
        out[field] = lambda e: scrub_expr(
            e.str.replace_all(CONTROL_CHARACTERS, "")
            .str.replace_all(r"\s+", " ")
            .str.strip_chars(),
            dates=False,
        ).replace("", None)
    out["provider_code"] = lambda e: e.str.to_uppercase().str.replace_all(r"\s+", "")
    out.update(NORMALISERS)
    out["attendance"] = normalise_attendance
    out["nhs_number"] = lambda e: _valid_nhs(clean_nhs_number(e))
    out["gp_practice"] = lambda e: (
        pl.when(_compact(e).str.contains(r"^[A-Z][0-9]{5}$"))
        .then(_compact(e))
        .otherwise(pl.lit(INVALID))
    )
    out["lsoa"] = lambda e: (
        pl.when(_compact(e).str.contains(r"^E01[0-9]{6}$"))
        .then(_compact(e))
        .when(e.is_not_null())
        .then(pl.lit(INVALID))
    )
    out["imd_decile"] = lambda e: (
        pl.when(_whole(e) & _number(e).is_between(1, 10)).then(_number(e)).cast(pl.Int8)
    )
    for field in _COUNT_FIELDS:
        out[field] = lambda e: (
            pl.when(_whole(e) & (_number(e) >= 0) & (_number(e) < 2**31))
            .then(_number(e))
            .cast(pl.Int32)
        )
    for field in _SCORE_FIELDS:
        out[field] = _number
    return {f: fn for f, fn in out.items() if f in have}


def _valid_nhs(digits: pl.Expr) -> pl.Expr:
    return pl.when(nhs_number_valid(digits)).then(digits)


def nhs_digits(values: pl.Series) -> pl.Series:
    """Trimmed NHS number text -> its 10 digits when it passes modulus 11, else null."""
    digits = pl.select(clean_nhs_number(pl.lit(values))).to_series()
    return pl.select(_valid_nhs(pl.lit(digits))).to_series().alias(values.name)


def trimmed(values: pl.Series) -> pl.Series:
    """Source text as the pipeline uses it: spaces stripped, blank -> null."""
    return pl.select(_trimmed(pl.lit(values.cast(pl.Utf8)))).to_series().alias(values.name)


def _compact(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_uppercase().str.replace_all(r"\s+", "")


def _whole(expr: pl.Expr) -> pl.Expr:
    return _number(expr) == _number(expr).floor()


def _mostly_distinct(values: pl.Series) -> bool:
    """True when ``values`` hardly repeat (identifiers): work row by row, not on uniques."""
    sample = values.gather_every(max(1, values.len() // _SAMPLE)).drop_nulls()
    return sample.len() > 0 and sample.n_unique() >= _DISTINCT_SHARE * sample.len()


def _trimmed(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().replace("", None)


def _field_columns(
    source: pl.Series, field: str, transform: Callable[[pl.Series], pl.Series] | None
) -> list[pl.Series]:
    """``<field>__raw`` (trimmed text) and, with a transform, ``<field>`` for one column.

    A column of codes or dates holds a few hundred distinct values in a million rows:
    trimming and parsing run on those, and each row costs one gather. Identifiers
    are trimmed row by row.
    """
    name = raw(field)
    if source.dtype != pl.Utf8:
        source = source.cast(pl.Utf8)
    if source.str.starts_with("'").any():  # a rows-to-fix file guards formula-like cells
        source = source.str.replace(r"^'([=+\-@\t\r])", "$1")
    if _mostly_distinct(source):
        trimmed = pl.select(_trimmed(pl.lit(source))).to_series().alias(name)
        if trimmed.equals(source, check_names=False):  # nothing to trim: share the buffers
            trimmed = source.alias(name)
        out = [trimmed]
        if transform is not None:
            out.append(transform(trimmed).alias(field))
        return out
    uniques = source.drop_nulls().unique()
    codes = source.cast(pl.Enum(uniques.to_list())).to_physical()
    trimmed_u = pl.select(_trimmed(pl.lit(uniques))).to_series()
    if trimmed_u.equals(uniques, check_names=False):  # nothing to trim: share the buffers
        out = [source.alias(name)]
    else:
        out = [trimmed_u.gather(codes).alias(name)]
    if transform is not None:
        out.append(transform(trimmed_u).gather(codes).alias(field))
    return out


def _expression(fn: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Series], pl.Series]:
    def apply(values: pl.Series) -> pl.Series:
        return pl.DataFrame({"v": values}).select(fn(pl.col("v"))).to_series()

    return apply


def normalise_activity(
    frame: pl.DataFrame,
    fields: dict[str, str],
    *,
    today: dt.date,
    provider_code: str | None = None,
    postcode_lookup: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Working frame: ``__row``, ``<field>__raw`` and parsed ``<field>`` columns."""
    have = set(fields)
    transforms: dict[str, Callable[[pl.Series], pl.Series]] = {
        f: _expression(fn) for f, fn in _field_transforms(have, provider_code).items()
    }
    for f in (*_DATES, "date_of_birth"):
        pivot = today if f == "date_of_birth" else None
        transforms[f] = functools.partial(parse_date_series, pivot=pivot)
    if "nhs_number" in have:  # materialise the digits once: much faster than one expression
        transforms["nhs_number"] = nhs_digits
    if "lsoa" in have:
        lsoa = transforms["lsoa"]
        wales = _expression(lambda e: _compact(e).str.contains(r"^W01[0-9]{6}$"))
        transforms["lsoa"] = lambda v: pl.DataFrame({"l": lsoa(v), "w": wales(v)}).to_struct()
    columns: list[pl.Series] = [frame[ROW]]
    if MISALIGNED in frame.columns:  # the reader's flag travels with the row
        columns.append(frame[MISALIGNED])
    for field, header in fields.items():
        columns += _field_columns(frame[header], field, transforms.get(field))
    work = pl.DataFrame(columns)
    if "lsoa" in have:
        work = work.with_columns(
            pl.col("lsoa").struct.field("w").fill_null(False).alias("__lsoa_wales"),
            pl.col("lsoa").struct.field("l").alias("lsoa"),
        )
    work = work.with_columns(
        pl.col(raw(f)).alias(f) for f in ("person_id", "referral_id") if f in have
    )
    provider = pl.col("provider_code") if "provider_code" in have else pl.lit(None, pl.Utf8)
    if provider_code:
        provider = provider.fill_null(pl.lit(provider_code.strip().upper()))
    work = work.with_columns(provider.alias("provider_code"), _age(have).alias("age"))
    work = work.with_columns(
        pl.when(pl.col("age").is_between(0, 120)).then(age_band(pl.col("age"))).alias("age_band")
    )
    if "postcode" in have and postcode_lookup is not None:
        work = _lsoa_from_postcode(work, postcode_lookup)
    return work


def _age(have: set[str]) -> pl.Expr:
    from_age = pl.lit(None, dtype=pl.Int64)
    if "age" in have:
        text = pl.col(raw("age")).str.replace(r"(?i)\s*(years?|yrs?|y)$", "")
        from_age = _number(text).floor().cast(pl.Int64, strict=False)
    if "date_of_birth" in have and "referral_date" in have:
        from_dob = _whole_years(pl.col("date_of_birth"), pl.col("referral_date")).cast(pl.Int64)
        return pl.coalesce(from_dob, from_age)
    return from_age


def _lsoa_from_postcode(work: pl.DataFrame, lookup: pl.DataFrame) -> pl.DataFrame:
    """Fill LSOA from the postcode where the extract has none; flag unknown postcodes."""
    cols = {c.lower(): c for c in lookup.columns}
    if "postcode" not in cols or "lsoa" not in cols:
        raise ValueError("postcode_lookup needs columns 'postcode' and 'lsoa'")
    table = lookup.select(
        normalise_postcode(pl.col(cols["postcode"])).alias("__pc"),
        pl.col(cols["lsoa"]).cast(pl.Utf8).str.to_uppercase().alias("__pc_lsoa"),
    ).unique("__pc", keep="first")
    work = work.with_columns(normalise_postcode(pl.col(raw("postcode"))).alias("__pc"))
    work = work.join(table, on="__pc", how="left", maintain_order="left")
    lsoa = pl.col("lsoa") if "lsoa" in work.columns else pl.lit(None, dtype=pl.Utf8)
    return work.with_columns(
        pl.coalesce(lsoa, pl.col("__pc_lsoa")).alias("lsoa"),
        (pl.col("__pc").is_not_null() & pl.col("__pc_lsoa").is_null()).alias("__pc_unknown"),
    ).drop("__pc", "__pc_lsoa")
