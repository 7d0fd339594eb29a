"""Which field a column probably holds, how sure we are, and why (issue 13).

Every column of an activity extract is scored against every canonical field, from
two kinds of evidence:

* **Its name.** A known name ("Referral Received Date") is the strongest. Otherwise
  the header's words are compared with each synonym's words after expanding the
  abbreviations report writers use (PAT, PT, REF, DT, ORG, DOB, ...), dropping
  stop-words and endings, and correcting misspelt words against the synonyms'
  vocabulary with rapidfuzz ("Referal", "Ethnicty"). All of a synonym's words and
  few others ("PAT_ID", "Date of First Attended Contact") is a name that stands
  alone; half of them ("Seen Date", "Team") is a close name that needs its values.
* **Its values.** Dates, NHS numbers (modulus 11), LSOA, postcode and GP practice
  patterns, and each coded field's own normaliser (team type labels such as
  "Physiotherapy", ethnic categories, sex codes). Values can confirm a name, outweigh
  a free-text field's name (a "Team" column of team type labels is the team type, not
  the service name), or say a name is wrong ("GP Practice Name" holding names); a
  column named nothing can still be an LSOA, postcode, GP practice or NHS number
  column by its values alone.

Each :class:`Candidate` carries a confidence (0 to 1) and its reason in words. At
:data:`TAKE` or above a suggestion is filled in; between :data:`ASK` and :data:`TAKE`
it is asked, never taken silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from rapidfuzz import fuzz, process

from rehabdash.codes import INVALID, NORMALISERS
from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.dates import parse_date_series
from rehabdash.ingest.fields import (
    ACTIVITY_SYNONYMS,
    DATE_FIELDS,
    INPUT_FIELDS,
    describe_field,
    field_key,
    field_label,
)
from rehabdash.ingest.pseudonymise import nhs_number_valid

__all__ = [
    "ASK",
    "NUMBER_FIELDS",
    "POSTCODE_PATTERN",
    "TAKE",
    "Candidate",
    "candidates",
    "date_share",
    "field_named",
    "named_fields",
    "names_some_field",
    "nhs_share",
    "sample_values",
    "share",
]

TAKE = 0.8  # at least this sure: filled in, with its reason shown
ASK = 0.5  # at least this sure but below TAKE: asked, never taken silently
SAMPLE = 500
_CONFIRM = 0.8  # share of values reading as the field that confirms it
_AGAINST = 0.5  # below this share, the values say the column is something else
_ALONE = 0.6  # words shared, of all in header and synonym, for a name to stand alone
_CLOSE = 0.5  # synonym words covered, and words shared, for a close name
_FREE_TEXT = 0.85  # a free-text field's words cannot be checked against its values
_OUTWEIGHED = 0.7  # a free-text name when the values read as a coded field the name is close to
_SOME = 20  # values enough to say a known name is wrong
_SPELLING = 85  # rapidfuzz ratio for a misspelt word ("referal" -> "referral")
# How far values that read as the field add to a name's confidence: an LSOA pattern
# or "Physiotherapy" says much more than "1" or a date, which many fields share.
_VALUE_WEIGHT = {"pattern": 0.8, "label": 0.8, "code": 0.4, "date": 0.4, "number": 0.2}
# Excel serials read as dates from 1 up: a code "01" or a score "20" is not a 1900 date.
_PLAUSIBLE_DATES = (dt.date(1901, 1, 1), dt.date(2100, 12, 31))
POSTCODE_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"
_PATTERNS = {
    "lsoa": (r"^[EW]01[0-9]{6}$", "LSOA codes"),
    "postcode": (POSTCODE_PATTERN, "postcodes"),
    "gp_practice": (r"^[A-Z][0-9]{5}$", "GP practice codes"),
}
NUMBER_FIELDS = frozenset(
    {"age", "contacts_attended", "contacts_dna", "contacts_cancelled", "imd_decile"}
    | {"outcome_start", "outcome_end"}
)
_STOPWORDS = frozenset({"of", "the", "a", "an", "to", "for", "on", "at", "in", "and", "or", "by"})
# What report writers abbreviate in headers.
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
    "prov": "provider",
    "recd": "received",
    "rcvd": "received",
    "id": "id",
}


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _words(text: str) -> list[str]:
    """The header's words, lower case, abbreviations expanded, stop-words kept."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)  # camelCase -> camel Case
    out: list[str] = []
    for word in re.findall(r"[a-z0-9]+", spaced.lower()):
        out += _ABBREVIATIONS.get(word, word).split()
    return out


