"""Delimited text (CSV, TSV, pipe- or semicolon-separated) into a grid of text cells.

Real extracts come as UTF-8, UTF-8 with a BOM (Excel's "CSV UTF-8"), Windows-1252
(Excel's plain "CSV", where "£" and "é" are single bytes), a mix of the two (rows
appended by different tools), or UTF-16 (Excel's "Unicode text"); the separator is
whichever of , ; tab | splits the sample most consistently. Everything is read as
text: codes like "X" or "09" must survive.

Messages never quote the file: polars' parse errors quote the offending line (a
person id, a date of birth), so a failure is located and explained in our own words.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import polars as pl

from rehabdash.ingest.errors import ImportFileError
from rehabdash.ingest.excel_reader import column_letter

__all__ = [
    "DELIMITERS",
    "Decoded",
    "decode_bytes",
    "probe_lines",
    "read_text_grid",
    "sample_rows",
    "sniff_delimiter",
]

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 60
# Probe lines are cut to this many bytes: the probe only needs the delimiter and the
# header, and Python's csv refuses any field over 131,072 characters.
_PROBE_LINE_BYTES = 32_768
_BLOCK = 1 << 24


class Decoded(NamedTuple):
    """A text file's body as UTF-8 without BOM, the encoding found, and a note if any."""

    body: bytes
    encoding: str
    note: str | None = None


