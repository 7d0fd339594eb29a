"""Shared machinery that turns messy code-or-label values into NHS codes.

Extracts carry the same characteristic as a code ("A"), a label ("White - British"),
an upper-case label ("WHITE BRITISH") or with stray spaces ("a "). Every code list
builds one lookup from *cleaned* keys (case-folded, punctuation and spaces collapsed)
to its code, and applies it as a single vectorised polars expression, so a million
rows cost one hash lookup each. The output keeps blank and invalid apart (DESIGN 5):
null means blank or missing, the literal ``INVALID`` means a value that is not a code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

__all__ = ["INVALID", "CodeList", "clean_key", "clean_key_expr", "lookup_expr"]

INVALID = "INVALID"

_APOSTROPHES = "['’`]"
_NON_ALNUM = r"[^a-z0-9]+"


def clean_key(value: str) -> str:
    """Clean one label exactly as :func:`clean_key_expr` cleans a column."""
    text = value.strip().lower().replace("&", " and ")
    text = re.sub(_APOSTROPHES, "", text)
    return re.sub(_NON_ALNUM, " ", text).strip()


def clean_key_expr(expr: pl.Expr) -> pl.Expr:
    """Case-fold, drop apostrophes and collapse punctuation/whitespace to single spaces."""
    return (
        expr.cast(pl.Utf8)
        .str.to_lowercase()
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(_APOSTROPHES, "")
        .str.replace_all(_NON_ALNUM, " ")
        .str.strip_chars()
    )


def lookup_expr(expr: pl.Expr, lookup: Mapping[str, str], blank: Iterable[str] = ()) -> pl.Expr:
    """Map a raw column through ``lookup`` (keys already cleaned).

    Blank cells, and cleaned values listed in ``blank`` (e.g. "0" for ethnicity, as
    in NHS publications), become null; anything else not in ``lookup`` is INVALID.
    """
    cleaned = clean_key_expr(expr)
    blanks = ["", *blank]
    return (
        pl.when(cleaned.is_null() | cleaned.is_in(blanks))
        .then(pl.lit(None, dtype=pl.Utf8))
        .otherwise(cleaned.replace_strict(dict(lookup), default=INVALID, return_dtype=pl.Utf8))
    )


@dataclass(frozen=True)
class CodeList:
    """One NHS code list: its codes and labels, its 'not stated'/'not known' codes,
    and the synonyms (any spelling seen in real extracts) that mean each code."""

    name: str
    codes: Mapping[str, str]
    not_stated: frozenset[str] = frozenset()
    not_known: frozenset[str] = frozenset()
    synonyms: Mapping[str, Iterable[str]] = field(default_factory=dict)
    blank_values: frozenset[str] = frozenset()

    @cached_property
    def lookup(self) -> dict[str, str]:
        """Cleaned key -> code: every code, its label and each synonym."""
        table: dict[str, str] = {}
        for code, label in self.codes.items():
            table[clean_key(label)] = code
        for code, words in self.synonyms.items():
            for word in words:
                table[clean_key(word)] = code
        # Codes last: the code itself always wins over a clashing label.
        for code in self.codes:
            table[clean_key(code)] = code
        return table

    def label(self, code: str) -> str:
        """The label for reports; the code itself when unknown."""
        return self.codes.get(code, code)

    def normalise(self, expr: pl.Expr) -> pl.Expr:
        """Code for each value; null for blank; INVALID for anything else."""
        return lookup_expr(expr, self.lookup, self.blank_values)

    def normalise_values(self, values: Iterable[str | None]) -> list[str | None]:
        """Convenience for tests and small lists (same rules as :meth:`normalise`)."""
        series = pl.Series("v", list(values), dtype=pl.Utf8)
        return pl.select(self.normalise(pl.lit(series))).to_series().to_list()