def _tokens(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_stem(w) for w in words if w not in _STOPWORDS)


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[tuple[str, frozenset[str]]]]:
    """Each field's names (its key first) with their tokens."""
    return {
        fld: [(s, _tokens(_words(s))) for s in (fld.replace("_", " "), *names)]
        for fld, names in ACTIVITY_SYNONYMS.items()
    }


@lru_cache(maxsize=1)
def _exact() -> dict[str, tuple[str, int]]:
    """Cleaned synonym -> (field, rank): earlier synonyms of a field rank first."""
    out: dict[str, tuple[str, int]] = {}
    for fld, names in ACTIVITY_SYNONYMS.items():
        for i, name in enumerate((fld, *names)):
            out.setdefault(clean_key(name), (fld, i))
    return out


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[str, ...]:
    words = {w for names in _synonyms().values() for s, _ in names for w in _words(s)}
    words |= set(_ABBREVIATIONS)
    return tuple(sorted(w for w in words if w.isalpha()))


def _spelt(words: list[str]) -> tuple[list[str], bool]:
    """Words corrected against the synonyms' vocabulary; True if any was misspelt."""
    vocab = _vocabulary()
    known = set(vocab)
    out, changed = [], False
    for word in words:
        if len(word) >= 5 and word.isalpha() and word not in known:
            hit = process.extractOne(word, vocab, scorer=fuzz.ratio, score_cutoff=_SPELLING)
            if hit is not None and abs(len(hit[0]) - len(word)) <= 2 and hit[0][0] == word[0]:
                out.append(hit[0])
                changed = True
                continue
        out.append(word)
    return out, changed


@dataclass(frozen=True)
class _Name:
    """How a header's name matches a field: its score and kind ("exact", "alone", "close")."""

    score: float
    kind: str
    synonym: str
    spelt: bool


def _name_matches(header: str) -> dict[str, _Name]:
    exact = _exact().get(clean_key(header))
    out: dict[str, _Name] = {}
    if exact is not None:
        fld, rank = exact
        out[fld] = _Name(1.0 - 0.001 * rank, "exact", header, False)
    words, spelt = _spelt(_words(header))
    tokens = _tokens(words)
    if not tokens:
        return out
    for fld, synonyms in _synonyms().items():
        for synonym, syn in synonyms:
            found = len(syn & tokens)
            if not found:
                continue
            covered, shared = found / len(syn), found / len(syn | tokens)
            if covered < _CLOSE or shared < _CLOSE:
                continue
            kind = "alone" if covered >= 1.0 and shared >= _ALONE else "close"
            score = 0.95 * (covered + shared) / 2 + 0.005 * min(found, 4)
            if spelt:  # a corrected word is a little less sure than a written one
                score *= 0.99
            best = out.get(fld)
            if best is None or (best.kind != "exact" and score > best.score):
                out[fld] = _Name(score, kind, synonym, spelt)
    return out


