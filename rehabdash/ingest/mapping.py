"""Column mapping: which source header feeds which canonical field.

A mapping is a plain, serialisable object (kind + dict field -> source header)
carrying a signature of the file's normalised headers, so that next month's file
with the same headers can be matched to the saved template (the store saves and
versions templates; this module only suggests, serialises and checks them).
Suggestions come from header names and their synonyms, then from the values
themselves (an E01... column is an LSOA; 10-digit numbers passing the NHS number
modulus-11 check are NHS numbers), except where the header's name says it is some
other field ("PAT_ID" holding "P12345" is a patient id, not a GP practice code).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.fields import ACTIVITY_SYNONYMS
from rehabdash.ingest.mapping_checks import named_fields
from rehabdash.ingest.pseudonymise import nhs_number_valid

__all__ = ["ColumnMapping", "MappingSuggestion", "header_signature", "suggest_mapping"]

_VALUE_RULES: tuple[tuple[str, str], ...] = (
    ("lsoa", r"^[EW]01[0-9]{6}$"),
    ("postcode", r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"),
    ("gp_practice", r"^[A-Z][0-9]{5}$"),
)
_VALUE_FIELDS = frozenset({"nhs_number", *(f for f, _ in _VALUE_RULES)})
_SAMPLE = 500
_SHARE = 0.8


def header_signature(headers: Sequence[str]) -> str:
    """SHA-256 of the sorted, cleaned header names (order and case do not matter)."""
    text = "\n".join(sorted(clean_key(h) for h in headers))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ColumnMapping:
    """Canonical field -> source header, for one dataset kind.

    ``dropped``: columns the user chose to leave out (kept with the mapping, so a
    saved template remembers them). ``partial``: these choices add to the saved or
    suggested mapping instead of replacing it (``--map`` and ``--drop``).
    """

    kind: str
    fields: dict[str, str]
    header_signature: str = ""
    name: str | None = None
    version: int = 1
    dropped: list[str] = field(default_factory=list)
    partial: bool = False

    def to_json(self) -> str:
        data: dict[str, object] = {
            "kind": self.kind,
            "fields": self.fields,
            "header_signature": self.header_signature,
            "name": self.name,
            "version": self.version,
        }
        if self.dropped:
            data["dropped"] = list(self.dropped)
        if self.partial:
            data["partial"] = True
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        data = json.loads(text)
        if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
            raise ValueError("not a column mapping")
        return cls(
            kind=str(data.get("kind", "activity")),
            fields={str(k): str(v) for k, v in data["fields"].items()},
            header_signature=str(data.get("header_signature", "")),
            name=data.get("name"),
            version=int(data.get("version", 1)),
            dropped=[str(h) for h in data.get("dropped", [])],
            partial=bool(data.get("partial", False)),
        )

    def matches(self, headers: Sequence[str]) -> bool:
        """True when ``headers`` are the ones this template was saved for."""
        return bool(self.header_signature) and self.header_signature == header_signature(headers)

    def missing_headers(self, headers: Sequence[str]) -> list[str]:
        """Mapped source headers that the file does not have."""
        present = set(headers)
        return sorted(h for h in self.fields.values() if h not in present)


@dataclass
class MappingSuggestion:
    """A suggested mapping, with what could not be decided and why."""

    mapping: ColumnMapping
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    from_values: dict[str, str] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)


def _by_name(
    headers: Sequence[str], synonyms: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], dict[str, list[str]]]:
    rank: dict[str, tuple[str, int]] = {}
    for fld, names in synonyms.items():
        for i, name in enumerate((fld, *names)):
            rank.setdefault(clean_key(name), (fld, i))
    best: dict[str, tuple[int, list[str]]] = {}
    for header in headers:
        hit = rank.get(clean_key(header))
        if hit is None:
            continue
        fld, i = hit
        if fld not in best or i < best[fld][0]:
            best[fld] = (i, [header])
        elif i == best[fld][0]:
            best[fld][1].append(header)
    chosen = {f: hs[0] for f, (_, hs) in best.items() if len(hs) == 1}
    ambiguous = {f: hs for f, (_, hs) in best.items() if len(hs) > 1}
    return chosen, ambiguous


def _share(values: pl.Series, pattern: str) -> float:
    """Share of ``values`` matching ``pattern`` (0 for none)."""
    if values.len() == 0:
        return 0.0
    return int(values.str.contains(pattern).sum()) / values.len()


def _by_values(frame: pl.DataFrame, candidates: Sequence[str], taken: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in candidates:
        values = frame[header].drop_nulls().head(_SAMPLE).str.strip_chars().str.to_uppercase()
        values = values.filter(values != "")
        if values.len() == 0:
            continue
        # Values never override a name that says another field ("PAT_ID" holding
        # "P12345"): such a column is left to the lookalike check.
        named = named_fields(header)
        closed = taken | set(found)
        if named:
            closed |= _VALUE_FIELDS - named
        digits = values.str.replace_all(r"[\s-]", "")
        if "nhs_number" not in closed and _share(digits, r"^[0-9]{10}$") >= _SHARE:
            valid = pl.select(nhs_number_valid(pl.lit(digits))).to_series()
            if int(valid.sum()) / valid.len() >= _SHARE:
                found["nhs_number"] = header
                continue
        for fld, pattern in _VALUE_RULES:
            if fld not in closed and _share(values, pattern) >= _SHARE:
                found[fld] = header
                break
    return found


def suggest_mapping(
    frame: pl.DataFrame,
    headers: Sequence[str],
    *,
    kind: str = "activity",
    synonyms: Mapping[str, Sequence[str]] = ACTIVITY_SYNONYMS,
) -> MappingSuggestion:
    """Suggest a mapping for ``headers`` (columns of ``frame``, all text)."""
    chosen, ambiguous = _by_name(headers, synonyms)
    used = set(chosen.values()) | {h for hs in ambiguous.values() for h in hs}
    rest = [h for h in headers if h not in used]
    from_values: dict[str, str] = {}
    if kind == "activity":
        from_values = _by_values(frame, rest, set(chosen) | set(ambiguous))
        chosen.update(from_values)
    mapped = set(chosen.values())
    mapping = ColumnMapping(kind=kind, fields=chosen, header_signature=header_signature(headers))
    unmapped = [h for h in headers if h not in mapped]
    return MappingSuggestion(mapping, ambiguous, from_values, unmapped)
