import polars as pl
import pytest

from rehabdash.codes import INVALID, ethnicity


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("White - British", "A"),
        ("WHITE BRITISH", "A"),
        ("A", "A"),
        ("a ", "A"),
        ("White: English, Welsh, Scottish, Northern Irish or British", "A"),
        ("Irish", "B"),
        ("White - Irish", "B"),
        ("Gypsy or Irish Traveller", "C"),
        ("Roma", "C"),
        ("Mixed - White and Black Caribbean", "D"),
        ("mixed: white and asian", "F"),
        ("Asian or Asian British - Indian", "H"),
        ("Pakistani", "J"),
        ("k", "K"),
        ("Black or Black British - African", "N"),
        ("Black Caribbean", "M"),
        ("Other Ethnic Groups - Chinese", "R"),
        ("Chinese", "R"),
        ("Arab", "S"),
        ("Any other ethnic group", "S"),
        ("Prefer not to say", "Z"),
        ("Not stated", "Z"),
        ("z", "Z"),
        ("Not Known", "99"),
        ("9", "99"),
        ("99", "99"),
        ("Unknown", "99"),
    ],
)
def test_codes_and_labels_normalise(value: str, code: str) -> None:
    assert ethnicity.ETHNICITY.normalise_values([value]) == [code]


@pytest.mark.parametrize("value", ["", "   ", None, "0"])
def test_blank_and_zero_are_missing_not_invalid(value: str | None) -> None:
    assert ethnicity.ETHNICITY.normalise_values([value]) == [None]


@pytest.mark.parametrize("value", ["Martian", "other", "T", "White"])
def test_unknown_values_are_invalid(value: str) -> None:
    assert ethnicity.ETHNICITY.normalise_values([value]) == [INVALID]


def test_not_stated_not_known_blank_and_invalid_stay_apart() -> None:
    out = ethnicity.ETHNICITY.normalise_values(["Prefer not to say", "Not known", "", "xx"])
    assert out == ["Z", "99", None, INVALID]
    assert {"Z"} == ethnicity.NOT_STATED
    assert {"99"} == ethnicity.NOT_KNOWN


def test_broad_groups() -> None:
    frame = pl.DataFrame({"c": ["A", "E", "L", "P", "R", "Z", "99", INVALID]})
    groups = frame.select(ethnicity.broad_group(pl.col("c"))).to_series().to_list()
    assert groups == ["White", "Mixed", "Asian", "Black", "Other", "Not stated", "Not known", None]


def test_every_code_has_a_label_and_a_group() -> None:
    assert set(ethnicity.CODES) == set(ethnicity.BROAD_GROUPS)
    assert ethnicity.ETHNICITY.label("H") == "Asian or Asian British - Indian"