def field_named(text: str) -> str:
    """The field ``text`` names by key or label (``--map``); ValueError naming the
    closest fields when it names none ("Frist contact" -> first_contact_date?)."""
    key = field_key(text)
    if key is not None:
        return key
    choices = {f"{f} {field_label(f)}".lower(): f for f in INPUT_FIELDS}
    close = process.extract(text.lower(), list(choices), scorer=fuzz.WRatio, limit=3)
    hint = ", ".join(describe_field(choices[c]) for c, score, _ in close if score >= 60)
    raise ValueError(
        f"{text!r} is not a field"
        + (f"; did you mean {hint}?" if hint else "")
        + " (rehabdash mapping fields lists them)"
    )


def named_fields(header: str) -> frozenset[str]:
    """The fields the header's name alone says it holds ("PAT_ID" names person_id, so
    values that look like GP practice codes do not make it one)."""
    return frozenset(f for f, n in _name_matches(header).items() if n.kind != "close")


def names_some_field(headers: Iterable[str]) -> bool:
    """True when at least one header reads like a field's name (a header row, not data):
    by its name alone, so that a value such as "Leeds MSK Service" does not count."""
    return any(named_fields(header) for header in headers)


def sample_values(frame: pl.DataFrame, header: str) -> pl.Series:
    """About SAMPLE non-blank values spread over the whole file (not just its top, where
    an extract's first rows may differ from its later ones)."""
    column = frame[header].cast(pl.Utf8)
    values = column.gather_every(max(1, column.len() // (2 * SAMPLE))).drop_nulls()
    values = values.str.strip_chars()
    values = values.filter(values != "")
    return values.gather_every(-(-values.len() // SAMPLE)) if values.len() > SAMPLE else values


def share(mask: pl.Series) -> float:
    return float(mask.sum()) / mask.len() if mask.len() else 0.0


def date_share(values: pl.Series) -> float:
    lo, hi = _PLAUSIBLE_DATES
    return share(parse_date_series(values).is_between(lo, hi).fill_null(False))


def nhs_share(values: pl.Series) -> float:
    digits = values.str.replace_all(r"[\s-]", "")
    return share(pl.select(nhs_number_valid(pl.lit(digits))).to_series())


def _pattern_share(fld: str, values: pl.Series) -> float:
    return share(values.str.to_uppercase().str.contains(_PATTERNS[fld][0]))


@dataclass(frozen=True)
class _Values:
    share: float
    kind: str  # a key of _VALUE_WEIGHT
    what: str  # "dates", "team type codes or labels"


def _read_as(fld: str, values: pl.Series) -> _Values | None:
    """How many of ``values`` read as ``fld``; None for free text or an empty column."""
    if values.len() == 0:
        return None
    if fld in DATE_FIELDS:
        return _Values(date_share(values), "date", "dates")
    if fld in NORMALISERS:
        coded = pl.DataFrame({"v": values}).select(NORMALISERS[fld](pl.col("v"))).to_series()
        ok = coded.is_not_null() & (coded != INVALID)
        labels = share(values.str.count_matches(r"[A-Za-z]") >= 3) >= _CONFIRM
        noun = field_label(fld).split(" (")[0].lower()
        what = f"{noun} {'labels' if labels else 'codes'}"
        return _Values(share(ok), "label" if labels else "code", what)
    if fld in NUMBER_FIELDS:
        numbers = values.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
        return _Values(share(numbers.is_not_null()), "number", "numbers")
    if fld == "nhs_number":
        return _Values(nhs_share(values), "pattern", "valid NHS numbers")
    if fld in _PATTERNS:
        return _Values(_pattern_share(fld, values), "pattern", _PATTERNS[fld][1])
    return None


@dataclass(frozen=True)
class Candidate:
    """A field ``header`` may hold: how sure (0 to 1) and why, in words.

    ``values_agree``: most of the column's values read as the field (not just its name).
    """

    header: str
    field: str
    confidence: float
    reason: str
    values_agree: bool = False

    def describe(self) -> str:
        return (
            f"{self.header!r} (probably {describe_field(self.field)}: {self.reason}; "
            f"{self.confidence:.0%} sure)"
        )


def _name_words(name: _Name) -> str:
    if name.kind == "exact":
        return "its name"
    said = f"its name, read as {clean_key(name.synonym)!r}" if name.spelt else "its name"
    if name.kind == "alone":
        return said if name.spelt else f"its words match {clean_key(name.synonym)!r}"
    return f"its name is close to {clean_key(name.synonym)!r}"


def _from_name(header: str, fld: str, name: _Name, values: pl.Series) -> Candidate | None:
    read = _read_as(fld, values)
    reason = _name_words(name)
    # A close name is not enough by itself: the values must say it too.
    unconfirmed = name.score * 0.6 if name.kind == "close" else name.score
    if read is None:  # free text, or nothing to read
        # Words alone, that no value can confirm, are a little less sure than a known name.
        free = _is_free_text(fld) and name.kind != "exact"
        score = unconfirmed * _FREE_TEXT if free else unconfirmed
        return Candidate(header, fld, score, reason)
    seen = f"{read.share:.0%} of its values read as {read.what}"
    if read.share < _AGAINST:
        if name.kind != "exact":
            return None  # the values say otherwise ("GP Practice Name" holding names)
        if read.share == 0 and values.len() >= _SOME and read.kind not in ("label", "code"):
            # Not one of many is a date (or number) under a date's name: a flag, or
            # another field. (A handful of bad values are rows to fix.)
            return Candidate(
                header, fld, 0.6, f"{reason}, but none of its values read as {read.what}"
            )
        # A known name stands: the rows whose values are not the field's are each
        # reported with the reason, to fix and re-import.
        return Candidate(header, fld, name.score, f"{reason}; only {seen}")
    if read.share < _CONFIRM:
        return Candidate(header, fld, unconfirmed, reason)
    gain = (1 - name.score) * _VALUE_WEIGHT[read.kind] * read.share
    return Candidate(header, fld, min(1.0, name.score + gain), f"{reason}, and {seen}", True)


def _from_values(header: str, values: pl.Series) -> list[Candidate]:
    """A column named nothing the fields know, told by its values alone."""
    out = []
    digits = values.str.replace_all(r"[\s-]", "")
    if share(digits.str.contains(r"^[0-9]{10}$")) >= _CONFIRM:
        valid = nhs_share(values)
        if valid >= _CONFIRM:
            reason = f"{valid:.0%} of its values are valid NHS numbers"
            out.append(Candidate(header, "nhs_number", 0.85, reason, True))
    for fld, (_pattern, what) in _PATTERNS.items():
        found = _pattern_share(fld, values)
        if found >= _CONFIRM:
            reason = f"{found:.0%} of its values look like {what}"
            out.append(Candidate(header, fld, 0.85, reason, True))
    return out


def candidates(frame: pl.DataFrame, header: str) -> list[Candidate]:
    """Every field ``header`` (a column of ``frame``) may hold at ASK or above, surest first."""
    names = _name_matches(header)
    values = sample_values(frame, header)
    out = [c for fld, name in names.items() if (c := _from_name(header, fld, name, values))]
    if not any(n.kind != "close" for n in names.values()) and values.len():
        out += [c for c in _from_values(header, values) if c.field not in names]
    if any(c.field in NORMALISERS and c.values_agree for c in out):
        # The values are codes of a field the name is close to ("Team" holding
        # "Physiotherapy"): a free-text field's name gives way and is only asked.
        out = [
            Candidate(c.header, c.field, min(c.confidence, _OUTWEIGHED), c.reason)
            if _is_free_text(c.field)
            else c
            for c in out
        ]
    out = [c for c in out if c.confidence >= ASK]
    return sorted(out, key=lambda c: -c.confidence)


def _is_free_text(fld: str) -> bool:
    return not (
        fld in NUMBER_FIELDS
        or fld in DATE_FIELDS
        or fld in NORMALISERS
        or fld in _PATTERNS
        or fld == "nhs_number"
    )