def decode_bytes(data: bytes, path: Path) -> Decoded:
    """UTF-8 bytes without BOM, the name of the encoding found, and a note on a mix."""
    if data.startswith(codecs.BOM_UTF8):
        body, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16").encode("utf-8"), "utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(path, "the file claims UTF-16 but is not valid UTF-16") from exc
    else:
        body, encoding = data, "utf-8"
    sample = body[:1_000_000]
    # A stray NUL is a row's problem (rejected or removed there); many make a binary file.
    if sample.count(b"\x00") > max(8, len(sample) // 1_000):
        raise ImportFileError(path, "this is not a text table (it contains binary data)")
    # Classic Mac line endings become "\n" first: lines are decoded one by one below.
    if b"\n" not in body and b"\r" in body:
        body = body.replace(b"\r", b"\n")
    note = None
    if not _is_utf8(body):
        # A BOM says UTF-8, so its invalid lines are Windows-1252 ones; without a BOM a
        # mix shows as valid multi-byte UTF-8 somewhere. Checking that costs one fast
        # pass; a file with none keeps the whole-file Windows-1252 decode.
        if encoding == "utf-8-sig" or _has_multibyte_utf8(body):
            body, cp_rows, utf8_text = _decode_each_line(body)
            if encoding == "utf-8-sig" or utf8_text:
                note = _mixed_note(cp_rows)
                encoding = "utf-8 and windows-1252"
            else:  # every other line is ASCII: the file is Windows-1252 after all
                encoding = "windows-1252"
        else:
            body, encoding = body.decode("cp1252", errors="replace").encode("utf-8"), "windows-1252"
        head = body[:400_000].decode("utf-8", errors="replace")[:100_000]
        controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n")
        if controls > max(5, len(head) // 200):
            raise ImportFileError(path, "this is not a text table (unreadable characters)")
    return Decoded(body, encoding, note)


def _is_utf8(body: bytes) -> bool:
    """Whether ``body`` is UTF-8, checked a block at a time (decoding a whole extract at
    once would hold a second copy of it as a str)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(body)
    try:
        for start in range(0, len(view), _BLOCK):
            decoder.decode(view[start : start + _BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _has_multibyte_utf8(body: bytes) -> bool:
    """Whether ``body`` holds any valid multi-byte UTF-8 sequence. The "ignore" handler
    runs inside CPython's decoder, so this is one C-speed pass."""
    decoder = codecs.getincrementaldecoder("utf-8")("ignore")
    view = memoryview(body)
    for start in range(0, len(view), _BLOCK):
        if not decoder.decode(view[start : start + _BLOCK]).isascii():
            return True
    return not decoder.decode(b"", final=True).isascii()


def _line_blocks(body: bytes) -> Iterator[bytes]:
    """``body`` in blocks of about 16 MB that end at a line break (no line is split)."""
    start = 0
    while start < len(body):
        cut = body.find(b"\n", start + _BLOCK)
        end = len(body) if cut < 0 else cut + 1
        yield body[start:end]
        start = end


def _note_line(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: record the line holding an invalid byte, resume after it (so
    the decoder calls back once per bad line, and valid lines stay in C)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    data = exc.object
    end = data.find(b"\n", exc.start)
    end = len(data) if end < 0 else end
    _found.spans.append((data.rfind(b"\n", 0, exc.start) + 1, end))
    return "", end


_found = threading.local()
_NOTE_LINE = "rehabdash-note-line"
codecs.register_error(_NOTE_LINE, _note_line)


def _decode_each_line(body: bytes) -> tuple[bytes, list[int], bool]:
    """``body`` as UTF-8 with every line that is not valid UTF-8 decoded as Windows-1252;
    the 1-based numbers of those lines; and whether any other line has non-ASCII text."""
    out: list[bytes] = []
    cp_rows: list[int] = []
    utf8_text = False
    line = 0  # 0-based number of the line block[pos] is on
    for block in _line_blocks(body):
        spans: list[tuple[int, int]] = []
        _found.spans = spans
        block.decode("utf-8", errors=_NOTE_LINE)
        pos = 0
        for start, end in spans:
            good = block[pos:start]
            utf8_text = utf8_text or not good.isascii()
            line += good.count(b"\n")
            cp_rows.append(line + 1)
            out += [good, block[start:end].decode("cp1252", errors="replace").encode("utf-8")]
            pos = end
        rest = block[pos:]
        utf8_text = utf8_text or not rest.isascii()
        line += rest.count(b"\n")
        out.append(rest)
    return b"".join(out), cp_rows, utf8_text


def _mixed_note(rows: list[int]) -> str:
    """'mixed encodings: 3 rows were Windows-1252 (rows 5-7), the rest UTF-8; ...'."""
    spans: list[list[int]] = []
    for row in rows:
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    shown = [f"{a:,}" if a == b else f"{a:,}–{b:,}" for a, b in spans[:5]]
    if len(spans) > 5:
        shown.append(f"and {len(spans) - 5:,} more range(s)")
    count, label = ("1 row was", "row") if len(rows) == 1 else (f"{len(rows):,} rows were", "rows")
    return (
        f"mixed encodings: {count} Windows-1252 ({label} {', '.join(shown)}), "
        "the rest UTF-8; each row decoded as its own"
    )


def probe_lines(body: bytes, limit: int = _SAMPLE_LINES) -> list[str]:
    """The first ``limit`` lines, split at "\\n" as polars splits them (so a header's
    index is the number of lines polars must skip), each cut to a bounded length."""
    lines: list[str] = []
    start = 0
    while start < len(body) and len(lines) < limit:
        end = body.find(b"\n", start)
        end = len(body) if end < 0 else end
        line = body[start : min(end, start + _PROBE_LINE_BYTES)]
        text = line.decode("utf-8", errors="replace").rstrip("\r")
        # csv refuses a bare carriage return inside a line; polars keeps it as text.
        lines.append(text.replace("\r", " "))
        start = end + 1
    return lines


def sniff_delimiter(lines: list[str]) -> str:
    """The candidate giving the most lines with the same (>1) field count."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [len(_split(line, delimiter)) for line in lines]
        wide = Counter(c for c in counts if c > 1)
        if not wide:
            continue
        modal, freq = wide.most_common(1)[0]
        score = (freq, modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sample_rows(lines: list[str], delimiter: str) -> list[list[str | None]]:
    """The probe lines parsed one by one (one row per physical line, blanks kept)."""
    return [[cell if cell.strip() else None for cell in _split(line, delimiter)] for line in lines]


def _split(line: str, delimiter: str) -> list[str]:
    """One line's cells; a line csv cannot parse counts as one cell (the probe only
    needs the header and the delimiter, never every cell)."""
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def read_text_grid(
    path: Path, body: bytes, delimiter: str, skip_lines: int
) -> tuple[pl.DataFrame, list[int]]:
    """All rows from ``skip_lines`` on (the header first), every column as text, and the
    grid rows that have more non-empty cells than the header (an unquoted delimiter in a
    cell shifts every later value into the wrong column: those rows must not be used)."""
    wide: list[int] = []
    try:
        try:
            grid = _parse(body, delimiter, skip_lines, truncate=False)
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
                raise
            # Only now pay for a second parse and a pass that finds the wide rows.
            grid = _parse(body, delimiter, skip_lines, truncate=True)
            wide = _wide_records(body, delimiter, skip_lines, grid.width)
    except pl.exceptions.PolarsError as exc:
        # polars quotes the offending line: log it, never show or store it.
        log.debug("polars could not parse %s: %s", path.name, exc)
        problem = _quote_problem(body, delimiter, skip_lines)
        if problem is None:
            raise ImportFileError(path, "the table could not be parsed as delimited text") from None
        row, cell, reason = problem
        column = None if cell is None else column_letter(cell)
        raise ImportFileError(path, reason, row=row, column=column) from None
    return grid, wide


def _parse(body: bytes, delimiter: str, skip_lines: int, *, truncate: bool) -> pl.DataFrame:
    return pl.read_csv(
        body,
        has_header=False,
        separator=delimiter,
        skip_lines=skip_lines,
        infer_schema=False,
        truncate_ragged_lines=truncate,
        raise_if_empty=False,
        quote_char='"',
    )


def _wide_records(body: bytes, delimiter: str, skip_lines: int, width: int) -> list[int]:
    """Indexes of the records (the header is 0) with a non-empty cell past ``width``;
    trailing empty cells ("1,2,3,") are a common export habit and harmless."""
    start = 0
    for _ in range(skip_lines):
        start = body.find(b"\n", start) + 1
    text = io.StringIO(body[start:].decode("utf-8", errors="replace"), newline="")
    csv.field_size_limit(2**31 - 1)  # a 50 MB cell is a row's problem, not the parser's
    return [
        i
        for i, cells in enumerate(csv.reader(text, delimiter=delimiter))
        if len(cells) > width and any(c.strip() for c in cells[width:])
    ]


_QUOTED = re.compile(rb'"(?:[^"]|"")*"')  # a closed quoted cell ("" is an escaped quote)
_NOT_CLOSED = 'a quoted cell is not closed (a stray " character?)'
_AFTER_QUOTE = 'a quoted cell has text after its closing quote (a stray " character?)'


def _quote_problem(
    body: bytes, delimiter: str, skip_lines: int
) -> tuple[int, int | None, str] | None:
    """The row (1-based line), 0-based cell and reason of the first quoting fault polars
    refuses: a quoted cell that never closes, or text straight after a closing quote.
    Runs only after a failure, so it can afford a pass over every line."""
    sep = re.escape(delimiter.encode())
    # A cell is quoted or plain (a plain cell may hold a quote but not start with one).
    cell = rb"(?:" + _QUOTED.pattern + rb'|(?:[^"' + sep + rb"][^" + sep + rb"]*)?)"
    record = re.compile(cell + rb"(?:" + sep + cell + rb")*")
    lines = body.split(b"\n")
    open_at: int | None = None  # line where a still-open quoted cell began
    parts: list[bytes] = []
    for i in range(skip_lines, len(lines)):
        line = lines[i]
        odd = line.count(b'"') % 2 == 1
        if open_at is None and not odd:
            if b'"' in line and not record.fullmatch(line.rstrip(b"\r")):
                return i + 1, _fault_cell(line.rstrip(b"\r"), delimiter.encode()), _AFTER_QUOTE
        elif open_at is None:
            open_at, parts = i, [line]
        else:
            parts.append(line)
            if odd:  # the quote opened on line open_at closes on this one
                start, open_at = open_at, None
                joined = b"\n".join(parts).rstrip(b"\r")
                if not record.fullmatch(joined):
                    return start + 1, _fault_cell(joined, delimiter.encode()), _AFTER_QUOTE
    if open_at is not None:
        return open_at + 1, _fault_cell(lines[open_at], delimiter.encode()), _NOT_CLOSED
    return None


def _fault_cell(record: bytes, sep: bytes) -> int | None:
    """0-based index of the cell of ``record`` where the quoting goes wrong, if seen."""
    pos, index = 0, 0
    while True:
        if record.startswith(b'"', pos):
            closed = _QUOTED.match(record, pos)
            if closed is None:
                return index
            pos = closed.end()
            if pos < len(record) and not record.startswith(sep, pos):
                return index
        else:
            end = record.find(sep, pos)
            end = len(record) if end < 0 else end
            if record.count(b'"', pos, end) % 2:
                return index
            pos = end
        if pos >= len(record):
            return None
        pos += len(sep)
        index += 1
