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
explicitly dropped. Suggestions come from header tokens (with common abbreviations)
and from what the values look like (dates, NHS codes through each field's own
normaliser, numbers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from rehabdash.codes import INVALID, NORMALISERS
from rehabdash.ingest.dates import parse_date_series
from rehabdash.ingest.fields import (
    ACTIVITY_SYNONYMS,
    DATE_FIELDS,
    FREE_TEXT_FIELDS,
    IDENTIFIER_FIELDS,
)
from rehabdash.ingest.pseudonymise import nhs_number_valid

__all__ = [
    "Lookalike",
    "duplicate_header_problems",
    "identifier_leaks",
    "name_match",
    "name_matches",
    "named_fields",
    "names_some_field",
    "unmapped_lookalikes",
]

_SAMPLE = 500
_SHARE = 0.8  # share of sampled values that must look alike
_LEAK_SHARE = 0.5  # NHS numbers or postcodes in a clear field: random ids are ~9% mod-11 valid
_AGAINST = 0.5  # below this share of values reading as the field, the name is not enough
_NAME_ALONE = 0.6  # words shared, of all in header and synonym, for a name to suffice
_CLOSE = 0.5  # synonym words covered, and words shared, for a close name (values must agree)
# Excel serials read as dates from 1 up: a code "01" or a score "20" is not a 1900 date.
_PLAUSIBLE_DATES = (dt.date(1901, 1, 1), dt.date(2100, 12, 31))
#: Fields whose text the store keeps as written (codes and dates are parsed instead).
_CLEAR_TEXT = frozenset({*FREE_TEXT_FIELDS, "referral_id", "provider_code"})
_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"
_STOPWORDS = frozenset({"of", "the", "a", "an", "to", "for", "on", "at", "in", "and", "or", "by"})
# What data officers abbreviate in report headers.
_ABBREVIATIONS = {
    "dt": "date",
    "ref": "referral",
    "refd": "referred",
    "pat": "patient",
    "pt": "patient",
    "org": "organisation",
    "dob": "date birth",
    "disch": "discharge",
    "dis": "discharge",
    "appt": "appointment",
    "eth": "ethnic",
    "relig": "religion",
    "orient": "sexual orientation",
    "no": "number",
    "num": "number",
    "nbr": "number",
    "dx": "diagnosis",
    "att": "attended",
    "cont": "contact",
    "1st": "first",
    "rsn": "reason",
    "desc": "description",
    "descr": "description",
    "src": "source",
    "svc": "service",
}
_NUMBER_FIELDS = frozenset(
    {"age", "contacts_attended", "contacts_dna", "contacts_cancelled", "imd_decile"}
    | {"outcome_start", "outcome_end"}
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> frozenset[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase -> camel Case
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", spaced.lower()):
        words += _ABBREVIATIONS.get(word, word).split()
    return frozenset(_stem(w) for w in words if w not in _STOPWORDS)


@lru_cache(maxsize=1)
def _field_tokens() -> dict[str, list[frozenset[str]]]:
    return {
        fld: [t for t in (_tokens(s) for s in (fld.replace("_", " "), *names)) if t]
        for fld, names in ACTIVITY_SYNONYMS.items()
    }


def name_matches(header: str) -> list[tuple[str, float, float]]:
    """Every field some synonym of which shares words with the header, best first:
    (field, share of the synonym's words in the header, share of all the words the
    two share), each field scored by its best synonym (more words found breaks ties
    of coverage; the field listed first in ACTIVITY_SYNONYMS breaks the rest)."""
    words = _tokens(header)
    if not words:
        return []
    best: dict[str, tuple[float, int, float]] = {}
    for fld, synonyms in _field_tokens().items():
        for syn in synonyms:
            found = len(syn & words)
            if not found:
                continue
            score = (found / len(syn), found, found / len(syn | words))
            if fld not in best or score > best[fld]:
                best[fld] = score
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)  # stable on ties
    return [(fld, covered, shared) for fld, (covered, _found, shared) in ranked]


def name_match(header: str) -> tuple[str, float, float] | None:
    """The best of :func:`name_matches`, or None when no field shares a word."""
    matches = name_matches(header)
    return matches[0] if matches else None


def _names_alone(covered: float, shared: float) -> bool:
    return covered >= 1.0 and shared >= _NAME_ALONE


def named_fields(header: str) -> frozenset[str]:
    """The fields the header's name alone says it holds (all of a synonym's words and
    few others): "PAT_ID" names person_id, so its values must not make it a GP practice."""
    return frozenset(
        f for f, covered, shared in name_matches(header) if _names_alone(covered, shared)
    )


def names_some_field(headers: Sequence[str]) -> bool:
    """True when at least one header reads like a field's name (a header row, not data):
    by its name alone, so that a value such as "Leeds MSK Service" does not count."""
    return any(named_fields(header) for header in headers)


def _sample(frame: pl.DataFrame, header: str) -> pl.Series:
    """About _SAMPLE non-blank values spread over the whole file (not just its top, where
    an extract's first rows may differ from its later ones)."""
    column = frame[header]
    values = column.gather_every(max(1, column.len() // (2 * _SAMPLE))).drop_nulls()
    values = values.str.strip_chars()
    values = values.filter(values != "")
    return values.gather_every(-(-values.len() // _SAMPLE)) if values.len() > _SAMPLE else values


def _date_share(values: pl.Series) -> float:
    lo, hi = _PLAUSIBLE_DATES
    return _share(parse_date_series(values).is_between(lo, hi).fill_null(False))


def _share(mask: pl.Series) -> float:
    return float(mask.sum()) / mask.len() if mask.len() else 0.0


def _nhs_share(values: pl.Series) -> float:
    digits = values.str.replace_all(r"[\s-]", "")
    return _share(pl.select(nhs_number_valid(pl.lit(digits))).to_series())


def _value_share(fld: str, values: pl.Series) -> float | None:
    """Share of ``values`` that read as valid values of ``fld``; None when the field's
    values cannot be told apart (free text) or the column is empty."""
    if values.len() == 0:
        return None
    if fld in DATE_FIELDS:
        return _date_share(values)
    if fld in NORMALISERS:
        coded = pl.DataFrame({"v": values}).select(NORMALISERS[fld](pl.col("v"))).to_series()
        return _share(coded.is_not_null() & (coded != INVALID))
    if fld in _NUMBER_FIELDS:
        numbers = values.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
        return _share(numbers.is_not_null())
    if fld == "nhs_number":
        return _nhs_share(values)
    patterns = {
        "lsoa": r"^[EW]01[0-9]{6}$",
        "gp_practice": r"^[A-Z][0-9]{5}$",
        "postcode": _POSTCODE,
    }
    if fld in patterns:
        return _share(values.str.to_uppercase().str.contains(patterns[fld]))
    return None


@dataclass(frozen=True)
class Lookalike:
    """An unmapped column that probably holds ``field``, and why we think so."""

    header: str
    field: str
    reason: str

    def describe(self) -> str:
        return f"{self.header!r} (probably {self.field}: {self.reason})"


def unmapped_lookalikes(
    frame: pl.DataFrame,
    headers: Sequence[str],
    fields: Mapping[str, str],
    dropped: Collection[str] = (),
) -> list[Lookalike]:
    """Columns neither mapped nor dropped whose name or values look like an unmapped field.

    A name that covers all of a synonym's words, with few others, is enough
    ("Discharged", "Date of First Attended Contact") unless the values say otherwise
    ("GP Practice Name" holding names); a name that covers half of them, and shares
    half of all the words, needs values that read as the field ("Seen Date" holding
    dates, but not "Week Ending"). The fields a header's words match are tried best
    first, skipping mapped ones: "Team" holding "20" is team_type when service_name
    (whose synonyms include "team") is already mapped.
    """
    mapped = set(fields.values())
    out: list[Lookalike] = []
    for header in headers:
        if header in mapped or header in dropped:
            continue
        values: pl.Series | None = None  # sampled once, on the first candidate
        for fld, covered, shared in name_matches(header):
            if fld in fields or covered < _CLOSE or shared < _CLOSE:
                continue  # below both rules whatever the values say
            if values is None:
                values = _sample(frame, header)
            reason = _lookalike_reason(fld, covered, shared, values)
            if reason is not None:
                out.append(Lookalike(header, fld, reason))
                break
    return out


def _lookalike_reason(fld: str, covered: float, shared: float, values: pl.Series) -> str | None:
    """Why the column probably holds ``fld``, or None when the rules say it does not."""
    share = _value_share(fld, values)
    if share is not None and share < _AGAINST:
        return None  # the values say otherwise ("GP Practice Name" holding names)
    if _names_alone(covered, shared):
        reason = "its name"
        if share is not None and share >= _SHARE:
            reason += f", and {share:.0%} of its values read as one"
        return reason
    if share is not None and share >= _SHARE:
        return f"its name is close, and {share:.0%} of its values read as one"
    return None


def identifier_leaks(frame: pl.DataFrame, fields: Mapping[str, str]) -> list[str]:
    """Problems for mapped fields stored in clear whose values are NHS numbers or postcodes
    (or, in free text, dates: a date of birth would be kept as written)."""
    problems = []
    for fld, header in fields.items():
        if fld in IDENTIFIER_FIELDS or fld in DATE_FIELDS or fld in _NUMBER_FIELDS:
            continue
        values = _sample(frame, header)
        if values.len() == 0:
            continue
        what = None
        if _nhs_share(values) >= _LEAK_SHARE:
            what, field_name = "NHS numbers", "nhs_number"
        elif _share(values.str.to_uppercase().str.contains(_POSTCODE)) >= _LEAK_SHARE:
            what, field_name = "postcodes", "postcode"
        elif fld in _CLEAR_TEXT and _date_share(values) >= _LEAK_SHARE:
            # Text is kept as written: a column of dates there may be dates of birth.
            what, field_name = "dates (dates of birth?)", "date_of_birth or a date field"
        if what is not None:
            problems.append(
                f"column {header!r} is mapped to {fld} but holds {what}, which would be "
                f"stored in clear: map it as {field_name} (or map another column to {fld})"
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
        taken = ", ".join(f"{c!r} as {f}" for f, c in guessed)
        problems.append(
            f"the header {name!r} appears {len(columns)} times (read as {listed}) and "
            f"{taken} was only a guess: say which column is which (--map FIELD=COLUMN, "
            "--drop COLUMN, or the wizard's mapping page)"
        )
    return problems
