"""Pseudonymisation: stable per key, different across keys, nothing in clear."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest
from ingest_helpers import KEY, TODAY, CsvMaker, row

from rehabdash.ingest import prepare_activity
from rehabdash.ingest.pseudonymise import nhs_number_valid, pseudonymise, redact


def test_same_input_and_key_same_hash_and_matches_hmac() -> None:
    values = pl.Series(["P1", "P2", "P1", None])
    first, second = pseudonymise(values, b"k1"), pseudonymise(values, b"k1")
    assert first.to_list() == second.to_list()
    assert first[0] == first[2] != first[1]
    assert first[3] is None
    assert first[0] == hmac.new(b"k1", b"P1", hashlib.sha256).hexdigest()


def test_different_key_different_hash() -> None:
    values = pl.Series(["P1"])
    assert pseudonymise(values, b"k1")[0] != pseudonymise(values, b"k2")[0]


def test_empty_key_refused() -> None:
    with pytest.raises(ValueError, match="key"):
        pseudonymise(pl.Series(["P1"]), b"")


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9434765919", True),
        ("4010232137", True),
        ("9434765918", False),
        ("123456789", False),
        ("94347659AB", False),
    ],
)
def test_nhs_number_modulus_11(number: str, valid: bool) -> None:
    frame = pl.DataFrame({"n": [number]})
    assert frame.select(nhs_number_valid(pl.col("n"))).item() is valid


def test_redaction() -> None:
    out = pl.DataFrame({"v": ["9434765919", "ab", None]}).select(redact(pl.col("v")))
    assert out.to_series().to_list() == ["9***9", "***", None]


def test_no_identifier_leaves_the_pipeline_in_clear(make_csv: CsvMaker) -> None:
    header = [
        "Patient ID",
        "NHS Number",
        "Referral ID",
        "Provider",
        "Referral Date",
        "DOB",
        "Postcode",
        "LSOA",
    ]
    path = make_csv(
        [
            [
                "PAT-777",
                "943 476 5919",
                "R1",
                "RY1",
                "01/03/2024",
                "12/05/1950",
                "LS1 4AP",
                "E01000001",
            ]
        ],
        header=header,
    )
    result = prepare_activity(path, key=KEY, today=TODAY)
    text = result.rows.write_csv() + result.failures.write_csv()
    for secret in ("PAT-777", "9434765919", "943 476 5919", "12/05/1950", "1950", "LS1 4AP"):
        assert secret not in text
    assert result.rows["person_key"][0] == hmac.new(KEY, b"PAT-777", hashlib.sha256).hexdigest()
    assert (
        result.rows["nhs_number_key"][0] == hmac.new(KEY, b"9434765919", hashlib.sha256).hexdigest()
    )
    assert "postcode" not in result.rows.columns
    assert "date_of_birth" not in result.rows.columns
    assert any("postcode column 'Postcode' dropped" in n for n in result.notes)


def test_postcode_lookup_fills_lsoa_and_flags_unknown(make_csv: CsvMaker) -> None:
    header = ["Patient ID", "Referral ID", "Provider", "Referral Date", "Postcode"]
    path = make_csv(
        [
            ["P1", "R1", "RY1", "01/03/2024", "ls1 4ap"],
            ["P2", "R2", "RY1", "01/03/2024", "ZZ9 9ZZ"],
        ],
        header=header,
    )
    lookup = pl.DataFrame({"postcode": ["LS1 4AP"], "lsoa": ["E01011365"]})
    result = prepare_activity(
        path, key=KEY, today=TODAY, postcode_lookup=lookup, known_lsoas={"E01011365"}
    )
    assert result.rows.sort("referral_id")["lsoa"].to_list() == ["E01011365", None]
    failure = result.failures.filter(pl.col("rule") == "postcode_unknown").row(0, named=True)
    assert (failure["source_row"], failure["value"], failure["severity"]) == (3, "Z***Z", "warning")


def test_same_person_two_referrals_share_a_key(make_csv: CsvMaker) -> None:
    result = prepare_activity(make_csv([row(), row(Referral_ID="R2")]), key=KEY, today=TODAY)
    assert result.rows["person_key"].n_unique() == 1
