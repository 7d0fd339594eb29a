"""Checks on a column mapping before any row is prepared (issue 9: nothing leaked or lost).

Three ways a plausible mapping goes wrong without anyone seeing it:

* **A header the file has twice.** Only one of the columns can be matched by name,
  and nobody said which: the first "Service Request Identifier" may hold NHS numbers.
* **Identifiers in a field stored in clear.** A column whose values are NHS numbers
  (valid modulus 11) or full postcodes, mapped to referral id, service name or any
  other field the store keeps as text, would put them in the store unhashed.
* **A column that looks like a field but is left unmapped.** "Date of First Attended
  Contact" or "Discharged", dropped, makes every referral look never seen.

The first two stop the import; the third stops it unless the column is mapped or
explicitly dropped; what a column looks like comes from
:mod:`rehabdash.ingest.header_match`, the same scores the suggestion uses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import polars as pl

from rehabdash.ingest.fields import (
    DATE_FIELDS,
    FREE_TEXT_FIELDS,
    IDENTIFIER_FIELDS,
    describe_field,
)
from rehabdash.ingest.header_match import (
    NUMBER_FIELDS,
    POSTCODE_PATTERN,
    Candidate,
    candidates,
    date_share,
    nhs_share,
    sample_values,
    share,
)
from rehabdash.ingest.mapping import unmapped_questions

__all__ = [
    "duplicate_header_problems",
    "identifier_leaks",
    "unmapped_lookalikes",
]

_LEAK_SHARE = 0.5  # NHS numbers or postcodes in a clear field: random ids are ~9% mod-11 valid
#: Fields whose text the store keeps as written (codes and dates are parsed instead).
_CLEAR_TEXT = frozenset({*FREE_TEXT_FIELDS, "referral_id", "provider_code"})


def unmapped_lookalikes(
    frame: pl.DataFrame,
    headers: Sequence[str],
    fields: Mapping[str, str],
    dropped: Collection[str] = (),
) -> list[Candidate]:
    """Columns neither mapped nor dropped that may hold a field not yet mapped, each with
    its surest such candidate (:mod:`rehabdash.ingest.header_match`): a name that
    stands alone ("Discharged", "Date of First Attended Contact") unless the values say
    otherwise ("GP Practice Name" holding names), or a close name whose values read as
    the field ("Seen Date" holding dates, but not "Week Ending")."""
    mapped = set(fields.values())
    found = {h: candidates(frame, h) for h in headers if h not in mapped and h not in dropped}
    return unmapped_questions(found, fields, dropped)


def identifier_leaks(frame: pl.DataFrame, fields: Mapping[str, str]) -> list[str]:
    """Problems for mapped fields stored in clear whose values are NHS numbers or postcodes
    (or, in free text, dates: a date of birth would be kept as written)."""
    problems = []
    for fld, header in fields.items():
        if fld in IDENTIFIER_FIELDS or fld in DATE_FIELDS or fld in NUMBER_FIELDS:
            continue
        values = sample_values(frame, header)
        if values.len() == 0:
            continue
        what = None
        if nhs_share(values) >= _LEAK_SHARE:
            what, field_name = "NHS numbers", describe_field("nhs_number")
        elif share(values.str.to_uppercase().str.contains(POSTCODE_PATTERN)) >= _LEAK_SHARE:
            what, field_name = "postcodes", describe_field("postcode")
        elif fld in _CLEAR_TEXT and date_share(values) >= _LEAK_SHARE:
            # Text is kept as written: a column of dates there may be dates of birth.
            what = "dates (dates of birth?)"
            field_name = f"{describe_field('date_of_birth')} or a date field"
        if what is not None:
            problems.append(
                f"column {header!r} is mapped to {describe_field(fld)} but holds {what}, "
                f"which would be stored in clear: map it as {field_name} (or map another "
                "column to it)"
            )
    return problems


def duplicate_header_problems(
    duplicates: Mapping[str, Sequence[str]],
    suggested: Mapping[str, str],
    explicit: Collection[str],
) -> list[str]:
    """Problems for header names the file has more than once, where a guess took one.

    ``suggested``: field -> column chosen by the suggestion; ``explicit``: the columns
    the user mapped or dropped themselves (those are not guesses).
    """
    problems = []
    for name, columns in duplicates.items():
        guessed = [(f, c) for f, c in suggested.items() if c in columns and c not in explicit]
        if not guessed:
            continue
        listed = ", ".join(repr(c) for c in columns)
        taken = ", ".join(f"{c!r} as {describe_field(f)}" for f, c in guessed)
        problems.append(
            f"the header {name!r} appears {len(columns)} times (read as {listed}) and "
            f"{taken} was only a guess: say which column is which (--map FIELD=COLUMN, "
            "--drop COLUMN, or the wizard's mapping page)"
        )
    return problems
