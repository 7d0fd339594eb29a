"""Headers as real extracts spell them (issue 13): each family built as a file, read as the
importer reads it, and matched. Every test checks the suggested field and that nothing
below the take threshold is filled in without being asked."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest
from ingest_helpers import KEY, TODAY

from rehabdash.ingest import ImportFileError, prepare_activity
from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, vocabulary
from rehabdash.ingest.header_match import ASK, TAKE, candidates
from rehabdash.ingest.mapping import MappingSuggestion, suggest_mapping
from rehabdash.ingest.readers import read_table


def _suggest(path: Path) -> MappingSuggestion:
    table = read_table(path, path.read_bytes(), vocabulary=vocabulary(ACTIVITY_SYNONYMS))
    return suggest_mapping(table.frame, table.headers)


def _nothing_weak_taken(suggestion: MappingSuggestion) -> None:
    assert all(c.confidence >= TAKE for c in suggestion.reasons.values())
    taken = set(suggestion.mapping.fields.values())
    assert all(q.header not in taken and q.confidence < TAKE for q in suggestion.questions)


def test_provider_msk_report_title_rows_and_long_headers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Leeds Community MSK Service: activity report"])
    sheet.append(["Run date 01/04/2024"])
    sheet.append([])
    headers = [
        "Local Patient Identifier (Extended)",
        "Service Request Identifier",
        "Organisation Code (Code of Provider)",
        "Referral Request Received Date",
        "Date of First Attended Contact",
        "Discharged",
        "Team",
        "Person Stated Gender Code",
        "Ethnic Category Code",
        "LSOA of Residence",
        "Clinician",
    ]
    sheet.append(headers)
    teams = ["Physiotherapy", "Musculoskeletal", "Physiotherapy"]
    for i in range(30):
        sheet.append(
            [
                f"RIO{i:05}",
                f"SR{i}",
                "RY6",
                "01/03/2024",
                "08/03/2024",
                "01/05/2024",
                teams[i % 3],
                "2",
                "A",
                "E01011264",
                "Dr A Jones",
            ]
        )
    path = tmp_path / "msk.xlsx"
    book.save(path)
    suggestion = _suggest(path)
    fields = suggestion.mapping.fields
    assert fields["person_id"] == "Local Patient Identifier (Extended)"
    assert fields["first_contact_date"] == "Date of First Attended Contact"
    assert fields["discharge_date"] == "Discharged"
    # Team type labels in a "Team" column are the team type, not the service name.
    assert fields["team_type"] == "Team"
    assert "service_name" not in fields
    assert "team type labels" in suggestion.reasons["team_type"].reason
    assert "Clinician" in suggestion.unmapped
    _nothing_weak_taken(suggestion)
    prepared = prepare_activity(path, key=KEY, today=TODAY)
    assert prepared.rows_accepted == 30
    assert set(prepared.rows["team_type"].to_list()) == {"20", "26"}


def test_epr_extract_semicolons_windows_1252_terse_headers(tmp_path: Path) -> None:
    header = "PAT_ID;REF_NO;ORG_CODE;REF_DT;FIRST_SEEN_DT;DISCH_DT;SEX;ETH;SEX_ORIENT;RELIG;PT_DOB"
    rows = [
        f"P{i};R{i};RX1;0{1 + i % 9}/03/2024;1{i % 9}/03/2024;;2;H;1;Christian;12/05/1950"
        for i in range(25)
    ]
    rows.append("P99;R99;RX1;01/03/2024;;;1;A;2;Église;01/01/1960")  # a non-ASCII label
    path = tmp_path / "epr.csv"
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("cp1252"))
    suggestion = _suggest(path)
    assert suggestion.mapping.fields == {
        "person_id": "PAT_ID",
        "referral_id": "REF_NO",
        "provider_code": "ORG_CODE",
        "referral_date": "REF_DT",
        "first_contact_date": "FIRST_SEEN_DT",
        "discharge_date": "DISCH_DT",
        "sex": "SEX",
        "ethnic_category": "ETH",
        "sexual_orientation": "SEX_ORIENT",
        "religion": "RELIG",
        "date_of_birth": "PT_DOB",
    }
    assert "pat: patient" not in suggestion.reasons["person_id"].reason  # said in words
    assert suggestion.reasons["person_id"].reason == "its words match 'patient id'"
    _nothing_weak_taken(suggestion)
    prepared = prepare_activity(path, key=KEY, today=TODAY)
    assert prepared.rows_accepted == 26


def test_misspelt_headers_are_read_through_their_spelling(tmp_path: Path) -> None:
    path = tmp_path / "typos.csv"
    lines = ["Patient ID,Referal ID,Provider,Referal Date,Ethnicty,Dischage Date"]
    lines += [f"P{i},R{i},RY1,01/03/2024,A,01/04/2024" for i in range(20)]
    path.write_text("\n".join(lines) + "\n")
    suggestion = _suggest(path)
    fields = suggestion.mapping.fields
    assert fields["referral_id"] == "Referal ID"
    assert fields["referral_date"] == "Referal Date"
    assert fields["ethnic_category"] == "Ethnicty"
    assert fields["discharge_date"] == "Dischage Date"
    assert "read as 'referral date'" in suggestion.reasons["referral_date"].reason
    _nothing_weak_taken(suggestion)


def test_columns_known_by_their_values_alone(tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    lines = ["Patient ID,Referral ID,Provider,Referral Date,Col 5,Col 6,Col 7"]
    lines += [
        f"P{i},R{i},RY1,01/03/2024,E0101126{i % 10},B8600{i % 10},943 476 5919" for i in range(20)
    ]
    path.write_text("\n".join(lines) + "\n")
    suggestion = _suggest(path)
    assert suggestion.mapping.fields["lsoa"] == "Col 5"
    assert suggestion.mapping.fields["gp_practice"] == "Col 6"
    assert suggestion.mapping.fields["nhs_number"] == "Col 7"
    assert suggestion.reasons["lsoa"].reason == "100% of its values look like LSOA codes"
    _nothing_weak_taken(suggestion)


def test_the_demo_extract_maps_whole(tmp_path: Path) -> None:
    from rehabdash.demo import generate
    from rehabdash.demo.extract import HEADERS, write_extract

    path = tmp_path / "demo.csv"
    write_extract(generate(rows=300, seed=4), path)
    suggestion = _suggest(path)
    wanted = {h: f for h, f in HEADERS.items() if f != "lsoa_as_recorded"}
    got = {h: f for f, h in suggestion.mapping.fields.items()}
    assert {h: got.get(h) for h in wanted} == wanted
    assert suggestion.questions == []
    assert suggestion.ambiguous == {}
    _nothing_weak_taken(suggestion)


@pytest.mark.parametrize(
    ("header", "value", "field"),
    [
        ("Seen", "05/03/2024", "first_contact_date"),  # short, but a known name
        ("Closed", "01/04/2024", "discharge_date"),  # close to "closed date": asked
        ("Total Contacts", "6", "contacts_attended"),  # attended, or all booked? asked
        ("Team", "20", "service_name"),  # a code under a name of two fields: asked
    ],
)
def test_weak_matches_are_asked_never_taken(header: str, value: str, field: str) -> None:
    frame = pl.DataFrame({header: [value] * 30})
    found = candidates(frame, header)
    suggestion = suggest_mapping(frame, [header])
    if found[0].confidence >= TAKE:  # "Seen": a synonym, and dates
        assert suggestion.mapping.fields == {field: header}
        return
    assert ASK <= found[0].confidence < TAKE
    assert found[0].field == field
    assert suggestion.mapping.fields == {}
    assert [(q.header, q.field) for q in suggestion.questions] == [(header, field)]


def test_a_weak_required_field_stops_the_import_and_says_how_sure(tmp_path: Path) -> None:
    path = tmp_path / "weak.csv"
    lines = ["Patient ID,Referral ID,Provider,Received On"]
    lines += [f"P{i},R{i},RY1,01/03/2024" for i in range(20)]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportFileError) as caught:
        prepare_activity(path, key=KEY, today=TODAY)
    message = str(caught.value)
    assert "Referral date (referral_date) has no column" in message
    assert "'Received On' (probably Referral date (referral_date)" in message
    assert "% sure" in message
