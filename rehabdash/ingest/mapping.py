"""Column mapping: which source header feeds which canonical field.

A mapping is a plain, serialisable object (kind + dict field -> source header)
carrying a signature of the file's normalised headers, so that next month's file
with the same headers can be matched to the saved template (the store saves and
versions templates; this module only suggests, serialises and checks them).
Suggestions come from :mod:`rehabdash.ingest.header_match`: each column's
candidate fields with a confidence and a reason. The surest pairs are taken first,
one column per field; two columns equally sure for a field are left for the user
to choose, and so is anything below TAKE (a *question*, never a silent guess).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.header_match import TAKE, Candidate, candidates

__all__ = [
    "ColumnMapping",
    "MappingSuggestion",
    "header_signature",
    "suggest_mapping",
    "unmapped_questions",
]


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
    """A suggested mapping, with why each field was chosen and what is left to ask.

    ``reasons``: field -> the candidate that filled it in. ``questions``: columns left
    unmapped that may hold a field not yet mapped, each with its best (weak) candidate.
    ``ambiguous``: field -> the columns equally sure to hold it (none was taken).
    """

    mapping: ColumnMapping
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    reasons: dict[str, Candidate] = field(default_factory=dict)
    questions: list[Candidate] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)


def _assign(
    found: dict[str, list[Candidate]],
) -> tuple[dict[str, Candidate], dict[str, list[str]]]:
    """Surest first: one column per field and one field per column; equal best is a tie."""
    ranked = sorted(
        (c for cs in found.values() for c in cs if c.confidence >= TAKE),
        key=lambda c: -c.confidence,
    )
    taken: dict[str, Candidate] = {}
    ambiguous: dict[str, list[str]] = {}
    used: set[str] = set()
    for cand in ranked:
        if cand.header in used or cand.field in taken or cand.field in ambiguous:
            continue
        rivals = [
            c.header
            for c in ranked
            if c.field == cand.field
            and c.header not in used
            and round(c.confidence, 6) == round(cand.confidence, 6)
        ]
        if len(rivals) > 1:
            ambiguous[cand.field] = rivals
            continue
        taken[cand.field] = cand
        used.add(cand.header)
    return taken, ambiguous


def suggest_mapping(
    frame: pl.DataFrame,
    headers: Sequence[str],
    *,
    kind: str = "activity",
) -> MappingSuggestion:
    """Suggest an activity mapping for ``headers`` (columns of ``frame``, all text)."""
    found = {h: candidates(frame, h) for h in headers}
    taken, ambiguous = _assign(found)
    fields = {f: c.header for f, c in taken.items()}
    questions = unmapped_questions(found, fields)
    mapping = ColumnMapping(kind=kind, fields=fields, header_signature=header_signature(headers))
    mapped = set(fields.values())
    unmapped = [h for h in headers if h not in mapped]
    return MappingSuggestion(mapping, ambiguous, taken, questions, unmapped)


def unmapped_questions(
    found: Mapping[str, Sequence[Candidate]],
    fields: Mapping[str, str],
    dropped: Collection[str] = (),
) -> list[Candidate]:
    """For each column neither mapped nor dropped, its surest candidate among the fields
    not yet mapped ("Team" holding "20" is asked as team type once service name is mapped)."""
    mapped = set(fields.values())
    out = []
    for header, cands in found.items():
        if header in mapped or header in dropped:
            continue
        best = next((c for c in cands if c.field not in fields), None)
        if best is not None:
            out.append(best)
    return out
