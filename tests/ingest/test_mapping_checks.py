"""Mapping checks before any row is prepared: lookalike columns, identifiers in clear fields,
duplicated headers; and the scrubbing of messages (issue 9)."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_helpers import KEY, TODAY, CsvMaker

from rehabdash.demo.extract import HEADERS
from rehabdash.ingest import prepare_activity
from rehabdash.ingest.mapping import suggest_mapping
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
        ("Referral Closure Rsn", "01", "closure_reason"),  # rsn: reason
        ("Service Desc", "MSK physiotherapy", "service_name"),  # desc: description
        ("Total Contacts", "6", "contacts_attended"),  # close name, and counts
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
        ("Week Ending", "08/03/2024"),  # dates, but "ending" is one word of "end date"
        ("Frailty Score", "4"),  # a number, but "score" is one word of "baseline score"
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
    demo = pl.DataFrame({h: ["x"] for h in HEADERS})
    fields = suggest_mapping(demo, list(HEADERS)).mapping.fields
    assert unmapped_lookalikes(demo, list(HEADERS), fields) == []


def test_a_name_is_not_overridden_by_values_that_look_like_another_field() -> None:
    # "P12345" matches the GP practice pattern, but PAT_ID names a patient id.
    frame = _frame({"PAT_ID": "P12345", "Ref": "R1", "Org": "RY1", "Received": "01/03/2024"})
    suggestion = suggest_mapping(frame, frame.columns)
    assert "gp_practice" not in suggestion.mapping.fields
    assert suggestion.mapping.fields["person_id"] == "PAT_ID"
    # Left to the name: flagged while person_id is unmapped...
    unmapped = {f: h for f, h in REQUIRED.items() if f != "person_id"}
    found = unmapped_lookalikes(frame, frame.columns, unmapped)
    assert [(f.header, f.field, f.reason) for f in found] == [
        ("PAT_ID", "person_id", "its words match 'patient id'")
    ]
    # ...and dropped (nothing to flag) once another column is the person id.
    assert unmapped_lookalikes(frame, ["PAT_ID"], REQUIRED) == []


def test_a_mapped_best_match_leaves_the_next_field_a_header_could_be() -> None:
    # "team" is a synonym of service_name; with that mapped, "20" reads as a team type.
    frame = _frame({"Team": "20"})
    mapped = {**REQUIRED, "service_name": "Service"}
    found = unmapped_lookalikes(frame, ["Team"], mapped)
    assert [(f.header, f.field) for f in found] == [("Team", "team_type")]
    assert unmapped_lookalikes(frame, ["Team"], {**mapped, "team_type": "Team Type"}) == []
    # Team names are not codes: nothing to flag once service_name is mapped.
    names = _frame({"Team": "North Leeds MSK"})
    assert unmapped_lookalikes(names, ["Team"], mapped) == []


def test_codes_are_not_read_as_excel_dates() -> None:
    # "01" is Excel day 1 (1899-12-31): with closure_reason mapped, the next field
    # "Referral Closure Rsn" could be is discharge_date ("referral closure date").
    frame = _frame({"Referral Closure Rsn": "01"})
    mapped = {**REQUIRED, "closure_reason": "Closure Reason"}
    assert unmapped_lookalikes(frame, frame.columns, mapped) == []
    # A real serial date still counts.
    dates = _frame({"Seen Date": "45356"})
    assert [f.field for f in unmapped_lookalikes(dates, ["Seen Date"], REQUIRED)] == [
        "first_contact_date"
    ]


# One realistic value (or a few) per column: text, dates, numbers as an extract has them.
_DEMO_VALUES: dict[str, list[str]] = {
    "NHS Number": ["9434765919", "943 476 5870", "4010232137"],
    "Local Patient Identifier": ["RIO100231", "RIO100232", "RIO100233"],
    "Service Request Identifier": ["SR55120", "SR55121", "SR55122"],
    "Organisation Code (Provider)": ["RY6"],
    "Team Type": ["20", "21", "03"],
    "Service Name": ["MSK Physiotherapy", "Community Rehab"],
    "Referral Received Date": ["01/03/2024", "04/03/2024"],
    "Source of Referral": ["GP", "Self referral"],
    "First Contact Date": ["05/03/2024", "11/03/2024"],
    "Discharge Date": ["01/05/2024", ""],
    "Referral Closure Reason": ["01", "02"],
    "Referral Rejection Date": ["", "", "07/03/2024"],
    "Referral Rejection Reason": ["", "", "Not appropriate"],
    "Date of Birth": ["12/05/1950", "03/11/1941"],
    "Gender": ["Female", "Male"],
    "Gender Identity": ["1", "2"],
    "Gender Identity Same At Birth": ["Y"],
    "Ethnic Category": ["A", "White - British", "H"],
    "GP Practice Code": ["B86001", "B86016"],
    "LSOA": ["E01011264", "E01011352"],
    "Disability": ["N", "Y"],
    "Religion": ["Christian", "No religion"],
    "Sexual Orientation": ["1", "Heterosexual"],
    "Marital Status": ["M", "Single"],
    "Pregnant": ["N", ""],
    "Attended Contacts": ["6", "4", "0"],
    "DNA Contacts": ["1", "0"],
    "Cancelled Contacts": ["0", "2"],
    "Outcome Measure": ["EQ-5D-5L"],
    "Outcome Score Start": ["0.45", "0.61"],
    "Outcome Score End": ["0.72", ""],
}
_EXTRA_VALUES: dict[str, list[str]] = {
    "Clinician": ["Dr A Jones", "S Patel (Physio)"],
    "Priority": ["Routine", "Urgent"],
    "Referral Reason": ["Knee pain", "Falls"],
    "Appointment Type": ["Face to face", "Telephone"],
    "GP Practice Name": ["Leeds Road Surgery", "The Grange Practice"],
    "Postcode District": ["LS1", "BD7"],
    "Age Band": ["65-69", "80-84"],
    "Comments": ["seen twice", "", "moved area"],
    "Wait (days)": ["14", "32", "3"],
    "Contact Type": ["Face to face", "Video"],
    "Week Ending": ["08/03/2024", "15/03/2024"],
    "Frailty Score": ["4", "6", "5"],
    "Referral Closure Rsn": ["01", "02"],  # closure_reason is mapped: a second copy
}


def _realistic_frame(rows: int = 30) -> pl.DataFrame:
    columns = {**_DEMO_VALUES, **_EXTRA_VALUES}
    assert set(_DEMO_VALUES) == set(HEADERS)
    return pl.DataFrame({h: [vs[i % len(vs)] for i in range(rows)] for h, vs in columns.items()})


def test_the_demo_extract_with_realistic_extra_columns_does_not_stop(
    make_csv: CsvMaker,
) -> None:
    frame = _realistic_frame()
    suggestion = suggest_mapping(frame, frame.columns)
    fields = suggestion.mapping.fields
    wanted = {h: f for h, f in HEADERS.items() if f != "lsoa_as_recorded"} | {"LSOA": "lsoa"}
    assert {h: f for f, h in fields.items()} == wanted  # every demo column, no extra
    assert all(not c.reason.startswith("100%") for c in suggestion.reasons.values())
    assert unmapped_lookalikes(frame, frame.columns, fields) == []
    assert identifier_leaks(frame, fields) == []
    # And through the pipeline: the file is read, mapped and checked without stopping.
    path = make_csv(frame.rows(), header=frame.columns)
    prepared = prepare_activity(path, key=KEY, today=TODAY)
    assert prepared.rows_read == frame.height
    # The trial's file had no discharge date or baseline score: the week ending (dates),
    # the frailty score (numbers) and the closure codes ("01", not Excel day 1) stay
    # unflagged all the same.
    fewer = frame.drop("Discharge Date", "Outcome Score Start")
    fields = suggest_mapping(fewer, fewer.columns).mapping.fields
    assert {"discharge_date", "outcome_start"}.isdisjoint(fields)
    assert unmapped_lookalikes(fewer, fewer.columns, fields) == []


def test_identifiers_in_clear_fields() -> None:
    nhs = ["9434765919", "943 476 5870", "4010232137", "R17"]  # 3 of 4 valid NHS numbers
    frame = pl.DataFrame({"Ref": nhs, "Svc": ["LS1 4AP", "BD71DP", "hx1 2tt", "x"], "Id": nhs})
    problems = identifier_leaks(frame, {"referral_id": "Ref", "service_name": "Svc"})
    assert len(problems) == 2
    assert (
        "'Ref' is mapped to Referral identifier (referral_id) but holds NHS numbers" in problems[0]
    )
    assert "'Svc' is mapped to Service name (service_name) but holds postcodes" in problems[1]
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


def test_dates_in_a_free_text_field_are_a_leak() -> None:
    frame = pl.DataFrame({"DOB": ["17/01/1950", "03/11/1948", "27/08/1955"]})
    problems = identifier_leaks(frame, {"service_name": "DOB"})
    assert len(problems) == 1
    assert "'DOB' is mapped to Service name (service_name) but holds dates" in problems[0]
    # Dates are fine where a date belongs, and a service name is not a date.
    assert identifier_leaks(frame, {"referral_date": "DOB"}) == []
    names = pl.DataFrame({"Svc": ["Physio Clinic 2", "MSK 2024", "Discharged - goals met"]})
    assert identifier_leaks(names, {"service_name": "Svc"}) == []
