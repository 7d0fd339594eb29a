"""Issue 9 (import safety) at the readers: no file content in messages, giant cells and
lines read the same wherever they are, and files mixing UTF-8 and Windows-1252 rows."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from ingest_helpers import HEADER, KEY, TODAY, row

from rehabdash.ingest import ImportFileError, prepare_activity, text_reader
from rehabdash.ingest.readers import MAX_COLUMNS, read_table
from rehabdash.ingest.text_reader import decode_bytes

# Identifiers planted on the failing line: none may reach a message.
SECRETS = ("PSECRET123", "9434765919", "943 476 5919", "12/05/1950")
HEAD = ",".join(HEADER).encode() + b"\n"
GOOD = ",".join(row()).encode() + b"\n"
SECRET = row(Patient_ID="PSECRET123", NHS_Number="9434765919")


def _line(cells: list[str]) -> bytes:
    return ",".join(cells).encode() + b"\n"


def _refusal(path: Path, data: bytes) -> str:
    with pytest.raises(ImportFileError) as info:
        read_table(path, data)
    message = str(info.value)
    assert "\n" not in message
    assert not [s for s in SECRETS if s in message], message
    return message


# -- (2) identifiers in error text -------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_cell", "reason"),
    [
        ('"12/05/1950', "a quoted cell is not closed"),  # opens a quote that never closes
        ('12/0"5/1950', "a quoted cell is not closed"),  # odd quote inside a plain cell
        ('"12/05/1950"x', "text after its closing quote"),
    ],
)
def test_stray_quote_names_the_row_never_the_line(
    tmp_path: Path, bad_cell: str, reason: str
) -> None:
    cells = [*SECRET]
    cells[HEADER.index("DOB")] = bad_cell
    data = HEAD + GOOD * 3 + _line(cells) + GOOD * 3
    message = _refusal(tmp_path / "quote.csv", data)
    assert message.startswith("quote.csv (row 5, column 'H'): ")  # DOB is the 8th cell
    assert reason in message


@pytest.mark.parametrize("delimiter", ["|", "\t", ";"])
def test_stray_quote_with_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    cells = [*SECRET]
    cells[1] = 'x"9434765919'
    lines = [delimiter.join(r).encode() + b"\n" for r in (HEADER, row(), cells, row())]
    message = _refusal(tmp_path / "pipe.csv", b"".join(lines))
    assert "(row 3, column 'B'): a quoted cell is not closed" in message


def test_stray_quote_deep_in_a_big_file_counts_title_rows(tmp_path: Path) -> None:
    """polars splits a big file into chunks; the row is still the line the user sees."""
    cells = [*SECRET]
    cells[0] = '"PSECRET123'
    title = b"Community rehab extract\n\n"
    data = title + HEAD + GOOD * 20_000 + _line(cells) + GOOD * 20_000
    message = _refusal(tmp_path / "big.csv", data)
    assert "(row 20,004, column 'A')" in message
    assert "not closed" in message


def test_quoted_multi_line_cells_before_the_fault_keep_the_line_number(tmp_path: Path) -> None:
    note = row(Patient_ID='"line one\nline two"')
    cells = [*SECRET]
    cells[-1] = '"E01000001" and more'
    data = HEAD + _line(note) + _line(cells)
    message = _refusal(tmp_path / "multi.csv", data)
    assert "(row 4, column 'K')" in message
    assert "text after its closing quote" in message


# -- (3) giant cells and lines ----------------------------------------------------------


def test_one_megabyte_cell_on_row_2_is_read(tmp_path: Path) -> None:
    header = [*HEADER, "Notes"]
    path = tmp_path / "wide.csv"
    data = _line(header) + _line([*row(), "x" * 1_000_000]) + _line([*row(Referral_ID="R2"), "ok"])
    path.write_bytes(data)
    table = read_table(path, data)
    assert table.headers == header
    assert table.frame["Notes"].str.len_chars().to_list() == [1_000_000, 2]
    assert table.frame["__row"].to_list() == [2, 3]
    result = prepare_activity(path, key=KEY, today=TODAY)  # Notes is not a mapped field
    assert result.rows_read == 2


def test_fifty_megabyte_line_on_row_2_is_read(tmp_path: Path) -> None:
    """A quoted 50 MB cell full of , and ; — the probe cuts it, polars reads it whole."""
    giant = b'"' + b"a,b;" * 12_500_000 + b'"'
    data = HEAD.rstrip(b"\n") + b",Notes\n" + GOOD.rstrip(b"\n") + b"," + giant + b"\n" + GOOD
    table = read_table(tmp_path / "line.csv", data)
    del data
    assert table.delimiter == ","
    assert table.frame.height == 2
    assert table.frame["Notes"].str.len_chars().to_list() == [50_000_000, None]
    assert table.frame["Patient ID"].to_list() == ["P1", "P1"]


def test_fifty_megabyte_cell_reads_the_same_on_row_2_and_row_100(tmp_path: Path) -> None:
    shapes = []
    for before in (0, 98):
        data = HEAD + GOOD * before + GOOD.rstrip(b"\n") + b"x" * 50_000_000 + b"\n" + GOOD
        table = read_table(tmp_path / "cell.csv", data)
        del data
        lengths = table.frame["LSOA"].str.len_chars()
        shapes.append((table.headers, table.frame.height, lengths.max(), lengths.arg_max()))
        del table, lengths
        gc.collect()
    assert shapes[0][0] == shapes[1][0] == HEADER
    assert shapes[0][1:] == (2, 50_000_009, 0)
    assert shapes[1][1:] == (100, 50_000_009, 98)


def test_giant_header_cell_is_one_clear_error(tmp_path: Path) -> None:
    data = HEAD.rstrip(b"\n") + b"," + b"H" * 1_000_000 + b"\n" + GOOD
    message = _refusal(tmp_path / "head.csv", data)
    assert message.startswith("head.csv (row 1, column 'L'): a header cell is 1,000,000 characters")
    assert "HHHH" not in message
    assert len(message) < 200


def test_header_line_wider_than_excel_is_refused(tmp_path: Path) -> None:
    header = b",".join(b"c%d" % i for i in range(MAX_COLUMNS + 10)) + b"\n"
    message = _refusal(tmp_path / "wide.csv", header + GOOD)
    assert "(row 1)" in message
    assert "16,384 columns" in message


def test_control_characters_in_a_title_do_not_shift_the_header(tmp_path: Path) -> None:
    """str.splitlines breaks at \\x0c and \\x1e but polars does not: the probe must
    count lines as polars does or the header is skipped."""
    data = b"Rehab\x0cextract\x1emarch\n" + HEAD + GOOD + _line(row(Ethnicity="A\rB"))
    table = read_table(tmp_path / "title.csv", data)
    assert table.headers == HEADER
    assert table.header_row == 2
    assert table.frame["__row"].to_list() == [3, 4]
    assert table.frame["Ethnicity"].to_list() == ["White - British", "A\rB"]


# -- (5) mixed encodings ------------------------------------------------------------------


def _service_file(encodings: list[str], bom: bool = False) -> bytes:
    lines = [",".join([*HEADER, "Service"]).encode()]
    for i, encoding in enumerate(encodings):
        lines.append(",".join([*row(Referral_ID=f"R{i}"), "Café Physio"]).encode(encoding))
    return (b"\xef\xbb\xbf" if bom else b"") + b"\n".join(lines) + b"\n"


def test_mixed_utf8_and_cp1252_rows_each_decode_as_their_own(tmp_path: Path) -> None:
    encodings = ["utf-8"] * 3 + ["cp1252"] * 4 + ["utf-8", "cp1252"]
    table = read_table(tmp_path / "mixed.csv", _service_file(encodings))
    assert table.frame["Service"].to_list() == ["Café Physio"] * 9
    assert table.encoding == "utf-8 and windows-1252"
    assert table.notes[0] == (
        "mixed encodings: 5 rows were Windows-1252 (rows 5–8, 10), the rest UTF-8; "
        "each row decoded as its own"
    )


def test_mixed_file_row_numbers_across_decoding_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_reader, "_BLOCK", 64)  # many blocks, each cut at a line end
    encodings = ["cp1252" if i % 3 == 0 else "utf-8" for i in range(30)]
    table = read_table(tmp_path / "blocks.csv", _service_file(encodings))
    assert table.frame["Service"].to_list() == ["Café Physio"] * 30
    cp_rows = [i + 2 for i, e in enumerate(encodings) if e == "cp1252"]
    shown = ", ".join(f"{r:,}" for r in cp_rows[:5])
    assert table.notes[0] == (
        f"mixed encodings: 10 rows were Windows-1252 (rows {shown}, and 5 more range(s)), "
        "the rest UTF-8; each row decoded as its own"
    )


def test_pure_cp1252_file_is_decoded_whole_without_a_note(tmp_path: Path) -> None:
    path = tmp_path / "cp.csv"
    # "Ã©" is valid UTF-8 once encoded as cp1252 (C3 A9), but it shares its line with an
    # invalid byte, so the line (and the file) is still Windows-1252.
    data = _service_file(["cp1252"] * 3) + ",".join([*row(), "Ã© £5"]).encode("cp1252") + b"\n"
    decoded = decode_bytes(data, path)
    assert decoded.encoding == "windows-1252"
    assert decoded.note is None
    assert decoded.body == data.decode("cp1252").encode("utf-8")
    table = read_table(path, data)
    assert table.frame["Service"].to_list() == ["Café Physio"] * 3 + ["Ã© £5"]
    assert table.notes == []


def test_utf8_bom_file_with_a_cp1252_row_is_read_with_a_note(tmp_path: Path) -> None:
    table = read_table(tmp_path / "bom.csv", _service_file(["utf-8", "cp1252"], bom=True))
    assert table.headers[0] == "Patient ID"
    assert table.frame["Service"].to_list() == ["Café Physio"] * 2
    assert table.notes[0].startswith("mixed encodings: 1 row was Windows-1252 (row 3), ")


def test_pure_utf8_file_has_no_note(tmp_path: Path) -> None:
    decoded = decode_bytes(_service_file(["utf-8"] * 3), tmp_path / "utf8.csv")
    assert (decoded.encoding, decoded.note) == ("utf-8", None)
