"""Malformed CSV and XLSX: prepare_activity and read_table return or raise ImportFileError,
nothing else, and a refusal never quotes the identifiers planted in the file."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_helpers import HEADER, KEY, TODAY, row
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from rehabdash.ingest import ImportFileError, prepare_activity
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.ingest.readers import MAX_HEADER_CHARS, RawTable, read_table

_CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "X",
            "9",
            "Total",
            "01/03/2024",
            "45352",
            "-1",
            "E01000001",
            '"',
            "a;b",
            "\t",
            "ÿ",
            "\x00",
            "1e309",
            "99/99/9999",
            "01-Mar-24",
            "NaN",
        ]
    ),
    st.text(max_size=12),
)
_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check(path: Path) -> None:
    try:
        result = prepare_activity(path, key=KEY, today=TODAY)
    except ImportFileError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert path.name in message
        return
    assert isinstance(result, PreparedImport)
    assert result.rows_accepted + result.rows_rejected <= result.rows_read


@_SETTINGS
@given(data=st.binary(max_size=400))
def test_random_bytes_as_csv(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        path.write_bytes(data)
        _check(path)


@_SETTINGS
@given(
    cells=st.lists(st.lists(_CELL, min_size=0, max_size=14), min_size=0, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    keep_header=st.booleans(),
)
def test_mangled_extracts_as_csv(
    cells: list[list[str]], delimiter: str, encoding: str, keep_header: bool
) -> None:
    lines = [delimiter.join(HEADER)] if keep_header else []
    lines += [delimiter.join(row())] + [delimiter.join(r) for r in cells]
    data = "\n".join(lines).encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mangled.csv"
        path.write_bytes(data)
        _check(path)


@_SETTINGS
@given(
    cells=st.lists(st.lists(_CELL, max_size=12), max_size=6),
    cut=st.integers(0, 4000),
    keep_header=st.booleans(),
)
def test_mangled_and_truncated_xlsx(cells: list[list[str]], cut: int, keep_header: bool) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if keep_header:
        sheet.append(HEADER)
    for values in cells:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        whole = Path(folder) / "book.xlsx"
        whole.write_bytes(data)
        _check(whole)
        truncated = Path(folder) / "cut.xlsx"
        truncated.write_bytes(data[: max(1, len(data) - cut)])
        _check(truncated)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _check(path)


# -- issue 9: planted identifiers, duplicated headers, giant cells, controls, encodings --

_SECRETS = ("PSECRET123", "9434765919", "12/05/1950")
_PLANTED = row(Patient_ID="PSECRET123", NHS_Number="9434765919")  # DOB is 12/05/1950
_NASTY = st.one_of(
    _CELL,
    st.sampled_from(
        [
            '"',
            '""',
            '"PSECRET123',
            'PSECRET123"x',
            '12/0"5/1950',
            "\x00",
            "\x01",
            "\x1b",
            "\x7f",
            "\r",
            "Café Physio",
            "£5",
            "’",
        ]
    ),
)
_HEADERS = st.sampled_from(
    [
        HEADER,
        [*HEADER, "Patient ID", " patient  id "],  # duplicated, in case and spacing
        [*HEADER[:3], HEADER[2], *HEADER[3:]],
        [],  # no header row at all
    ]
)
_BIG = 200_000  # over csv's 131,072 field limit, small enough for many examples


def _read_safely(path: Path, data: bytes) -> RawTable | None:
    """read_table's result, or None after checking its refusal is one clean line."""
    try:
        return read_table(path, data)
    except ImportFileError as exc:
        message = str(exc)
    assert message.startswith(path.name)
    assert "\n" not in message
    assert len(message) < 400
    assert not [s for s in _SECRETS if s in message], message
    return None


