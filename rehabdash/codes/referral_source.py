"""Source of referral: which referrals people made themselves (CRA standard 1: self-referral).

The store keeps the source as given (migration 0004): a CSDS "source of referral for
community" code or a label. CSDS codes B1 (self referral: self) and B2 (self referral:
carer or relative) are self-referrals; so is a label that says "self" ("Self referral",
"Self-referred", "SELF"). Everything else, blank included, is not.
"""

from __future__ import annotations

import polars as pl

__all__ = ["SELF_REFERRAL_CODES", "is_self_referral"]

SELF_REFERRAL_CODES = frozenset({"B1", "B2"})


def is_self_referral(source: pl.Expr) -> pl.Expr:
    """True where the source of referral is the person (or their carer) themselves."""
    text = source.cast(pl.String).str.strip_chars().str.to_uppercase()
    return (text.is_in(sorted(SELF_REFERRAL_CODES)) | text.str.contains(r"\bSELF")).fill_null(False)
