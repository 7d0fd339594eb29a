"""Workbooks: merged title cells, title rows, totals rows, serial dates, odd headers, sheets."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from ingest_helpers import HEADER, KEY, TODAY, row

from rehabdash.ingest import ColumnMapping, ImportFileError, prepare_activity
from rehabdash.ingest.readers import read_table

#: The messy workbook has "Ethnicity" twice: the officer says which one is the code.
ETHNICITY_CHOSEN = ColumnMapping("activity", {"ethnic_category": "Ethnicity"}, partial=True)


def _messy_workbook(path: Path) -> Path:
    """Title merged over B1:L1, a run date, a blank row, header on row 4 from column B,
    a duplicated and a blank header, serial and datetime dates, a totals row."""
    book = xlsxwriter.Workbook(path)
    notes = book.add_worksheet("Notes")
    notes.write(0, 0, "This workbook holds the monthly extract")
    sheet = book.add_worksheet("Extract")
    sheet.merge_range("B1:L1", "Community rehabilitation referrals - March 2024")
    sheet.write(1, 1, "Run on 01/04/2024")
    header = [*HEADER, "Ethnicity", None]
    for col, name in enumerate(header):
        if name is not None:
            sheet.write(3, col + 1, name)
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    first = row()
    for col, value in enumerate(first):
        sheet.write_string(4, col + 1, value)
    sheet.write_number(4, 5, 45352)  # Referral Date as an Excel serial number (01/03/2024)
    sheet.write_datetime(4, 6, dt.datetime(2024, 3, 5, 10, 30), date_format)
    sheet.write(4, 12, "A")
    sheet.write(4, 13, "stray")
    second = row(Referral_ID="R2", Sex="Female", Ethnicity="zz")
    for col, value in enumerate(second):
        sheet.write_string(5, col + 1, value)
    sheet.write_number(5, 4, 1)  # Provider typed as a number -> kept as text "1"
    sheet.write(7, 1, "Total")
    sheet.write(7, 3, 2)
    book.close()
    return path


def test_messy_workbook_end_to_end(tmp_path: Path) -> None:
    path = _messy_workbook(tmp_path / "extract.xlsx")
    with pytest.raises(ImportFileError, match="'Ethnicity' appears 2 times"):
        prepare_activity(path, key=KEY, today=TODAY)  # which "Ethnicity" is it? Say so.
    result = prepare_activity(path, key=KEY, today=TODAY, mapping=ETHNICITY_CHOSEN)
    assert result.sheet == "Extract"
    assert result.header_row == 4
    assert result.footer_note == "ignored a totals row at row 8"
    assert result.rows_read == 2
    rows = result.rows.sort("referral_id")
    assert rows["referral_date"].cast(str).to_list() == ["2024-03-01", "2024-03-01"]
    assert rows["first_contact_date"].cast(str).to_list() == ["2024-03-05", "2024-03-05"]
    assert rows["sex"].to_list() == ["1", "2"]
    assert rows["provider_code"].to_list() == ["RY1", "1"]
    warning = result.failures.filter(result.failures["rule"] == "invalid_code")
    assert warning.select("source_row", "column", "value").rows() == [(6, "Ethnicity", "zz")]
    assert any("'Ethnicity (2)'" in n and "'Column N'" in n for n in result.notes)


def test_sheet_can_be_chosen_by_name_or_index(tmp_path: Path) -> None:
    path = _messy_workbook(tmp_path / "extract.xlsx")
    by_name = prepare_activity(
        path, sheet="extract", key=KEY, today=TODAY, mapping=ETHNICITY_CHOSEN
    )
    by_index = prepare_activity(path, sheet=1, key=KEY, today=TODAY, mapping=ETHNICITY_CHOSEN)
    assert by_name.rows.equals(by_index.rows)
    with pytest.raises(ImportFileError, match=r"no sheet 'Missing'.*'Notes', 'Extract'"):
        prepare_activity(path, sheet="Missing", key=KEY, today=TODAY)


def test_a_hidden_sheet_is_passed_over_and_the_sheet_read_is_named(tmp_path: Path) -> None:
    """A hidden sheet (an old copy behind the visible one) is not read unless named, even
    though its header is as good; the notes name the sheet read and the one passed over."""
    path = tmp_path / "extract.xlsx"
    book = xlsxwriter.Workbook(path)
    old = book.add_worksheet("Old copy")
    shown = book.add_worksheet("March")
    for sheet, rows in ((old, [row(Referral_ID="OLD")]), (shown, [row(), row(Referral_ID="R2")])):
        for col, name in enumerate(HEADER):
            sheet.write(0, col, name)
        for r, values in enumerate(rows, start=1):
            for col, value in enumerate(values):
                sheet.write_string(r, col, value)
    old.hide()
    shown.activate()
    book.close()
    table = read_table(path, path.read_bytes())
    assert table.sheet == "March"
    assert table.notes[0] == "read sheet 'March' of 2; hidden sheets not read: 'Old copy'"
    assert read_table(path, path.read_bytes(), sheet="Old copy").frame.height == 1  # named


def test_openpyxl_workbook_with_datetimes_and_xlsm_suffix(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    values: list[object] = list(row())
    values[4] = dt.datetime(2024, 2, 29, 8, 0)
    values[5] = dt.date(2024, 3, 1)
    values[6] = None
    sheet.append(values)
    path = tmp_path / "extract.xlsx"
    book.save(path)
    result = prepare_activity(path, key=KEY, today=TODAY)
    assert result.rows["referral_date"].cast(str).to_list() == ["2024-02-29"]
    assert result.rows["first_contact_date"].cast(str).to_list() == ["2024-03-01"]


def test_empty_workbook_and_non_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    empty = tmp_path / "empty.xlsx"
    book.save(empty)
    with pytest.raises(ImportFileError, match=r"empty\.xlsx"):
        prepare_activity(empty, key=KEY, today=TODAY)
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"this is not a zip file at all")
    with pytest.raises(ImportFileError, match=r"not a readable spreadsheet"):
        prepare_activity(fake, key=KEY, today=TODAY)


def _patched_workbook(old: bytes, new: bytes) -> bytes:
    """A one-sheet workbook holding identifiers, with ``old`` replaced in its sheet XML."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Patient ID", "NHS Number"])
    sheet.append(["PSECRET123", "9434765919"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                assert old in data
                data = data.replace(old, new)
            target.writestr(name, data)
    return out.getvalue()


_A2 = b'<c r="A2" t="inlineStr"><is><t>PSECRET123</t></is></c>'


@pytest.mark.parametrize(
    "data",
    [
        # calamine's messages quote these cells: "Unsupported cell error value 'PSECRET123'"
        pytest.param(_patched_workbook(_A2, b'<c r="A2" t="e"><v>PSECRET123</v></c>'), id="error"),
        pytest.param(_patched_workbook(_A2, b'<c r="A2" t="PSECRET123"><v>1</v></c>'), id="type"),
        pytest.param(_patched_workbook(b"</sheetData>", b""), id="cut-xml"),
        pytest.param(_patched_workbook(b"", b"")[:900], id="cut-zip"),
    ],
)
def test_damaged_workbook_message_is_ours(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "damaged.xlsx"
    with pytest.raises(ImportFileError) as info:
        read_table(path, data)
    message = str(info.value)
    assert "PSECRET123" not in message
    assert "9434765919" not in message
    assert "calamine" not in message.lower()
    assert "\n" not in message
    assert message.startswith("damaged.xlsx: ")


def test_excel_maximum_cell_is_read_in_data_and_refused_in_header(tmp_path: Path) -> None:
    longest = "y" * 32_767  # Excel's limit for one cell
    for header, body in (
        (["Patient ID", "NHS Number", "Notes"], ["P1", "9434765919", longest]),
        (["Patient ID", "NHS Number", longest], ["P1", "9434765919", "short"]),
    ):
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet("Extract")
        sheet.write_row(0, 0, header)
        sheet.write_row(1, 0, body)
        book.close()
        path = tmp_path / "longest.xlsx"
        if header[2] == "Notes":
            table = read_table(path, buffer.getvalue())
            assert table.frame["Notes"].to_list() == [longest]
            continue
        with pytest.raises(ImportFileError) as info:
            read_table(path, buffer.getvalue())
        message = str(info.value)
        assert message.startswith("longest.xlsx (row 1, column 'C'): a header cell is 32,767")
        assert "yyyy" not in message