@settings(max_examples=60, deadline=None)
@given(
    header=_HEADERS,
    cells=st.lists(st.lists(_NASTY, min_size=1, max_size=14), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encodings=st.lists(st.sampled_from(["utf-8", "cp1252"]), min_size=8, max_size=8),
    bom=st.booleans(),
    big=st.one_of(st.none(), st.tuples(st.integers(0, 7), st.sampled_from(["x", "é", ",", '"']))),
)
def test_read_table_never_leaks_planted_identifiers(
    header: list[str],
    cells: list[list[str]],
    delimiter: str,
    encodings: list[str],
    bom: bool,
    big: tuple[int, str] | None,
) -> None:
    rows = [header] if header else []
    rows += [_PLANTED, *cells, _PLANTED]
    if big is not None:
        at, char = big
        target = rows[at % len(rows)]
        rows[at % len(rows)] = [*target, char * _BIG]
    lines = [
        delimiter.join(r).encode(encodings[i % len(encodings)], errors="replace")
        for i, r in enumerate(rows)
    ]
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + b"\n"
    with tempfile.TemporaryDirectory() as folder:
        table = _read_safely(Path(folder) / "planted.csv", data)
    if table is not None:
        _check_table(table)


def _check_table(table: RawTable) -> None:
    assert table.frame.columns[0] == "__row"
    assert len(table.headers) == len({h.casefold() for h in table.headers})
    assert max(len(h) for h in table.headers) <= MAX_HEADER_CHARS  # a giant one is refused


_WORDS = st.sampled_from(["Café Physio", "£5 fee", "Zoë", "naïve", "Ångström", "plain", "–", "’s"])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(_WORDS, min_size=1, max_size=12),
    encodings=st.lists(st.sampled_from(["utf-8", "cp1252"]), min_size=12, max_size=12),
    bom=st.booleans(),
)
def test_each_line_decodes_by_its_own_encoding(
    values: list[str], encodings: list[str], bom: bool
) -> None:
    lines = [b"Patient ID,Service"]
    lines += [f"P{i},{v}".encode(encodings[i]) for i, v in enumerate(values)]
    data = (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + b"\n"
    table = read_table(Path("mixed.csv"), data)
    assert table.frame["Service"].to_list() == values
    cp_rows = [i + 2 for i, v in enumerate(values) if not v.isascii() and encodings[i] == "cp1252"]
    utf8_rows = [i for i, v in enumerate(values) if not v.isascii() and encodings[i] == "utf-8"]
    mixed = [n for n in table.notes if n.startswith("mixed encodings")]
    if cp_rows and (utf8_rows or bom):
        assert len(mixed) == 1
        assert f"{len(cp_rows):,} row" in mixed[0]
    else:
        assert mixed == []


# calamine's errors quote the cell they choke on ("Unsupported cell error value 'x'").
_PLANTED_XML = b'<c r="A%d" t="inlineStr"><is><t>PSECRET123</t></is></c>'
_DAMAGE = [b'<c r="A%d" t="e"><v>PSECRET123</v></c>', b'<c r="A%d" t="PSECRET123"><v>1</v></c>']


def _damaged(data: bytes, planted_row: int, damage: bytes) -> bytes:
    """``data`` with the planted person id's cell made into one calamine refuses."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = part.replace(_PLANTED_XML % planted_row, damage % planted_row)
            target.writestr(name, part)
    return out.getvalue()


@_SETTINGS
@given(
    header=_HEADERS,
    cells=st.lists(st.lists(_NASTY, max_size=12), max_size=5),
    giant_at=st.one_of(st.none(), st.integers(0, 6)),
    damage=st.one_of(st.none(), st.sampled_from(_DAMAGE)),
)
def test_xlsx_with_planted_identifiers_and_giant_cells(
    header: list[str], cells: list[list[str]], giant_at: int | None, damage: bytes | None
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    rows = [header] if header else []
    rows += [_PLANTED, *cells]
    if giant_at is not None:
        rows[giant_at % len(rows)] = [*rows[giant_at % len(rows)], "y" * 32_767]
    for values in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if damage is not None:
        data = _damaged(data, 2 if header else 1, damage)
    with tempfile.TemporaryDirectory() as folder:
        table = _read_safely(Path(folder) / "planted.xlsx", data)
    if table is not None:
        _check_table(table)
