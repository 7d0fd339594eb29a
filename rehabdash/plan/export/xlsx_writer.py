"""Write a :class:`~rehabdash.plan.export.sheet_model.WorkbookModel` as an .xlsx file.

Why xlsxwriter (DESIGN 9): it gives each chart its alt text (``descr`` on the drawing
frame) and writes about twice as fast as openpyxl, whose drawing writer names every
chart "Chart N" with no description and which drops charts when it reads a workbook.
openpyxl is kept for reading workbooks back (the tests and the accessibility check).

xlsxwriter has no setting for the document's language, so :class:`_Workbook` extends
it in one place: its packager writes ``dc:language`` into docProps/core.xml.

Every cell is written by its type: text with ``write_string`` (so text that begins with
``=``, ``+``, ``-`` or ``@`` stays text, never a formula), numbers with ``write_number``
and their column's number format. Tables are added over cells already written (not
through ``add_table(data=...)``, which would pass text through ``write``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.core import Core
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from rehabdash.plan.export.sheet_model import NUMBER_FORMATS, Chart, Sheet, WorkbookModel
from rehabdash.plan.result import NOT_AVAILABLE

__all__ = ["CHART_WIDTH", "ROW_PIXELS", "write_workbook"]

ROW_PIXELS = 20  # default row height in pixels (15 points)
CHART_WIDTH = 760
_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


class _Core(Core):
    language = "en-GB"

    def _write_cp_content_status(self) -> None:
        super()._write_cp_content_status()
        self._xml_data_element("dc:language", self.language)


class _Packager(Packager):
    language = "en-GB"

    def _write_core_file(self) -> None:
        core = _Core()
        core.language = self.language
        core._set_properties(self.workbook.doc_properties)
        core._set_xml_writer(self._filename("docProps/core.xml"))
        core._assemble_xml_file()


class _Workbook(xlsxwriter.Workbook):
    language = "en-GB"

    def _get_packager(self) -> Packager:
        packager = _Packager()
        packager.language = self.language
        return packager


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        add: Callable[[dict[str, Any]], Format] = book.add_format
        self.title = add({"bold": True, "font_size": 15})
        self.heading = add({"bold": True, "font_size": 12})
        self.text = add({"text_wrap": False})
        self.wrapped = add({"text_wrap": True, "valign": "top"})
        self.warning = add({"bold": True, "font_color": "#801650"})
        self.link = add({"font_color": "#12436D", "underline": 1})
        self.header = add({"bold": True, "text_wrap": True, "valign": "top"})
        self.shorthand = add({"align": "right"})
        self.numbers = {k: add({"num_format": f}) for k, f in NUMBER_FORMATS.items()}


def write_workbook(
    model: WorkbookModel,
    path: Path,
    *,
    author: str = "rehabdash",
    progress: Callable[[int, int, str], None] | None = None,
) -> Path:
    """Write ``model`` to ``path``; ``progress(done, total, sheet)`` after each sheet."""
    book = _Workbook(str(path), _OPTIONS)
    book.language = model.language
    book.set_properties(
        {
            "title": model.title,
            "subject": model.subject,
            "author": author,
            "keywords": model.keywords,
            "comments": "Community rehabilitation data plan produced by rehabdash",
        }
    )
    fmt = _Formats(book)
    sheets = {s.name: book.add_worksheet(s.name) for s in model.sheets}
    sources = _sources(model)
    for done, sheet in enumerate(model.sheets, 1):
        _write_sheet(book, sheets[sheet.name], sheet, fmt, sources)
        if progress is not None:
            progress(done, len(model.sheets), sheet.name)
    sheets[model.sheets[0].name].activate()
    book.close()
    return path


def _write_sheet(
    book: xlsxwriter.Workbook, ws: Worksheet, sheet: Sheet, fmt: _Formats, sources: Sources
) -> None:
    ws.write_string(0, 0, sheet.title, fmt.title)
    text_only = sheet.table is None and not sheet.charts
    if text_only:  # the cover: lines wrap in one wide column rather than run off the page
        ws.set_column(0, 0, 120, fmt.wrapped)
    row = 1
    for line in sheet.lines:
        if line.style == "link" and line.target:
            ws.write_url(row, 0, f"internal:'{line.target}'!A1", fmt.link, line.text)
        else:
            plain = fmt.wrapped if text_only else fmt.text
            style = {"heading": fmt.heading, "warning": fmt.warning}.get(line.style, plain)
            ws.write_string(row, 0, line.text, style)
        row += 1
    if not text_only:
        ws.set_column(0, 0, 30)
    # Printed (and converted to PDF) landscape, each sheet one page wide.
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    if sheet.table is not None:
        _write_table(ws, sheet, row, fmt)
    for chart in sheet.charts:
        row = _insert_chart(book, ws, chart, row, fmt, sources)
    ws.set_selection(0, 0, 0, 0)


def _write_table(ws: Worksheet, sheet: Sheet, top: int, fmt: _Formats) -> None:
    table = sheet.table
    assert table is not None
    if not table.rows:
        raise ValueError(f"sheet {sheet.name!r}: a table needs at least one row")
    kinds = [c.kind for c in table.columns]
    for col, column in enumerate(table.columns):
        ws.write_string(top, col, column.header, fmt.header)
        ws.set_column(col, col, column.width)
    number_formats = [fmt.numbers.get(k) for k in kinds]
    for r, values in enumerate(table.rows, top + 1):
        for c, value in enumerate(values):
            if value is None:
                continue  # an empty cell (the action plan's, to fill in)
            if isinstance(value, str):
                if kinds[c] == "link":
                    ws.write_url(r, c, f"internal:'{value}'!A1", fmt.link, value)
                elif number_formats[c] is not None:
                    ws.write_string(r, c, value, fmt.shorthand)  # [c], [x], [z] in a number column
                else:  # plain text takes no format: a styled cell costs a third more to write
                    ws.write_string(r, c, value)
            elif isinstance(value, datetime):
                ws.write_datetime(r, c, value.replace(tzinfo=None), fmt.numbers["datetime"])
            elif isinstance(value, date):
                ws.write_datetime(
                    r, c, datetime(value.year, value.month, value.day), fmt.numbers["date"]
                )
            elif math.isfinite(value):
                ws.write_number(r, c, value, number_formats[c])
            else:  # a ratio of nothing to nothing: no number to show
                ws.write_string(r, c, NOT_AVAILABLE, fmt.shorthand)
    last = top + len(table.rows)
    ws.add_table(
        top,
        0,
        last,
        len(table.columns) - 1,
        {
            "name": table.name,
            "autofilter": False,
            "style": "Table Style Light 1",
            "columns": [{"header": c.header} for c in table.columns],
        },
    )
    for header, choices in sheet.dropdowns.items():
        col = table.index(header)
        ws.data_validation(
            top + 1,
            col,
            last,
            col,
            {"validate": "list", "source": list(choices), "error_type": "warning"},
        )


def _series_options(
    sheet: str, top: int, chart: Chart, columns: dict[str, int]
) -> list[dict[str, Any]]:
    """The xlsxwriter options of each series: ranges in the source table's cells."""
    out = []
    for s in chart.series:
        first, last = top + 1 + s.first, top + 1 + s.last
        opts: dict[str, Any] = {
            "name": s.name,
            "values": [sheet, first, columns[s.values], last, columns[s.values]],
        }
        if s.categories is not None:
            col = columns[s.categories]
            opts["categories"] = [sheet, first, col, last, col]
        if s.style == "bar":
            opts["fill"] = {"color": s.colour}
            opts["border"] = {"color": s.colour}
        elif s.style == "markers":
            opts["marker"] = {
                "type": s.marker,
                "size": s.marker_size,
                "fill": {"color": s.colour},
                "border": {"color": s.colour},
            }
            opts["line"] = {"none": True}
        else:
            opts["line"] = {
                "color": s.colour,
                "width": 1.75,
                "dash_type": "dash" if s.style == "dash" else "solid",
            }
            opts["marker"] = (
                {
                    "type": s.marker,
                    "size": 5,
                    "fill": {"color": s.colour},
                    "border": {"color": s.colour},
                }
                if s.style == "line_markers"
                else {"type": "none"}
            )
        if s.minus is not None and s.plus is not None:
            opts["y_error_bars"] = {
                "type": "custom",
                "minus_values": list(s.minus),
                "plus_values": list(s.plus),
                "end_style": 1,
                "line": {"color": "#000000"},
            }
        if s.labels_from is not None:
            col = columns[s.labels_from]
            opts["data_labels"] = {
                "custom": [
                    {"value": f"='{sheet}'!${xl_col_to_name(col)}${row + 1}"}
                    for row in range(first, last + 1)
                ],
                "position": "outside_end" if chart.kind in ("bar", "column") else "right",
            }
        if s.point_colours is not None:
            opts["points"] = [
                None if c is None else {"fill": {"color": c}, "border": {"color": c}}
                for c in s.point_colours
            ]
        out.append(opts)
    return out


