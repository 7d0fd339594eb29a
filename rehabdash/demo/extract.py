"""Write the demo's activity as a provider's clinical system would export it (CSV or XLSX).

Headers in the providers' words, dates as dd/mm/yyyy text (CSV) or Excel dates (XLSX),
and each provider with its own habit: NHS codes, labels, or upper-case labels. Blank,
not stated and not known stay distinct; an invalid value shows as the raw text a system
would hold ("Q", "7"). Clear identifiers appear here exactly as in a real extract; the
importer pseudonymises them. The import tests and benchmarks read these files.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl

from rehabdash.codes import CODE_LISTS
from rehabdash.demo.generate import DemoData
from rehabdash.store.schema import INVALID

__all__ = ["HEADERS", "extract_frame", "write_extract"]

# Extract header -> generated column.
HEADERS: dict[str, str] = {
    "NHS Number": "nhs_number",
    "Local Patient Identifier": "person_id",
    "Service Request Identifier": "referral_id",
    "Organisation Code (Provider)": "provider_code",
    "Team Type": "team_type",
    "Service Name": "service_name",
    "Referral Received Date": "referral_date",
    "Source of Referral": "source_of_referral",
    "First Contact Date": "first_contact_date",
    "Discharge Date": "discharge_date",
    "Referral Closure Reason": "closure_reason",
    "Referral Rejection Date": "rejection_date",
    "Referral Rejection Reason": "rejection_reason",
    "Date of Birth": "date_of_birth",
    "Gender": "sex",
    "Gender Identity": "gender_identity",
    "Gender Identity Same At Birth": "gender_same_at_birth",
    "Ethnic Category": "ethnic_category",
    "GP Practice Code": "gp_practice",
    "LSOA": "lsoa_as_recorded",
    "Disability": "disability",
    "Religion": "religion",
    "Sexual Orientation": "sexual_orientation",
    "Marital Status": "marital_status",
    "Pregnant": "pregnancy",
    "Attended Contacts": "contacts_attended",
    "DNA Contacts": "contacts_dna",
    "Cancelled Contacts": "contacts_cancelled",
    "Outcome Measure": "outcome_tool",
    "Outcome Score Start": "outcome_start",
    "Outcome Score End": "outcome_end",
}

# How each provider's system writes characteristics.
_LABEL_STYLE: dict[str, Callable[[str], str]] = {
    "TAD": lambda s: s,
    "NLO": lambda s: s,
    "RWY": str.upper,
}
_LABELLED = ("sex", "ethnic_category", "religion", "sexual_orientation", "marital_status")
_INVALID_AS = {"sex": "7", "ethnic_category": "Q"}


def _labelled(field: str) -> pl.Expr:
    labels = CODE_LISTS[field].codes
    col = pl.col(field)
    raw_invalid = _INVALID_AS.get(field, "?")  # what a system holds where the code is bad
    expr = col.replace(INVALID, raw_invalid)
    for provider, style in _LABEL_STYLE.items():
        styled = {code: style(label) for code, label in labels.items()}
        expr = (
            pl.when(pl.col("provider_code") == provider)
            .then(col.replace(styled).replace(INVALID, raw_invalid))
            .otherwise(expr)
        )
    return expr.alias(field)


def extract_frame(data: DemoData) -> pl.DataFrame:
    """The referrals as the extract's columns (clear identifiers included)."""
    df = data.referrals.with_columns(_labelled(f) for f in _LABELLED)
    return df.select(pl.col(col).alias(header) for header, col in HEADERS.items())


def _write_xlsx(frame: pl.DataFrame, path: Path, title: str) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Referrals")
    bold = book.add_format({"bold": True})
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, title, bold)  # a title above the table, as real reports have
    sheet.write_row(2, 0, frame.columns, bold)
    date_cols = {i for i, dtype in enumerate(frame.dtypes) if dtype == pl.Date}
    for r, row in enumerate(frame.iter_rows(), start=3):
        for c, value in enumerate(row):
            if value is None:
                continue
            if c in date_cols:
                sheet.write_datetime(r, c, value, dates)
            else:
                sheet.write(r, c, value)
    book.close()


def write_extract(data: DemoData, path: Path) -> int:
    """Write the extract to ``path`` (.csv or .xlsx); returns rows written."""
    frame = extract_frame(data)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.write_csv(path, date_format="%d/%m/%Y")
    elif suffix in (".xlsx", ".xlsm"):
        _write_xlsx(
            frame, path, f"Community rehabilitation referrals - {data.icb.name} (synthetic demo)"
        )
    else:
        raise ValueError(f"{path}: choose a .csv or .xlsx file name for the extract")
    return frame.height
