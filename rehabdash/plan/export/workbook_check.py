"""The accessibility check of a written workbook: the rules of the Analysis Function
guidance *Releasing statistics in spreadsheets* that DESIGN 9 adopts, read back from
the file itself (openpyxl for cells and tables, the package's XML for what openpyxl
does not read: document language, chart titles and alt text).

:func:`check_workbook` returns one line per problem (empty: the workbook passes). The
export runs it on every workbook before moving it into place, and the tests run it on
each workbook they write.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

__all__ = ["chart_facts", "check_workbook"]

_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[Rr]|[Cc])$")
_COUNT_FORMAT = "#,##0"


def chart_facts(path: Path) -> list[dict[str, object]]:
    """Each chart in the file: its title, axis titles, series formulas and alt text."""
    out: list[dict[str, object]] = []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for drawing in sorted(n for n in names if re.match(r"xl/drawings/drawing\d+\.xml$", n)):
            root = ElementTree.fromstring(z.read(drawing))
            rels_name = drawing.replace("drawings/", "drawings/_rels/") + ".rels"
            rels = {}
            if rels_name in names:
                for rel in ElementTree.fromstring(z.read(rels_name)):
                    rels[rel.get("Id")] = rel.get("Target", "")
            for anchor in root:
                frame = anchor.find("xdr:graphicFrame", _NS)
                chart = frame.find(".//c:chart", _NS) if frame is not None else None
                if frame is None or chart is None:
                    continue
                pr = frame.find("xdr:nvGraphicFramePr/xdr:cNvPr", _NS)
                start = anchor.find("xdr:from", _NS)
                target = rels.get(chart.get(f"{{{_NS['r']}}}id"), "")
                chart_path = "xl/" + target.replace("../", "")
                xml = ElementTree.fromstring(z.read(chart_path))
                plot = xml.find("c:chart/c:plotArea", _NS)
                axes = (
                    []
                    if plot is None
                    else [ax for ax in plot if ax.tag.endswith(("catAx", "valAx", "dateAx"))]
                )
                out.append(
                    {
                        "drawing": drawing,
                        "chart": chart_path,
                        "alt_text": (pr.get("descr") if pr is not None else None) or "",
                        "title": _text(xml.find("c:chart/c:title", _NS)),
                        "axis_titles": [_text(ax.find("c:title", _NS)) for ax in axes],
                        "series": [
                            {
                                "values": _formula(s, "c:val") or _formula(s, "c:yVal"),
                                "categories": _formula(s, "c:cat") or _formula(s, "c:xVal"),
                            }
                            for s in xml.iter(f"{{{_NS['c']}}}ser")
                        ],
                        "from": (
                            int(start.findtext("xdr:row", "0", _NS)),
                            int(start.findtext("xdr:col", "0", _NS)),
                        )
                        if start is not None
                        else None,
                    }
                )
    return out


def _text(node: ElementTree.Element | None) -> str:
    if node is None:
        return ""
    return "".join(t.text or "" for t in node.iter(f"{{{_NS['a']}}}t"))


def _formula(series: ElementTree.Element, tag: str) -> str:
    node = series.find(f"{tag}//c:f", _NS)
    return node.text or "" if node is not None else ""


def check_workbook(path: Path, *, threshold: int = 0) -> list[str]:
    """What the workbook at ``path`` does against the rules; with the disclosure rule's
    ``threshold`` (8 under the HES rule), also that no count of 1 to threshold - 1
    appears (counts are the cells in the count number format)."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as z:
        core = ElementTree.fromstring(z.read("docProps/core.xml"))
    if not (core.findtext("dc:title", "", _NS) or "").strip():
        problems.append("the document has no title in its properties")
    if not (core.findtext("dc:language", "", _NS) or "").strip():
        problems.append("the document has no language in its properties")
    book = load_workbook(path)
    names = [ws.title for ws in book.worksheets]
    if len(set(n.lower() for n in names)) != len(names):
        problems.append("sheet names are not unique")
    if book.active is None or book.active.title != names[0]:
        problems.append("the workbook does not open on its first sheet")
    for ws in book.worksheets:
        where = f"sheet {ws.title!r}"
        if not isinstance(ws["A1"].value, str) or not ws["A1"].value.strip():
            problems.append(f"{where}: no title in A1")
        selection = ws.sheet_view.selection
        if selection and selection[0].activeCell not in (None, "A1"):
            problems.append(f"{where}: the cursor is at {selection[0].activeCell}, not A1")
        if ws.merged_cells.ranges:
            problems.append(f"{where}: merged cells {sorted(map(str, ws.merged_cells.ranges))[0]}")
        if ws.freeze_panes:
            problems.append(f"{where}: frozen panes at {ws.freeze_panes}")
        if ws.auto_filter.ref:
            problems.append(f"{where}: a filter on {ws.auto_filter.ref}")
        tables = list(ws.tables.values())
        if len(tables) > 1:
            problems.append(f"{where}: {len(tables)} tables (one per sheet)")
        for table in tables:
            problems += _check_table(ws, table, where)
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{where}: a formula in {cell.coordinate}")
                elif threshold > 1 and cell.number_format == _COUNT_FORMAT:
                    v = cell.value
                    if isinstance(v, int | float) and 0 < v < threshold:
                        problems.append(f"{where}: a count of {v:g} in {cell.coordinate}")
    for chart in chart_facts(path):
        label = f"chart {chart['title'] or chart['chart']!r}"
        if not str(chart["alt_text"]).strip():
            problems.append(f"{label}: no alt text")
        if not str(chart["title"]).strip():
            problems.append(f"{label}: no title")
        axes = [str(t) for t in chart["axis_titles"]]  # type: ignore[attr-defined]
        if not axes or not all(t.strip() for t in axes):
            problems.append(f"{label}: an axis has no title")
    return problems


def _check_table(ws: object, table: object, where: str) -> list[str]:
    from openpyxl.worksheet.table import Table
    from openpyxl.worksheet.worksheet import Worksheet

    assert isinstance(ws, Worksheet)
    assert isinstance(table, Table)
    out: list[str] = []
    name = table.displayName or table.name or ""
    if _CELL_LIKE.match(name):
        out.append(f"{where}: the table name {name!r} looks like a cell reference")
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    assert min_col is not None
    assert min_row is not None
    assert max_col is not None
    assert max_row is not None
    if min_col != 1:
        out.append(f"{where}: table {name} does not start in column A")
    if table.autoFilter is not None:
        out.append(f"{where}: table {name} has filter buttons")
    if (table.headerRowCount or 1) != 1:
        out.append(f"{where}: table {name} has {table.headerRowCount} header rows")
    if ws.max_row > max_row:
        out.append(f"{where}: something below table {name} (row {ws.max_row})")
    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    if any(h is None or not str(h).strip() for h in headers):
        out.append(f"{where}: table {name} has an empty header")
    for r in range(min_row + 1, max_row + 1):
        if all(ws.cell(r, c).value in (None, "") for c in range(min_col, max_col + 1)):
            out.append(f"{where}: table {name} has a blank row {r}")
            break
    for c in range(min_col, max_col + 1):
        empty = all(ws.cell(r, c).value in (None, "") for r in range(min_row + 1, max_row + 1))
        if empty and name != "Action_plan":  # a table to fill in may have empty columns
            out.append(f"{where}: table {name} has a blank column {headers[c - min_col]!r}")
            break
    for r in range(1, min_row):
        if ws.cell(r, 1).value in (None, ""):
            out.append(f"{where}: a blank row {r} above table {name}")
            break
    return out