Sources = dict[str, tuple[int, dict[str, int]]]


def _sources(model: WorkbookModel) -> Sources:
    """Each table's header row and the column of each header, by sheet: a chart on any
    sheet points at these cells."""
    return {
        s.name: (1 + len(s.lines), {c.header: i for i, c in enumerate(s.table.columns)})
        for s in model.sheets
        if s.table is not None
    }


def _insert_chart(
    book: xlsxwriter.Workbook,
    ws: Worksheet,
    chart: Chart,
    row: int,
    fmt: _Formats,
    sources: Sources,
) -> int:
    if chart.source not in sources:
        raise ValueError(f"a chart draws sheet {chart.source!r}, which has no table")
    top, columns = sources[chart.source]
    ws.write_string(row, 0, chart.title, fmt.heading)
    line_styles = {"line", "dash", "line_markers"}
    if chart.kind == "scatter":
        xl = book.add_chart({"type": "scatter", "subtype": "straight"})
    elif chart.kind == "line":
        xl = book.add_chart({"type": "line"})
    else:
        xl = book.add_chart({"type": chart.kind})
    extra = None
    for s, opts in zip(
        chart.series, _series_options(chart.source, top, chart, columns), strict=True
    ):
        if chart.kind in ("bar", "column") and s.style in line_styles | {"markers"}:
            extra = extra or book.add_chart({"type": "line"})
            extra.add_series(opts)
        else:
            xl.add_series(opts)
    if extra is not None:
        xl.combine(extra)
    xl.set_title({"name": chart.title, "name_font": {"size": 12, "bold": True}})
    category: dict[str, Any] = {"name": chart.x_title, "num_font": {"size": 9}}
    value: dict[str, Any] = {
        "name": chart.y_title,
        "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
    }
    if chart.y_min is not None:
        value["min"] = chart.y_min
    if chart.kind == "bar":
        # xlsxwriter's x axis is the horizontal one: a bar chart's values. Categories
        # read top down, "All" first, as in the table.
        category["reverse"] = True
        xl.set_x_axis(value)
        xl.set_y_axis(category)
    else:
        xl.set_x_axis(category)
        xl.set_y_axis(value)
    xl.set_legend({"position": "bottom"})
    xl.set_size({"width": CHART_WIDTH, "height": chart.height_rows * ROW_PIXELS})
    ws.insert_chart(row + 1, 0, xl, {"description": chart.alt_text, "object_position": 1})
    return row + 2 + chart.height_rows
