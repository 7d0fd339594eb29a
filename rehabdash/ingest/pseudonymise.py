"""Pseudonymise person identifiers before anything leaves the pipeline (DESIGN 12).

HMAC-SHA256 with the store's secret key, hex digest. Identifiers repeat (a person
has several referrals), so only the unique values are hashed, with the one-shot
C implementation of ``hmac.digest``, and mapped back in one vectorised step.
NHS numbers are checked with the modulus-11 algorithm (NHS Data Dictionary).
"""

from __future__ import annotations

import hmac

import polars as pl

__all__ = ["clean_nhs_number", "nhs_number_valid", "pseudonymise", "pseudonymise_values", "redact"]


def pseudonymise_values(values: list[str], key: bytes) -> list[str]:
    """HMAC-SHA256 hex digest of each value (UTF-8) under ``key``."""
    if not key:
        raise ValueError("a non-empty pseudonymisation key is required")
    return [hmac.digest(key, v.encode("utf-8"), "sha256").hex() for v in values]


def pseudonymise(values: pl.Series, key: bytes) -> pl.Series:
    """Same length as ``values``; nulls stay null."""
    uniques = values.drop_nulls().unique()
    hashed = pl.Series(pseudonymise_values(uniques.to_list(), key), dtype=pl.Utf8)
    return values.replace_strict(uniques, hashed, default=None, return_dtype=pl.Utf8)


def clean_nhs_number(expr: pl.Expr) -> pl.Expr:
    """Digits only (spaces and hyphens removed, as in "943 476 5919")."""
    return expr.cast(pl.Utf8).str.replace_all(r"[\s-]", "")


def nhs_number_valid(digits: pl.Expr) -> pl.Expr:
    """Modulus-11 check on a 10-digit text value: weights 10..2, check digit 11 - sum mod 11
    (11 -> 0; 10 -> never valid)."""
    total = pl.sum_horizontal(
        [digits.str.slice(i, 1).cast(pl.Int32, strict=False) * (10 - i) for i in range(9)]
    )
    check = 11 - total % 11
    check = pl.when(check == 11).then(0).otherwise(check)
    last = digits.str.slice(9, 1).cast(pl.Int32, strict=False)
    return digits.str.contains(r"^[0-9]{10}$").fill_null(False) & (check == last).fill_null(False)


def redact(expr: pl.Expr) -> pl.Expr:
    """First and last character only ("9***9"); "***" for short values."""
    text = expr.cast(pl.Utf8).str.strip_chars()
    n = text.str.len_chars()
    return (
        pl.when(text.is_null())
        .then(None)
        .when(n >= 4)
        .then(text.str.head(1) + "***" + text.str.tail(1))
        .otherwise(pl.lit("***"))
    )
