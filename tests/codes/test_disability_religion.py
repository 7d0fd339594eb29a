import polars as pl
import pytest

from rehabdash.codes import INVALID, disability, religion


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
        ("05", "05"),
        ("5", "05"),
        ("Mobility and Gross Motor", "05"),
        ("hearing", "02"),
        ("01, 05", "01,05"),
        ("05;01;01", "01,05"),
        ("Hearing | Sight", "02,09"),
        ("Personal, Self Care and Continence", "07"),
        ("No disability", "NN"),
        ("nn", "NN"),
        ("Prefer not to say", "ZZ"),
        ("XX", "XX"),
    ],
)
def test_disability_codes_labels_and_lists(value: str, code: str) -> None:
    assert _run(disability.normalise, [value]) == [code]


def test_disability_blank_and_invalid() -> None:
    assert _run(disability.normalise, ["", None, "11", "05, banana"]) == [
        None,
        None,
        INVALID,
        INVALID,
    ]


def test_any_disability_keeps_not_stated_unknown() -> None:
    out = _run(disability.any_disability, ["05", "01,05", "NN", "ZZ", None, INVALID, "XX"])
    assert out == [True, True, False, None, None, None, True]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("C", "C"),
        ("c", "C"),
        ("Christian", "C"),
        ("Roman Catholic", "C"),
        ("Church of England", "C22"),
        ("C22", "C22"),
        ("c 1", "C1"),
        ("Muslim", "G"),
        ("Islam", "G"),
        ("Jewish", "F"),
        ("Sikh", "I"),
        ("Hindu", "D"),
        ("Buddhist", "B"),
        ("No religion", "L"),
        ("None", "L"),
        ("Atheist", "L1"),
        ("L2", "L2"),
        ("Prefer not to say", "M"),
        ("Religion not stated", "M"),
        ("Not known", "N"),
        ("Any other religion", "K"),
    ],
)
def test_religion_codes_labels_and_census_labels(value: str, code: str) -> None:
    assert _run(religion.normalise, [value]) == [code]


def test_religion_invalid_and_blank() -> None:
    assert _run(religion.normalise, ["Z9", "Jedi", " ", None]) == [INVALID, INVALID, None, None]


def test_religion_census_groups_keep_declined_and_unknown_apart() -> None:
    groups = _run(religion.census_group, ["C22", "L1", "G", "E", "M", "N", INVALID, None])
    assert groups == [
        "Christian",
        "No religion",
        "Muslim",
        "Other religion",
        "Not stated",
        "Not known",
        None,
        None,
    ]
