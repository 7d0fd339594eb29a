"""Dates as they appear in UK extracts, parsed explicitly from text.

Every column is read as text (polars would otherwise guess types and fail), so dates
arrive as Excel serial numbers ("45352"), ISO text, or UK text formats: dd/mm/yyyy,
dd/mm/yy, dd-Mon-yy, dd Month yyyy, each optionally with a time. Day-first always:
an English extract never means mm/dd. Parsing runs on the *unique* values of a
column and maps back, so a million rows with a few thousand distinct dates cost
a few thousand parses.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

__all__ = ["EXCEL_EPOCH", "parse_date_series", "parse_dates_expr"]

#: Excel's day zero for the 1900 date system (its fictitious 29 Feb 1900 absorbed).
EXCEL_EPOCH = dt.date(1899, 12, 30)

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[aApP][mM])?(?:Z|[+-]\d{2}:?\d{2})?)?$"
_MON = r"[A-Za-z]{3,9}"
# (regex for the date part, chrono format, two-digit year?)
_FORMATS: tuple[tuple[str, str, bool], ...] = (
    (r"^\d{4}-\d{1,2}-\d{1,2}", "%Y-%m-%d", False),
    (r"^\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d", False),
    (r"^\d{1,2}/\d{1,2}/\d{4}", "%d/%m/%Y", False),
    (r"^\d{1,2}-\d{1,2}-\d{4}", "%d-%m-%Y", False),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y", False),
    (r"^\d{1,2}/\d{1,2}/\d{2}", "%d/%m/%y", True),
    (r"^\d{1,2}-\d{1,2}-\d{2}", "%d-%m-%y", True),
    (rf"^\d{{1,2}}-{_MON}-\d{{4}}", "%d-%b-%Y", False),
    (rf"^\d{{1,2}}-{_MON}-\d{{2}}", "%d-%b-%y", True),
    (rf"^\d{{1,2}} {_MON} \d{{4}}", "%d %b %Y", False),
    (rf"^\d{{1,2}} {_MON} \d{{2}}", "%d %b %y", True),
    (r"^\d{8}", "%Y%m%d", False),
)
_SERIAL = r"^\d{1,5}(?:\.\d+)?$"
_MAX_SERIAL = 2_958_465  # 31/12/9999
_SAMPLE = 2_000


def _normalise_text(expr: pl.Expr) -> pl.Expr:
    """Strip spaces and a trailing time; full month names become their 3-letter form."""
    text = expr.cast(pl.Utf8).str.strip_chars().str.replace(_TIME, "")
    # "1 March 2024" / "01-Sept-24": keep the first three letters of the month.
    return text.str.replace(r"([A-Za-z]{3})[A-Za-z]*", "$1")


def parse_dates_expr(
    expr: pl.Expr, *, pivot: dt.date | None = None, formats: tuple[int, ...] | None = None
) -> pl.Expr:
    """Date for each value, null when blank or unparseable.

    ``pivot``: a two-digit year that would land after this date is taken as the
    previous century (a date of birth "01/02/45" is 1945, not 2045).
    ``formats``: indexes into the candidate list (serial numbers are index 0) to
    try; None tries them all.
    """
    text = _normalise_text(expr)
    full = expr.cast(pl.Utf8).str.strip_chars()
    serial_days = full.cast(pl.Float64, strict=False).floor().cast(pl.Int64, strict=False)
    serial = (
        pl.when(full.str.contains(_SERIAL) & (serial_days >= 1) & (serial_days <= _MAX_SERIAL))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=serial_days))
        .cast(pl.Date)
    )
    candidates: list[pl.Expr] = [serial]
    for pattern, fmt, short_year in _FORMATS:
        parsed = text.str.strptime(pl.Date, fmt, strict=False, exact=True)
        if short_year and pivot is not None:
            parsed = (
                pl.when(parsed > pl.lit(pivot)).then(parsed.dt.offset_by("-100y")).otherwise(parsed)
            )
        candidates.append(pl.when(text.str.contains(pattern + "$")).then(parsed))
    if formats is not None:
        candidates = [candidates[i] for i in formats] or [pl.lit(None, dtype=pl.Date)]
    return pl.coalesce(candidates)


def _formats_in_use(raw: pl.Series, pivot: dt.date | None) -> tuple[int, ...] | None:
    """Which candidate formats a large column uses, judged on a sample of its values.

    None (try everything) when the column is small; the caller retries values the
    chosen formats miss with every format, so a rare format is never lost.
    """
    if raw.len() <= _SAMPLE:
        return None
    sample = pl.DataFrame({"raw": raw.sample(_SAMPLE, seed=0)})
    hits = sample.select(
        parse_dates_expr(pl.col("raw"), pivot=pivot, formats=(i,)).is_not_null().any().alias(str(i))
        for i in range(len(_FORMATS) + 1)
    ).row(0)
    return tuple(i for i, hit in enumerate(hits) if hit)


def parse_date_series(values: pl.Series, *, pivot: dt.date | None = None) -> pl.Series:
    """Parse a text column to Date by parsing its unique values once."""
    if values.dtype == pl.Date:
        return values
    uniques = values.cast(pl.Utf8).unique().drop_nulls()
    formats = _formats_in_use(uniques, pivot)
    parsed = pl.DataFrame({"raw": uniques}).select(
        pl.col("raw"), parse_dates_expr(pl.col("raw"), pivot=pivot, formats=formats).alias("date")
    )
    if formats is not None:  # values the sampled formats missed get every format
        missed = parsed.filter(pl.col("date").is_null())
        if missed.height:
            retry = missed.select(
                pl.col("raw"), parse_dates_expr(pl.col("raw"), pivot=pivot).alias("date")
            )
            parsed = pl.concat([parsed.filter(pl.col("date").is_not_null()), retry])
    return (
        values.cast(pl.Utf8)
        .replace_strict(parsed["raw"], parsed["date"], default=None, return_dtype=pl.Date)
        .rename(values.name)
    )
