"""Pseudonymise person identifiers before anything leaves the pipeline (DESIGN 12).

HMAC-SHA256 with the store's secret key, hex digest (the same digests as
``hmac.digest``). Person ids and NHS numbers are mostly distinct, so they are hashed
row by row from precomputed key pads (no unique-and-map-back pass, which costs more
than it saves); a column that repeats a lot is hashed once per distinct value.
NHS numbers are checked with the modulus-11 algorithm (NHS Data Dictionary).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import polars as pl

__all__ = [
    "clean_nhs_number",
    "holds_nhs_number",
    "nhs_number_valid",
    "pseudonymise",
    "pseudonymise_values",
    "pseudonymise_where",
    "redact",
]

_BLOCK = 64  # SHA-256 block size
_SAMPLE = 20_000  # values looked at to judge how often a column repeats
_DISTINCT_SHARE = 0.3  # above this share of distinct values, hash row by row


def _pads(key: bytes) -> tuple[Any, Any]:
    """SHA-256 states after the HMAC inner and outer key blocks (RFC 2104)."""
    block = hashlib.sha256(key).digest() if len(key) > _BLOCK else key
    block = block.ljust(_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


def pseudonymise_values(values: Iterable[str | None], key: bytes) -> list[str | None]:
    """HMAC-SHA256 hex digest of each value (UTF-8) under ``key``; None stays None.

    Equal to ``hmac.digest(key, value, "sha256").hex()``, but the key's two pad blocks
    are hashed once and copied, which halves the work for short identifiers.
    """
    if not key:
        raise ValueError("a non-empty pseudonymisation key is required")
    inner, outer = _pads(key)
    icopy, ocopy = inner.copy, outer.copy
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
            continue
        h = icopy()
        h.update(value.encode("utf-8"))
        o = ocopy()
        o.update(h.digest())
        append(o.hexdigest())
    return out


def pseudonymise(values: pl.Series, key: bytes) -> pl.Series:
    """Same length as ``values``; nulls stay null.

    Mostly distinct values (person ids, NHS numbers) are hashed row by row; a column
    that repeats a lot is hashed once per distinct value and mapped back.
    """
    if not key:
        raise ValueError("a non-empty pseudonymisation key is required")
    values = values.cast(pl.Utf8)
    sample = values.gather_every(max(1, values.len() // _SAMPLE)).drop_nulls()
    if sample.len() and sample.n_unique() >= _DISTINCT_SHARE * sample.len():
        hashed = pseudonymise_values(values.to_list(), key)
        return pl.Series(values.name, hashed, dtype=pl.Utf8)
    uniques = values.drop_nulls().unique()
    digests = pl.Series(pseudonymise_values(uniques.to_list(), key), dtype=pl.Utf8)
    return values.replace_strict(uniques, digests, default=None, return_dtype=pl.Utf8)


# An NHS number inside other text: ten digits, or 3-3-4 with spaces or hyphens, not part
# of a longer run of digits.
_NHS_IN_TEXT = r"(?:^|[^0-9])([0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4})(?:[^0-9]|$)"


def holds_nhs_number(values: pl.Series) -> pl.Series:
    """True where a value holds a valid (modulus 11) NHS number, alone or inside text."""
    # A plain contains() is a fast DFA pass; the capturing extract runs on the few hits.
    hits = values.str.contains(r"[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}").fill_null(False)
    found = pl.Series(values.name, [False] * values.len(), dtype=pl.Boolean)
    if not hits.any():
        return found
    digits = values.filter(hits).str.extract(_NHS_IN_TEXT, 1)
    valid = pl.select(nhs_number_valid(clean_nhs_number(pl.lit(digits)))).to_series()
    return found.scatter(hits.arg_true(), valid.fill_null(False))


def pseudonymise_where(values: pl.Series, mask: pl.Series, key: bytes) -> pl.Series:
    """``values`` with those where ``mask`` is True replaced by their pseudonyms."""
    if not mask.any():
        return values
    hashed = pseudonymise(values.filter(mask), key)
    return values.scatter(mask.arg_true(), hashed)


def clean_nhs_number(expr: pl.Expr) -> pl.Expr:
    """Digits only (spaces and hyphens removed, as in "943 476 5919")."""
    return expr.cast(pl.Utf8).str.replace_all(r"[\s-]", "")


def nhs_number_valid(digits: pl.Expr) -> pl.Expr:
    """Modulus-11 check on a 10-digit text value: weights 10..2, check digit 11 - sum mod 11
    (11 -> 0; 10 -> never valid). Digits are taken arithmetically from the number (much
    faster than slicing text)."""
    number = digits.cast(pl.Int64, strict=False)
    total = pl.sum_horizontal([(number // 10 ** (9 - i)) % 10 * (10 - i) for i in range(9)])
    check = 11 - total % 11
    check = pl.when(check == 11).then(0).otherwise(check)
    return digits.str.contains(r"^[0-9]{10}$").fill_null(False) & (check == number % 10).fill_null(
        False
    )


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
