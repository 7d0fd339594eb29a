"""Column mapping: synonyms, value sniffing, ambiguity, serialisation, template matching."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_helpers import HEADER, KEY, TODAY, CsvMaker, row

from rehabdash.ingest import ColumnMapping, ImportFileError, prepare_activity, suggest_mapping
from rehabdash.ingest.fields import ACTIVITY_SYNONYMS
from rehabdash.ingest.mapping import header_signature


@pytest.mark.parametrize(
    "header",
    ["Ethnicity", "Ethnic Category Code", "ETHNIC_CATEGORY", "Ethnic Origin", " ethnic  group "],
)
def test_ethnicity_synonyms(header: str) -> None:
    frame = pl.DataFrame({header: ["A"]})
    assert suggest_mapping(frame, [header]).mapping.fields == {"ethnic_category": header}


def test_synonyms_are_unique_across_fields() -> None:
    seen: dict[str, str] = {}
    for field, names in ACTIVITY_SYNONYMS.items():
        for name in names:
            assert seen.setdefault(name, field) == field, name


def test_values_reveal_lsoa_and_nhs_number() -> None:
    frame = pl.DataFrame(
        {
            "Col A": ["E01000001", "E01000002", "E01033333"],
            "Col B": ["943 476 5919", "9434765870", "4010232137"],
            "Col C": ["1234567890", "1111111111", "2222222222"],  # fail modulus 11
        }
    )
    suggestion = suggest_mapping(frame, frame.columns)
    assert suggestion.mapping.fields == {"lsoa": "Col A", "nhs_number": "Col B"}
    reasons = {f: c.reason for f, c in suggestion.reasons.items()}
    assert reasons == {
        "lsoa": "100% of its values look like LSOA codes",
        "nhs_number": "100% of its values are valid NHS numbers",
    }
    assert suggestion.unmapped == ["Col C"]


def test_values_do_not_override_a_header_that_names_another_field() -> None:
    frame = pl.DataFrame(
        {
            "PAT_ID": ["P12345", "P12346", "P12347"],  # the GP practice pattern, a patient id
            "Col D": ["B86001", "B86016", "B86018"],
            "Pat NHS No": ["943 476 5919", "9434765870", "4010232137"],  # names nhs_number too
            "Client Ref": ["E01011264", "E01011352", "E01011353"],  # "ref" alone is not clear
        }
    )
    suggestion = suggest_mapping(frame, frame.columns)
    assert suggestion.mapping.fields == {
        "person_id": "PAT_ID",  # by its words (pat: patient), whatever the values look like
        "gp_practice": "Col D",
        "nhs_number": "Pat NHS No",
        "lsoa": "Client Ref",
    }
    assert "values" in suggestion.reasons["lsoa"].reason
    assert suggestion.reasons["nhs_number"].reason.startswith("its words match")
    assert suggestion.unmapped == []
    only = frame.select("PAT_ID")
    assert suggest_mapping(only, only.columns).mapping.fields == {"person_id": "PAT_ID"}


def test_better_synonym_wins_and_equal_ones_are_ambiguous() -> None:
    frame = pl.DataFrame({"Ethnicity": ["A"], "Ethnic Category": ["A"]})
    assert suggest_mapping(frame, frame.columns).mapping.fields == {
        "ethnic_category": "Ethnic Category"
    }
    frame = pl.DataFrame({h: ["12/05/1950"] for h in ("DOB", "Patient DOB", "dob")})
    suggestion = suggest_mapping(frame, ["DOB", "Patient DOB", "dob"])
    assert suggestion.ambiguous == {"date_of_birth": ["DOB", "dob"]}


def test_json_round_trip_and_signature() -> None:
    mapping = ColumnMapping(
        kind="activity",
        fields={"person_id": "Patient ID"},
        header_signature=header_signature(["Patient ID", "Sex"]),
        name="RiO",
    )
    again = ColumnMapping.from_json(mapping.to_json())
    assert again == mapping
    assert again.matches(["sex", "PATIENT_ID"])
    assert not again.matches(["Patient ID"])
    with pytest.raises(ValueError, match="not a column mapping"):
        ColumnMapping.from_json("[1, 2]")


def test_saved_mapping_is_used(make_csv: CsvMaker) -> None:
    header = ["Col1", "Col2", "Col3", "Col4", "Col5"]
    path = make_csv([["P1", "R1", "RY1", "01/03/2024", "b"]], header=header)
    mapping = ColumnMapping(
        "activity",
        {
            "person_id": "Col1",
            "referral_id": "Col2",
            "provider_code": "Col3",
            "referral_date": "Col4",
            "ethnic_category": "Col5",
        },
    )
    result = prepare_activity(path, mapping=mapping, key=KEY, today=TODAY)
    assert result.rows["ethnic_category"].to_list() == ["B"]
    assert result.mapping is not None
    assert result.mapping.fields == mapping.fields


def test_saved_mapping_naming_a_missing_column_is_refused(make_csv: CsvMaker) -> None:
    mapping = ColumnMapping("activity", {"person_id": "Client"})
    with pytest.raises(ImportFileError, match="'Client'"):
        prepare_activity(make_csv([row()]), mapping=mapping, key=KEY, today=TODAY)


def test_unmapped_required_fields_are_listed(make_csv: CsvMaker) -> None:
    header = [h for h in HEADER if h not in ("Provider", "Referral Date")]
    dropped = ("Provider", "Referral Date")
    values = [v for h, v in zip(HEADER, row(), strict=True) if h not in dropped]
    with pytest.raises(ImportFileError) as info:
        prepare_activity(make_csv([values], header=header), key=KEY, today=TODAY)
    message = str(info.value)
    assert "Provider code (provider_code) has no column" in message
    assert "Referral date (referral_date) has no column" in message
    assert "'Patient ID'" in message


def test_provider_default_replaces_a_missing_column(make_csv: CsvMaker) -> None:
    header = [h for h in HEADER if h != "Provider"]
    values = [v for h, v in zip(HEADER, row(), strict=True) if h != "Provider"]
    result = prepare_activity(
        make_csv([values], header=header), provider_code="rxx", key=KEY, today=TODAY
    )
    assert result.rows["provider_code"].to_list() == ["RXX"]


def test_ambiguous_required_field_is_an_error(make_csv: CsvMaker) -> None:
    header = [*HEADER, "REFERRAL_DATE"]
    with pytest.raises(
        ImportFileError, match=r"Referral date \(referral_date\) matches several columns"
    ):
        prepare_activity(make_csv([[*row(), "01/03/2024"]], header=header), key=KEY, today=TODAY)
