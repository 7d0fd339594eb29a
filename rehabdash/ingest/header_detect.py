"""Find the header row, name the columns, and spot a totals or footer row.

Reports put a title (often a merged cell), a run date and blank rows above the
table, and a "Total" row or a "Report generated ..." line below it. The header is
the row that names the most known fields; failing that, the first row that is as
wide as the table and mostly text. Headers are made unique and non-blank so each
column can be named in messages exactly as the user sees it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rehabdash.codes._normalise import clean_key
from rehabdash.ingest.scrub import CONTROL_CHARACTERS

__all__ = ["find_header_row", "footer_kind", "unique_headers"]

Row = Sequence[str | None]

_CONTROL = re.compile(CONTROL_CHARACTERS)
_NUMBERISH = re.compile(r"^[\s£$€%+\-.,:/0-9]*$")
_TOTALS = re.compile(r"^\s*(grand\s+|sub\s*)?totals?\b", re.IGNORECASE)
_FOOTER = re.compile(
    r"^\s*(end of (report|file|data|extract)|report (run|generated|produced|date)|generated|"
    r"extracted|source\s*:|total (records|rows)|record count|row count|count\s*:|rows\s*:|"
    r"\*{2,}|page \d+|confidential|printed)",
    re.IGNORECASE,
)


def _filled(row: Row) -> list[str]:
    return [c for c in row if c is not None and c.strip()]


def find_header_row(rows: Sequence[Row], vocabulary: Collection[str]) -> int | None:
    """Index of the header among ``rows``; None when every row is blank."""
    counts = [len(_filled(r)) for r in rows]
    if not any(counts):
        return None
    # Only text cells count: a data row of numbers must never look like a header.
    matches = [
        sum(clean_key(c) in vocabulary for c in _filled(r) if not _NUMBERISH.match(c)) for r in rows
    ]
    best = max(matches)
    if best >= 2:
        return matches.index(best)
    width = max(counts)
    need = max(1, -(-width * 6 // 10))
    for i, row in enumerate(rows):
        cells = _filled(row)
        if len(cells) < need:
            continue
        texty = sum(not _NUMBERISH.match(c) for c in cells)
        if texty >= max(1, len(cells) * 6 // 10):
            return i
    return counts.index(width)


def unique_headers(cells: Row, letters: Sequence[str]) -> list[str]:
    """Stripped header names; blank -> "Column C"; repeats -> "Name (2)", "Name (3)"."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        # Header names are shown and stored (mappings, row issues): no control characters.
        text = _CONTROL.sub("", cell) if cell else ""
        base = " ".join(text.split()) if text.strip() else f"Column {letters[i]}"
        if base in {"*", "__row"} or (base.startswith("^") and base.endswith("$")):
            base = f"[{base}]"  # polars would read these as a wildcard, regex or our own column
        key = base.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{base} ({seen[key]})"
            while name.casefold() in seen:
                seen[key] += 1
                name = f"{base} ({seen[key]})"
        else:
            seen[key] = 1
            name = base
        seen.setdefault(name.casefold(), 1)
        names.append(name)
    return names


def footer_kind(row: Row, width: int) -> str | None:
    """'totals' or 'footer' when a trailing row is not data, else None."""
    cells = _filled(row)
    if not cells:
        return None
    if any(_TOTALS.match(c) for c in cells):
        return "totals"
    if any(_FOOTER.match(c) for c in cells[:2]):
        return "footer"
    if len(cells) == 1 and width >= 3 and len(cells[0].split()) >= 3:
        return "footer"
    return None
