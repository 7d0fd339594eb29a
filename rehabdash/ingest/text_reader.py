"""Delimited text (CSV, TSV, pipe- or semicolon-separated) into a grid of text cells.

Real extracts come as UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"), Windows-1252
(Excel's plain "CSV", where "£" and "é" are single bytes) or UTF-16 (Excel's
"Unicode text"); the separator is whichever of , ; tab | splits the sample most
consistently. Everything is read as text: codes like "X" or "09" must survive.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from pathlib import Path

import polars as pl

from rehabdash.ingest.errors import ImportFileError

__all__ = ["DELIMITERS", "decode_bytes", "read_text_grid", "sample_rows", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 60


def decode_bytes(data: bytes, path: Path) -> tuple[bytes, str]:
    """UTF-8 bytes without BOM, and the name of the encoding found."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ImportFileError(path, "the file claims UTF-16 but is not valid UTF-16") from exc
    else:
        body, encoding = data, "utf-8"
    if b"\x00" in body[:1_000_000]:
        raise ImportFileError(path, "this is not a text table (it contains binary data)")
    try:
        _check_utf8(body)
    except UnicodeDecodeError:
        if encoding == "utf-8-sig":
            raise ImportFileError(path, "the file starts as UTF-8 but has invalid bytes") from None
        text = body.decode("cp1252", errors="replace")
        controls = sum(1 for ch in text[:100_000] if ord(ch) < 32 and ch not in "\t\r\n")
        if controls > max(5, len(text[:100_000]) // 200):
            reason = "this is not a text table (unreadable characters)"
            raise ImportFileError(path, reason) from None
        body, encoding = text.encode("utf-8"), "windows-1252"
    if b"\n" not in body and b"\r" in body:  # classic Mac line endings
        body = body.replace(b"\r", b"\n")
    return body, encoding


def _check_utf8(body: bytes, block: int = 1 << 24) -> None:
    """Raise UnicodeDecodeError unless ``body`` is UTF-8, a block at a time (decoding a
    whole extract at once would hold a second copy of it as a str)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(body)
    for start in range(0, len(view), block):
        decoder.decode(view[start : start + block])
    decoder.decode(b"", final=True)


def _lines(body: bytes, limit: int) -> list[str]:
    head = body[: 256 * 1024].decode("utf-8", errors="replace")
    return head.splitlines()[:limit]


def sniff_delimiter(lines: list[str]) -> str:
    """The candidate giving the most lines with the same (>1) field count."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if any(row)]
        wide = Counter(c for c in counts if c > 1)
        if not wide:
            continue
        modal, freq = wide.most_common(1)[0]
        score = (freq, modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sample_rows(body: bytes, delimiter: str, limit: int = _SAMPLE_LINES) -> list[list[str | None]]:
    """The first lines parsed one by one (one row per physical line, blanks kept)."""
    rows: list[list[str | None]] = []
    for line in _lines(body, limit):
        parsed = next(csv.reader([line], delimiter=delimiter), [])
        rows.append([cell if cell.strip() else None for cell in parsed])
    return rows


def read_text_grid(path: Path, body: bytes, delimiter: str, skip_lines: int) -> pl.DataFrame:
    """All rows from ``skip_lines`` on (the header first), every column as text."""
    try:
        grid = pl.read_csv(
            body,
            has_header=False,
            separator=delimiter,
            skip_lines=skip_lines,
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFileError(path, f"the table could not be parsed ({first})") from exc
    return grid
