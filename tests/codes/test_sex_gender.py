import pytest

from rehabdash.codes import INVALID
from rehabdash.codes.sex_gender import GENDER_IDENTITY, GENDER_SAME_AT_BIRTH, SEX


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("M", "1"),
        ("Male", "1"),
        ("1", "1"),
        ("male ", "1"),
        ("F", "2"),
        ("FEMALE", "2"),
        ("2", "2"),
        ("Indeterminate", "9"),
        ("9", "9"),
        ("X", "X"),
        ("Not Known", "X"),
        ("0", "X"),
        ("Prefer not to say", "X"),
    ],
)
def test_stated_gender(value: str, code: str) -> None:
    assert SEX.normalise_values([value]) == [code]


def test_stated_gender_blank_and_invalid() -> None:
    assert SEX.normalise_values(["", None, "Q", "Mail"]) == [None, None, INVALID, INVALID]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Male", "1"),
        ("Trans man", "1"),
        ("Woman", "2"),
        ("Non-binary", "3"),
        ("nonbinary", "3"),
        ("Other (not listed)", "4"),
        ("Prefer not to say", "Z"),
        ("Not stated", "Z"),
        ("Not known", "X"),
        ("z", "Z"),
        ("x", "X"),
    ],
)
def test_gender_identity(value: str, code: str) -> None:
    assert GENDER_IDENTITY.normalise_values([value]) == [code]


@pytest.mark.parametrize(
    ("value", "code"),
    [("Yes", "Y"), ("y", "Y"), ("No", "N"), ("Prefer not to say", "Z"), ("Unknown", "X")],
)
def test_gender_same_at_birth(value: str, code: str) -> None:
    assert GENDER_SAME_AT_BIRTH.normalise_values([value]) == [code]


def test_not_stated_and_not_known_codes_declared() -> None:
    assert GENDER_IDENTITY.not_stated == {"Z"}
    assert GENDER_IDENTITY.not_known == {"X"}
    assert SEX.not_known == {"X"}
