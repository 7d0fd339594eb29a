import polars as pl
import pytest

from rehabdash.codes import CODE_LISTS, INVALID, NORMALISERS, attendance, team_type
from rehabdash.codes._normalise import clean_key, clean_key_expr
from rehabdash.codes.marital import MARITAL_STATUS
from rehabdash.codes.pregnancy import PREGNANCY
from rehabdash.codes.sexual_orientation import SEXUAL_ORIENTATION


def _run(fn, values):  # type: ignore[no-untyped-def]
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.Utf8})
        .select(fn(pl.col("v")))
        .to_series()
        .to_list()
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Heterosexual or Straight", "1"),
        ("straight", "1"),
        ("Gay", "2"),
        ("Lesbian", "2"),
        ("Bisexual", "3"),
        ("Other", "4"),
        ("Not sure", "U"),
        ("Prefer not to say", "Z"),
        ("Not known", "9"),
        ("9", "9"),
        ("u", "U"),
    ],
)
def test_sexual_orientation(value: str, code: str) -> None:
    assert SEXUAL_ORIENTATION.normalise_values([value]) == [code]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Single", "S"),
        ("s", "S"),
        ("Married", "M"),
        ("Civil partner", "M"),
        ("Divorced", "D"),
        ("Widowed", "W"),
        ("Separated", "P"),
        ("Prefer not to say", "N"),
        ("Not known", "X"),
        ("9", "X"),
    ],
)
def test_marital_status_with_documented_not_known_x(value: str, code: str) -> None:
    assert MARITAL_STATUS.normalise_values([value]) == [code]


def test_pregnancy() -> None:
    assert PREGNANCY.normalise_values(["Yes", "n", "Unknown", "maybe", ""]) == [
        "Y",
        "N",
        "X",
        INVALID,
        None,
    ]


def test_team_type_pads_and_reads_labels() -> None:
    out = _run(team_type.normalise, ["4", "26", "Physiotherapy", "MSK", "SALT", "99", "0", "abc"])
    assert out == ["04", "26", "26", "20", "33", "99", INVALID, INVALID]


def test_team_type_rehab_flag() -> None:
    out = _run(team_type.is_rehab, ["26", "12", "52", "99"])
    assert out == [True, False, True, False]
    assert team_type.label("99") == "CSDS team type 99"


def test_attendance_outcomes() -> None:
    codes = _run(attendance.normalise_attendance, ["5", "6", "7", "3", "2", "4", "DNA", "9"])
    assert codes == ["5", "6", "7", "3", "2", "4", "3", INVALID]
    groups = _run(attendance.attendance_outcome, codes)
    assert groups == ["attended", "attended", "dna", "dna", "cancelled", "cancelled", "dna", None]


def test_consultation_mechanism() -> None:
    assert _run(attendance.normalise_mechanism, ["1", "Telephone", "video", "98"]) == [
        "01",
        "02",
        "11",
        "98",
    ]


def test_clean_key_matches_the_expression() -> None:
    values = ["  White - British ", "Baha'i", "A&E", "NON_BINARY", "Mixed:  White/Asian"]
    vectorised = _run(clean_key_expr, values)
    assert vectorised == [clean_key(v) for v in values]
    assert vectorised[1] == "bahai"


def test_every_list_has_a_normaliser_and_no_label_clashes_with_a_code() -> None:
    assert set(CODE_LISTS) == set(NORMALISERS)
    for code_list in CODE_LISTS.values():
        lookup = code_list.lookup
        for code in code_list.codes:
            assert lookup[clean_key(code)] == code
