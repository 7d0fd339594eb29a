"""Contact-level extracts (one row per care contact, as CSDS sends them) to referrals.

The store counts access per referral (DESIGN 3), so a file with a contact date or an
attendance column is first rolled up: one row per provider + referral id, with its
contacts counted by the CSDS "attended or did not attend" groups (attended 5, 6;
did not attend 3, 7; cancelled 2, 4) and, unless the file has its own, the first
contact date taken as the earliest attended contact. Other fields take the first
value the referral's rows give, in file order; its source row is its first row.
Without this, every referral seen more than once would be rejected as a duplicate.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes import INVALID
from rehabdash.codes.attendance import attendance_outcome
from rehabdash.ingest.readers import ROW

__all__ = ["CONTACT_FIELDS", "is_contact_level", "referrals_from_contacts"]

CONTACT_FIELDS = ("contact_date", "attendance")
_KEY = ("provider_code", "referral_id")
_COUNTS = {
    "attended": "contacts_attended",
    "dna": "contacts_dna",
    "cancelled": "contacts_cancelled",
}


def is_contact_level(fields: dict[str, str]) -> bool:
    """True when the mapping has a per-contact column (contact date or attendance)."""
    return any(f in fields for f in CONTACT_FIELDS)


def _raw(field: str) -> str:
    return f"{field}__raw"


def referrals_from_contacts(work: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """The working frame rolled up to one row per referral, and notes saying how."""
    has_attendance = "attendance" in work.columns
    outcome = attendance_outcome(pl.col("attendance")) if has_attendance else pl.lit(None, pl.Utf8)
    seen = pl.col("contact_date") if "contact_date" in work.columns else pl.lit(None, pl.Date)
    # A row without a full key stays a row of its own (it is rejected later, as is).
    solo = pl.when(pl.any_horizontal(pl.col(k).is_null() for k in _KEY)).then(pl.col(ROW))
    work = work.with_columns(outcome.alias("__outcome"), seen.alias("__seen"), solo.alias("__solo"))
    contact_columns = {c for f in CONTACT_FIELDS for c in (f, _raw(f))}
    helpers = {*_KEY, ROW, "__outcome", "__seen", "__solo"}
    kept = [c for c in work.columns if c not in helpers | contact_columns]
    derived: list[pl.Expr] = [pl.col(ROW).min()]
    derived += [
        pl.col(c).drop_nulls().first().alias(c)
        for c in kept
        if not (has_attendance and c in _COUNTS.values())
    ]
    if has_attendance:
        derived += [
            (pl.col("__outcome") == group).sum().cast(pl.Int32).alias(column)
            for group, column in _COUNTS.items()
        ]
    if "first_contact_date" not in work.columns:
        attended = (
            pl.col("__outcome") == "attended" if has_attendance else pl.col("__seen").is_not_null()
        )
        first = pl.col("__seen").filter(attended).min()
        derived += [
            first.alias("first_contact_date"),
            first.dt.strftime("%d/%m/%Y").alias(_raw("first_contact_date")),
        ]
    rolled = (
        work.group_by(*_KEY, "__solo", maintain_order=True).agg(derived).drop("__solo").sort(ROW)
    )
    notes = [
        f"contact-level file: {work.height:,} contact rows rolled up to {rolled.height:,} "
        "referrals (contacts counted by attendance; the first attended contact gives the "
        "first contact date unless the file has one)"
    ]
    return rolled, notes + _contact_warnings(work)


def _contact_warnings(work: pl.DataFrame) -> list[str]:
    notes = []
    if "attendance" in work.columns:
        bad = int((work["attendance"] == INVALID).sum())
        if bad:
            notes.append(
                f"warning: {bad:,} contact row(s) had an attendance value that is not a "
                "CSDS code and were not counted"
            )
    if "contact_date" in work.columns:
        unread = work.filter(
            pl.col("contact_date").is_null() & pl.col(_raw("contact_date")).is_not_null()
        ).height
        if unread:
            notes.append(f"warning: {unread:,} contact date(s) could not be read and were not used")
    return notes
