"""Mapping checks before any row is prepared: lookalike columns, identifiers in clear fields,
duplicated headers; and the scrubbing of messages (issue 9)."""

from __future__ import annotations

import polars as pl
import pytest

from rehabdash.demo.extract import HEADERS
from rehabdash.ingest.mapping_checks import (
    duplicate_header_problems,
    identifier_leaks,
    unmapped_lookalikes,
)
from rehabdash.ingest.scrub import scrub, scrub_driver_message, unexpected_reason

REQUIRED = {
    "person_id": "Patient",
    "referral_id": "Ref",
    "provider_code": "Org",
    "referral_date": "Received",
}


def _frame(columns: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({h: [v] * 20 for h, v in columns.items()})


@pytest.mark.parametrize(
    ("header", "value", "field"),
    [
        ("Date of First Attended Contact", "05/03/2024", "first_contact_date"),
        ("Discharged", "01/04/2024", "discharge_date"),
        ("Disch Dt", "2024-04-01", "discharge_date"),
        ("Seen Date", "05/03/2024", "first_contact_date"),
        ("Ethnic Origin (Local)", "A", "ethnic_category"),
        ("SEX_ORIENT", "1", "sexual_orientation"),
        ("Religion Desc", "Christian", "religion"),
        ("DNA Count", "2", "contacts_dna"),
        ("Outcome Score (Start)", "12", "outcome_start"),
    ],
)
def test_unmapped_columns_that_look_like_fields_are_named(
    header: str, value: str, field: str
) -> None:
    found = unmapped_lookalikes(_frame({header: value}), [header], REQUIRED)
    assert [(f.header, f.field) for f in found] == [(header, field)]
    assert field in found[0].describe()


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Comments", "seen twice"),
        ("Contact Type", "Face to face"),  # words like "contacts attended", values are not counts
        ("source_row", "12"),  # a rows-to-fix file's own columns
        ("reasons", "referral date is not a date"),
        ("Clinician", "Dr Jones"),
        ("Postcode Sector", "LS1 4"),
        ("Seen Date", "yes"),  # close name, but not dates
        ("GP Practice Name", "Leeds Road Surgery"),  # the name fits, the values do not
        ("Discharged", "Y"),  # a flag, not a date
    ],
)
def test_unrelated_columns_are_not_flagged(header: str, value: str) -> None:
    assert unmapped_lookalikes(_frame({header: value}), [header], REQUIRED) == []


def test_mapped_fields_dropped_columns_and_the_demo_extract_are_not_flagged() -> None:
    frame = _frame({"Discharged": "01/04/2024", "Discharge Date": "01/04/2024"})
    mapped = {**REQUIRED, "discharge_date": "Discharge Date"}
    assert unmapped_lookalikes(frame, frame.columns, mapped) == []
    assert unmapped_lookalikes(frame, ["Discharged"], REQUIRED, dropped={"Discharged"}) == []
    # Every column of the demo extract is mapped by name, so none can be a lookalike.
    from rehabdash.ingest.mapping import suggest_mapping

    demo = pl.DataFrame({h: ["x"] for h in HEADERS})
    fields = suggest_mapping(demo, list(HEADERS)).mapping.fields
    assert unmapped_lookalikes(demo, list(HEADERS), fields) == []


def test_identifiers_in_clear_fields() -> None:
    nhs = ["9434765919", "943 476 5870", "4010232137", "R17"]  # 3 of 4 valid NHS numbers
    frame = pl.DataFrame({"Ref": nhs, "Svc": ["LS1 4AP", "BD71DP", "hx1 2tt", "x"], "Id": nhs})
    problems = identifier_leaks(frame, {"referral_id": "Ref", "service_name": "Svc"})
    assert len(problems) == 2
    assert "'Ref' is mapped to referral_id but holds NHS numbers" in problems[0]
    assert "'Svc' is mapped to service_name but holds postcodes" in problems[1]
    # Identifier fields are pseudonymised, so they may hold them.
    assert identifier_leaks(frame, {"nhs_number": "Ref", "person_id": "Id"}) == []
    # Random ten-digit referral numbers pass modulus 11 about one time in eleven.
    random_ids = pl.DataFrame({"Ref": [f"{n:010d}" for n in range(1_000_000_000, 1_000_000_500)]})
    assert identifier_leaks(random_ids, {"referral_id": "Ref"}) == []


def test_duplicated_headers_are_a_problem_only_when_guessed() -> None:
    duplicates = {"Referral ID": ["Referral ID", "Referral ID (2)"]}
    guessed = {"referral_id": "Referral ID"}
    assert len(duplicate_header_problems(duplicates, guessed, explicit=set())) == 1
    assert duplicate_header_problems(duplicates, guessed, explicit={"Referral ID"}) == []
    assert duplicate_header_problems(duplicates, {"person_id": "Patient"}, explicit=set()) == []


def test_scrub_masks_what_identifiers_look_like() -> None:
    text = (
        "row 12: 9434765919 / 943 476 5919 / 943-476-5919 born 12/05/1950 (1950-05-12) "
        "at LS1 4AP or ls14ap, mail jo@example.org\x00"
    )
    cleaned = scrub(text)
    for secret in ("9434765919", "943 476", "12/05/1950", "1950-05-12", "LS1 4AP", "ls14ap", "jo@"):
        assert secret not in cleaned
    assert "\x00" not in cleaned
    assert cleaned.startswith("row 12: [number]")
    assert (
        scrub("1,234 rows; 32,767 characters; batch 3") == "1,234 rows; 32,767 characters; batch 3"
    )


def test_driver_messages_lose_values_and_context() -> None:
    message = (
        'invalid input syntax for type date: "12/05/1950"\n'
        'CONTEXT:  COPY referral, line 3, column referral_date: "PXQ77,9434765919"'
    )
    cleaned = scrub_driver_message(message)
    assert cleaned == "invalid input syntax for type date: [value]"
    assert "PXQ77" not in scrub_driver_message("duplicate key\nDETAIL: Key (id)=(PXQ77) exists")
    assert unexpected_reason(ValueError("PXQ77 12/05/1950")).startswith(
        "unexpected error (ValueError)"
    )
