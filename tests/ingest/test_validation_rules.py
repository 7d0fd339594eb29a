"""One test per validation rule: row number, column, rule id, severity, redaction."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_helpers import HEADER, KEY, TODAY, CsvMaker, row

from rehabdash.ingest import prepare_activity
from rehabdash.ingest.prepared import PreparedImport


def _run(
    make_csv: CsvMaker, bad: list[str], header: list[str] = HEADER, **kwargs: object
) -> PreparedImport:
    """File: header on row 1, a good row on row 2, the bad row on row 3."""
    good = row() if header == HEADER else [*row(), *([""] * (len(header) - len(HEADER)))]
    path = make_csv([good, bad], header=header)
    return prepare_activity(path, key=KEY, today=TODAY, **kwargs)  # type: ignore[arg-type]


def _only(result: PreparedImport, rule: str) -> dict[str, object]:
    hits = result.failures.filter(pl.col("rule") == rule)
    assert hits.height == 1, result.failures
    return hits.row(0, named=True)


REJECTING = [
    ("missing_person_id", {"Patient_ID": ""}, "Patient ID", None),
    ("missing_referral_id", {"Referral_ID": " "}, "Referral ID", None),
    ("missing_provider_code", {"Provider": ""}, "Provider", None),
    ("missing_referral_date", {"Referral_Date": ""}, "Referral Date", None),
    ("date_unparseable", {"Referral_Date": "31/02/2024"}, "Referral Date", "31/02/2024"),
    ("date_in_future", {"Discharge_Date": "01/07/2024"}, "Discharge Date", "01/07/2024"),
    ("date_before_1900", {"DOB": "01/01/1890"}, "DOB", "0***0"),
    (
        "first_contact_before_referral",
        {"First_Contact_Date": "28/02/2024"},
        "First Contact Date",
        "28/02/2024",
    ),
    (
        "discharge_before_first_contact",
        {"Discharge_Date": "04/03/2024"},
        "Discharge Date",
        "04/03/2024",
    ),
    ("age_out_of_range", {"DOB": "01/01/1901"}, "DOB", "0***1"),
]


@pytest.mark.parametrize(("rule", "change", "column", "value"), REJECTING)
def test_rejecting_rules(
    make_csv: CsvMaker, rule: str, change: dict[str, str], column: str, value: str | None
) -> None:
    result = _run(
        make_csv, row(Referral_ID="R2", **change) if "Referral_ID" not in change else row(**change)
    )
    failure = _only(result, rule)
    assert failure["source_row"] == 3
    assert failure["column"] == column
    assert failure["severity"] == "rejected"
    assert failure["value"] == value
    assert result.rows_accepted == 1
    assert result.rejected_source["source_row"].to_list() == [3]
    assert failure["message"] in result.rejected_source["reasons"][0]


def test_duplicate_referral_rejects_both_rows(make_csv: CsvMaker) -> None:
    result = _run(make_csv, row())
    hits = result.failures.filter(pl.col("rule") == "duplicate_referral")
    assert hits["source_row"].to_list() == [2, 3]
    assert set(hits["severity"]) == {"rejected"}
    assert result.rows_accepted == 0


def test_age_column_rules(make_csv: CsvMaker) -> None:
    header = [h if h != "DOB" else "Age" for h in HEADER]
    rows = [
        row(DOB="74 years"),
        row(Referral_ID="R2", DOB="121"),
        row(Referral_ID="R3", DOB="forty"),
    ]
    result = prepare_activity(make_csv(rows, header=header), key=KEY, today=TODAY)
    failure = _only(result, "age_out_of_range")
    assert (failure["source_row"], failure["column"], failure["severity"]) == (3, "Age", "rejected")
    failure = _only(result, "age_unparseable")
    got = (failure["source_row"], failure["value"], failure["severity"])
    assert got == (4, "forty", "rejected")
    assert result.rows.select("age", "age_band").rows() == [(74, "70-74")]


def test_rejection_before_referral(make_csv: CsvMaker) -> None:
    header = [*HEADER, "Rejection Date"]
    bad = [*row(Referral_ID="R2", First_Contact_Date="", Discharge_Date=""), "01/01/2024"]
    failure = _only(_run(make_csv, bad, header=header), "rejection_before_referral")
    assert (failure["source_row"], failure["column"], failure["severity"]) == (
        3,
        "Rejection Date",
        "rejected",
    )


WARNING = [
    ("invalid_code", {"Ethnicity": "Klingon"}, "Ethnicity", "Klingon", "ethnic_category"),
    ("invalid_code", {"Sex": "Q"}, "Sex", "Q", "sex"),
    ("lsoa_wales", {"LSOA": "W01000001"}, "LSOA", "W01000001", "lsoa"),
    ("lsoa_malformed", {"LSOA": "E0100"}, "LSOA", "E0100", "lsoa"),
    ("nhs_number_invalid", {"NHS_Number": "1234567890"}, "NHS Number", "1***0", None),
]


@pytest.mark.parametrize(("rule", "change", "column", "value", "field"), WARNING)
def test_warning_rules_keep_the_row(
    make_csv: CsvMaker,
    rule: str,
    change: dict[str, str],
    column: str,
    value: str,
    field: str | None,
) -> None:
    result = _run(make_csv, row(Referral_ID="R2", **change))
    failure = _only(result, rule)
    assert (failure["source_row"], failure["column"], failure["severity"], failure["value"]) == (
        3,
        column,
        "warning",
        value,
    )
    assert result.rows_accepted == 2
    assert result.rejected_source.is_empty()
    if field is not None:
        assert result.rows.sort("referral_id")[field].to_list()[1] == "INVALID"


def test_unknown_lsoa_against_supplied_lookup(make_csv: CsvMaker) -> None:
    result = _run(make_csv, row(Referral_ID="R2", LSOA="E01999999"), known_lsoas={"E01000001"})
    failure = _only(result, "lsoa_unknown")
    assert (failure["source_row"], failure["severity"], failure["value"]) == (
        3,
        "warning",
        "E01999999",
    )
    assert not any("not checked" in n for n in result.notes)


def test_lsoa_not_checked_is_one_summary_warning(make_csv: CsvMaker) -> None:
    result = _run(make_csv, row(Referral_ID="R2"))
    assert sum("not checked against an area lookup" in n for n in result.notes) == 1
    assert "lsoa_unknown" not in result.failures["rule"].to_list()


def test_counts_outcomes_and_other_warnings(make_csv: CsvMaker) -> None:
    extra = [
        "Contacts attended",
        "DNA",
        "Outcome tool",
        "Outcome start",
        "Outcome end",
        "IMD decile",
        "GP Practice",
        "Rejection Date",
    ]
    header = [*HEADER, *extra]
    bad = [*row(Referral_ID="R2"), "-2", "1.5", "", "abc", "12", "11", "B8600", "05/03/2024"]
    result = _run(make_csv, bad, header=header)
    got = {(r["rule"], r["column"]) for r in result.failures.iter_rows(named=True)}
    assert got == {
        ("contacts_negative", "Contacts attended"),
        ("contacts_not_a_count", "DNA"),
        ("outcome_not_a_number", "Outcome start"),
        ("outcome_without_tool", "Outcome end"),
        ("imd_decile_invalid", "IMD decile"),
        ("invalid_code", "GP Practice"),
        ("seen_after_rejection", "Rejection Date"),
    }
    assert set(result.failures["severity"]) == {"warning"}
    assert result.rows_accepted == 2
    accepted = result.rows.filter(pl.col("referral_id") == "R2")
    assert accepted["contacts_attended"].to_list() == [None]
    assert accepted["outcome_end"].to_list() == [12.0]


def test_rule_counts_match_failures(make_csv: CsvMaker) -> None:
    rows = [
        row(),
        row(Referral_ID="R2", Sex="Q"),
        row(Referral_ID="R3", Sex="Q"),
        row(Referral_ID="R4", Referral_Date=""),
    ]
    result = prepare_activity(make_csv(rows), key=KEY, today=TODAY)
    counts = {
        (r["rule"], r["severity"]): r["count"] for r in result.rule_counts.iter_rows(named=True)
    }
    assert counts == {("invalid_code", "warning"): 2, ("missing_referral_date", "rejected"): 1}
    assert result.failures.schema == {
        "source_row": pl.Int64,
        "column": pl.Utf8,
        "rule": pl.Utf8,
        "severity": pl.Utf8,
        "value": pl.Utf8,
        "message": pl.Utf8,
    }


def test_identifiers_are_redacted_in_failures(make_csv: CsvMaker) -> None:
    result = _run(
        make_csv,
        row(Referral_ID="R2", Patient_ID="SECRET99", NHS_Number="9434765918", DOB="99/99/1999"),
    )
    values = " ".join(v for v in result.failures["value"].to_list() if v)
    assert "SECRET99" not in values
    assert "9434765918" not in values
    assert "99/99/1999" not in values
    assert _only(result, "date_unparseable")["value"] == "9***9"
