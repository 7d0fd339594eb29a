"""What a workbook holds, as plain data: sheets, their text, one table each, charts.

The plan's sheets are built as this model (:mod:`rehabdash.plan.export.plan_sheets`),
then written by :mod:`rehabdash.plan.export.xlsx_writer`; the GUI's preview reads the
same model, and the accessibility check (:mod:`rehabdash.plan.export.workbook_check`)
holds the written file to the rules the model is built to keep (DESIGN 9).

A chart's series name table columns by header and data rows by index, so a chart can
only point at cells of the table it draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

__all__ = [
    "NUMBER_FORMATS",
    "Cell",
    "Chart",
    "Column",
    "Line",
    "Series",
    "Sheet",
    "Table",
    "WorkbookModel",
    "estimate",
    "no_rows",
    "shown",
]

Cell = float | int | str | date | datetime | None

#: Excel number formats by a column's kind of number; "text" and "link" cells are text.
NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",  # people, referrals, contacts, rows (whole, after rounding)
    "integer": "0",  # identifiers and ranks: not counts of anyone
    "estimate": "#,##0.0",  # expected people, unmet need: not whole
    "rate": "#,##0.0",  # per 1,000
    "percent": "0.0",  # the header says "%"
    "ratio": "0.00",
    "days": "0",
    "decimal": "0.00",  # outcome scores, HEAT measures
    "precise": "0.0000",  # shares of population, ranks
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
Kind = Literal[
    "text",
    "link",
    "count",
    "integer",
    "estimate",
    "rate",
    "percent",
    "ratio",
    "days",
    "decimal",
    "precise",
    "date",
    "datetime",
]


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = "text"
    width: float = 14.0


@dataclass(frozen=True)
class Table:
    """One Excel table: a meaningful name, one header row, rows of cells."""

    name: str  # letters, digits and underscores; not like a cell reference
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]

    def without_empty_columns(self) -> Table:
        """The table less any column with nothing in it (a Notes column no row needs)."""
        keep = [
            i
            for i in range(len(self.columns))
            if any(row[i] not in (None, "") for row in self.rows)
        ]
        if len(keep) == len(self.columns):
            return self
        return Table(
            self.name,
            tuple(self.columns[i] for i in keep),
            [tuple(row[i] for i in keep) for row in self.rows],
        )

    def index(self, header: str) -> int:
        for i, column in enumerate(self.columns):
            if column.header == header:
                return i
        raise KeyError(f"table {self.name} has no column {header!r}")


def estimate(header: str, kind: Kind = "decimal", name: str | None = None) -> tuple[Column, ...]:
    """An estimate's column and its 95% limits' ("Baseline: lower 95% limit"), side by side;
    ``header`` names the limits, ``name`` (default ``header``) the value's column."""
    return (
        Column(name or header, kind),
        Column(f"{header}: lower 95% limit", kind),
        Column(f"{header}: upper 95% limit", kind),
    )


def shown(value: float | None, flag: str | None) -> Cell:
    """A cell of a number column: the number, else its flag ([c], [x], [z]; [x] if none)."""
    return float(value) if value is not None else (flag or "[x]")


def no_rows(width: int) -> tuple[Cell, ...]:
    """The one row of a table that has nothing to list (a table needs a row)."""
    return ("None in this plan", *(["[x]"] * (width - 1)))


@dataclass(frozen=True)
class Line:
    """A line of text above a table (or on the cover): ``style`` says how it looks."""

    text: str
    style: Literal["text", "heading", "warning", "link"] = "text"
    target: str | None = None  # for a link: the sheet it opens


@dataclass(frozen=True)
class Series:
    """One series of a chart, drawn from rows ``first``..``last`` (0-based data rows,
    inclusive) of the source table's columns ``values`` and ``categories``."""

    name: str
    values: str
    first: int
    last: int
    categories: str | None = None  # category labels, or a scatter's x values
    style: Literal["bar", "line", "dash", "markers", "line_markers"] = "bar"
    colour: str = "#12436D"
    marker: str = "circle"
    marker_size: int = 6
    minus: tuple[float, ...] | None = None  # error bars: distance below each value
    plus: tuple[float, ...] | None = None
    labels_from: str | None = None  # a column whose cells label each point ([c], 0, …)
    point_colours: tuple[str | None, ...] | None = None  # per point (SPC special causes)


@dataclass(frozen=True)
class Chart:
    """A native chart with its title, axis titles and alt text, drawing one table."""

    kind: Literal["bar", "column", "line", "scatter"]
    title: str
    x_title: str
    y_title: str
    alt_text: str
    source: str  # the name of the sheet whose table the series read
    series: tuple[Series, ...]
    y_min: float | None = None
    height_rows: int = 20


@dataclass
class Sheet:
    """One sheet: a title in A1, lines below it, then one table or charts (never both
    on top of each other: charts sit below the lines on a sheet of their own)."""

    name: str  # unique, at most 31 characters
    title: str
    summary: str  # what the contents sheet says about it
    lines: list[Line] = field(default_factory=list)
    table: Table | None = None
    charts: list[Chart] = field(default_factory=list)
    notes: tuple[int, ...] = ()  # the notes that apply ([note 1] …)
    dropdowns: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column → choices


@dataclass
class WorkbookModel:
    title: str
    subject: str
    language: str  # BCP 47, "en-GB"
    sheets: list[Sheet]
    keywords: str = ""

    def sheet(self, name: str) -> Sheet:
        return next(s for s in self.sheets if s.name == name)
