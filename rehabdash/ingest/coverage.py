"""Which data-plan measures a batch will leave empty, from the fields its mapping has (issue 13).

A file without a first contact date still imports, but nobody in it is ever "seen":
the officer must hear that before the import, not find an empty dashboard after it.
Each rule names the fields any one of which is enough, and the measures that need them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from rehabdash.ingest.contacts import CONTACT_FIELDS
from rehabdash.ingest.fields import describe_field

__all__ = ["Gap", "missing_for_store", "missing_measures"]


@dataclass(frozen=True)
class _Need:
    fields: tuple[str, ...]  # any one of these is enough
    measures: str


_NEEDS = (
    _Need(
        ("first_contact_date", *CONTACT_FIELDS),
        "people seen, access rates per 1,000 seen, waits to first contact and the "
        "pathway stage 'seen'",
    ),
    _Need(
        ("lsoa", "postcode", "imd_decile"),
        "deprivation (IMD deciles and quintiles, SII and RII, Core20)",
    ),
    _Need(
        ("lsoa", "postcode"),
        "rates per 1,000 of the population and observed vs expected by area (LSOA, MSOA, "
        "local authority)",
    ),
    _Need(
        ("sex",), "breakdowns by sex, and age-sex standardised rates (DSR, observed vs expected)"
    ),
    _Need(
        ("age", "date_of_birth"),
        "age bands, and age-sex standardised rates (DSR, observed vs expected)",
    ),
    _Need(("ethnic_category",), "breakdowns by ethnic group"),
    _Need(("disability",), "breakdowns by disability"),
    _Need(("religion",), "breakdowns by religion or belief"),
    _Need(("sexual_orientation",), "breakdowns by sexual orientation"),
    _Need(("marital_status",), "breakdowns by marital status"),
    _Need(("gender_identity",), "breakdowns by gender identity"),
    _Need(("pregnancy",), "breakdowns by pregnancy"),
    _Need(("gp_practice",), "primary care network (PCN) breakdowns"),
    _Need(("source_of_referral",), "the self-referral share"),
    _Need(("discharge_date",), "discharges, and discharged without being seen"),
    _Need(("contacts_dna", "attendance"), "DNA rates per booked contact"),
    _Need(("contacts_cancelled", "attendance"), "cancellation rates per booked contact"),
)
_OUTCOMES = ("outcome_start", "outcome_end")


@dataclass(frozen=True)
class Gap:
    """Measures that will be empty for a batch, and the field(s) whose absence empties them."""

    fields: tuple[str, ...]
    measures: str
    together: bool = False  # all of ``fields`` are needed (else any one is enough)

    def describe(self) -> str:
        names = (" and " if self.together else " or ").join(describe_field(f) for f in self.fields)
        return f"no {names}: {self.measures} will be empty for this batch"


def missing_measures(fields: Collection[str], *, postcode_lookup: bool = True) -> list[Gap]:
    """The measures a batch with these mapped ``fields`` will leave empty.

    ``postcode_lookup``: whether the store holds a postcode directory; without one a
    postcode column is dropped unused, so it gives no LSOA.
    """
    have = set(fields)
    if "postcode" in have and not postcode_lookup:
        have.discard("postcode")
    gaps = [
        Gap(tuple(f for f in need.fields if f not in CONTACT_FIELDS), need.measures)
        for need in _NEEDS
        if not have & set(need.fields)
    ]
    if not set(_OUTCOMES) <= have:
        absent = tuple(f for f in _OUTCOMES if f not in have)
        gaps.append(Gap(absent, "outcome change and the share improving by the MCID", True))
    return gaps


def missing_for_store(engine: Any, fields: Collection[str]) -> list[str]:
    """:func:`missing_measures` in words, for a batch about to go into this store (whose
    postcode directory, if it holds one, gives a postcode column its LSOA)."""
    from rehabdash.store.batches import live_batch_ids

    with engine.connect() as conn:
        directory = bool(live_batch_ids(conn, "postcodes"))
    return [g.describe() for g in missing_measures(fields, postcode_lookup=directory)]
