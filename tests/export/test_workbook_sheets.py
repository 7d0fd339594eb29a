"""The data plan workbook's sheets, tables and properties, read back from the file
(issue 12: the Analysis Function guidance on releasing statistics in spreadsheets)."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

import pytest
from workbook_built import Built
from workbook_read import book, table_of, text_above

from rehabdash.plan.export.workbook_check import check_workbook

SECTIONS = (
    "1 Who is accessing",
    "1b Intersections",
    "1c Inequality measures",
    "1d Deprivation gradient",
    "2a Waits",
    "2b DNAs and outcomes",
    "3a Need by group",
    "3b Need by area",
    "4a Trends",
    "4b Gaps",
    "4c Previous period",
    "5a Recording quality",
    "5b Rows rejected",
    "Findings",
    "Action plan",
    "Methods",
    "Provenance",
)


@pytest.mark.parametrize("disclosure", ["hes", "mhsds", "none"])
def test_every_workbook_passes_the_accessibility_check(built: Built, disclosure: str) -> None:
    from rehabdash.plan.disclosure import rule

    path = built.workbook(disclosure)
    assert check_workbook(path, threshold=rule(disclosure).threshold) == []


def test_sheets_come_in_order_cover_first_each_table_its_own(built: Built) -> None:
    wb = book(built.workbook("hes"))
    names = wb.sheetnames
    assert names[:3] == ["Cover", "Contents", "Notes"]
    assert [n for n in names if n in SECTIONS] == list(SECTIONS)
    assert {"Charts 1", "Charts 3", "Charts 4"} <= set(names)
    assert wb.active.title == "Cover"
    table_names = []
    for ws in wb.worksheets:
        assert ws.sheet_view.selection[0].activeCell in (None, "A1"), ws.title
        if ws.title in ("Cover",) or ws.title.startswith("Charts"):
            assert not ws.tables, ws.title
            continue
        name, first_col, header_row, _, last_row = table_of(ws)
        table_names.append(name)
        assert first_col == 1
        assert ws.max_row == last_row, f"{ws.title}: something below the table"
        above = text_above(ws)
        assert above[0], f"{ws.title}: no title in A1"
        assert all(above), f"{ws.title}: a blank row above the table"
        assert header_row == len(above) + 1
    assert len(set(table_names)) == len(table_names)
    assert "Who_is_accessing" in table_names
    assert "Need_by_area" in table_names


def test_contents_links_every_sheet(built: Built) -> None:
    ws = book(built.workbook("hes"))["Contents"]
    _, _, header, _, last = table_of(ws)
    linked = {}
    for r in range(header + 1, last + 1):
        cell = ws.cell(r, 1)
        assert cell.hyperlink is not None, cell.value
        linked[cell.value] = cell.hyperlink.location
    wb = book(built.workbook("hes"))
    assert set(linked) == set(wb.sheetnames) - {"Cover", "Contents"}
    assert linked["3b Need by area"] == "'3b Need by area'!A1"


def test_cover_names_area_period_sources_rule_and_version(built: Built) -> None:
    from rehabdash import __version__

    ws = book(built.workbook("hes"))["Cover"]
    text = "\n".join(str(c.value) for c in ws["A"] if c.value)
    assert "NHS West Yorkshire Integrated Care Board" in text
    assert "01 April 2024 to 31 March 2025" in text
    for batch in built.batches:
        assert f"Batch {batch.id} ({batch.kind})" in text
        assert batch.sha256 in text
    assert "English Indices of Deprivation 2019" in text
    assert "the HES/ECDS rule" in text
    assert f"rehabdash {__version__}" in text
    assert "NOT FOR CIRCULATION" not in text


def test_unsuppressed_workbook_says_so_on_the_cover_and_every_sheet(built: Built) -> None:
    wb = book(built.workbook("none"))
    for ws in wb.worksheets:
        above = text_above(ws) if ws.tables else [str(c.value or "") for c in ws["A"][:4]]
        assert "NOT FOR CIRCULATION: unsuppressed" in above, ws.title
    assert "No disclosure control" in "\n".join(str(c.value) for c in wb["Cover"]["A"])


def test_title_and_language_are_in_the_document_properties(built: Built) -> None:
    with zipfile.ZipFile(built.workbook("hes")) as z:
        core = ElementTree.fromstring(z.read("docProps/core.xml"))
    ns = {"dc": "http://purl.org/dc/elements/1.1/"}
    assert core.findtext("dc:title", namespaces=ns).startswith("Community rehabilitation data plan")
    assert core.findtext("dc:language", namespaces=ns) == "en-GB"


def test_each_description_names_the_notes_that_exist(built: Built) -> None:
    wb = book(built.workbook("hes"))
    ws = wb["Notes"]
    _, _, header, _, last = table_of(ws)
    numbers = {ws.cell(r, 1).value for r in range(header + 1, last + 1)}
    assert "[note 1]" in numbers
    assert "[c]" in str(ws.cell(header + 1, 2).value)
    said = " ".join(" ".join(text_above(wb[s])) for s in ("1 Who is accessing", "3b Need by area"))
    for note in ("[note 1]", "[note 2]", "[note 3]"):
        assert note in said
        assert note in numbers


def test_chosen_sheets_only_and_charts_go_with_their_tables(built: Built) -> None:
    path = built.workbook(
        "hes", "chosen.xlsx", sheets=["1 Who is accessing", "Charts 1", "Findings"]
    )
    names = book(path).sheetnames
    assert "1 Who is accessing" in names
    assert "Findings" in names
    assert "3b Need by area" not in names
    assert "Charts 3" not in names
    assert "3c Areas" not in names  # every table sheet can be left out
    assert "3d Distance to a site" not in names
    # Charts 1 also draws the deprivation gradient, which was left out: it goes too.
    assert "Charts 1" not in names
    assert names[-2:] == ["Methods", "Provenance"]
    assert check_workbook(path, threshold=8) == []


def test_every_sheet_but_the_front_and_back_matter_may_be_chosen(built: Built) -> None:
    from rehabdash.plan.export.workbook import OPTIONAL_SHEETS

    names = book(built.workbook("hes")).sheetnames
    fixed = ["Cover", "Contents", "Notes", "Methods", "Provenance"]
    assert [n for n in names if n not in fixed] == [n for n in OPTIONAL_SHEETS if n in names]


def test_an_unknown_sheet_is_refused_with_the_choices(built: Built, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rehabdash.plan.export.workbook import WorkbookError, write_plan_workbook

    with pytest.raises(WorkbookError, match=r"no sheet called 'Sheet9'.*1 Who is accessing"):
        write_plan_workbook(
            built.plan, tmp_path / "x.xlsx", "hes", built.batches, sheets=["Sheet9"]
        )
    assert not (tmp_path / "x.xlsx").exists()
