"""The breakdown registry: each characteristic defined once, every stored value of one kind."""

from __future__ import annotations

import polars as pl
import pytest

from rehabdash import refdata
from rehabdash.codes import CODE_LISTS, ethnicity
from rehabdash.codes.age import AGE_BANDS
from rehabdash.codes.characteristics import (
    CHARACTERISTICS,
    DEFAULT_PAIRS,
    KINDS,
    characteristic,
)
from rehabdash.ingest.fields import ACTIVITY_OUTPUT_SCHEMA
from rehabdash.stats.standard_population import ESP2013_BANDS, esp2013


def _apply(key: str, values: list[object], dtype: pl.DataType = pl.Utf8) -> list[tuple[str, str]]:
    c = characteristic(key)
    frame = pl.DataFrame({"v": pl.Series(values, dtype=dtype)})
    out = frame.select(c.kind(pl.col("v")).alias("kind"), c.level(pl.col("v")).alias("level"))
    return list(out.iter_rows())


def test_every_breakdown_the_issue_lists_is_registered() -> None:
    wanted = {
        "age_band", "sex", "gender_identity", "ethnicity", "ethnic_group", "imd_decile",
        "imd_quintile", "disability", "religion", "sexual_orientation", "marital_status",
        "pregnancy",
    }  # fmt: skip
    assert set(CHARACTERISTICS) == wanted
    for c in CHARACTERISTICS.values():
        assert c.column in ACTIVITY_OUTPUT_SCHEMA, c.key  # each reads a stored column
    for a, b in DEFAULT_PAIRS:
        assert {a, b} <= set(CHARACTERISTICS)


@pytest.mark.parametrize(
    "key", ["sex", "gender_identity", "sexual_orientation", "marital_status", "pregnancy"]
)
def test_coded_breakdowns_cover_every_code_once(key: str) -> None:
    c = characteristic(key)
    codes = CODE_LISTS.get(c.column)
    assert codes is not None
    unknown = c.not_stated | c.not_known
    assert set(c.levels) | unknown == set(codes.codes)
    assert not set(c.levels) & unknown


def test_ethnicity_sixteen_codes_and_five_groups() -> None:
    assert len(characteristic("ethnicity").levels) == 16
    assert characteristic("ethnic_group").levels == ("White", "Mixed", "Asian", "Black", "Other")
    rows = _apply("ethnic_group", ["J", "A", "R", "Z", "99", None, "INVALID"])
    assert rows == [
        ("valid", "Asian"),
        ("valid", "White"),
        ("valid", "Other"),  # NHS puts Chinese (R) under Other
        ("not stated", "Not stated"),
        ("not known", "Not known"),
        ("blank", "Blank"),
        ("invalid", "Invalid"),
    ]
    assert characteristic("ethnicity").label("J") == f"{ethnicity.CODES['J']} (J)"
    assert characteristic("ethnicity").label("Not known") == "Not known"


def test_deprivation_is_ordered_from_most_deprived() -> None:
    rows = _apply("imd_quintile", [1, 2, 3, 9, 10, None], pl.Int8)
    assert [level for _, level in rows] == ["1", "1", "2", "5", "5", "Blank"]
    assert characteristic("imd_decile").ordered
    assert characteristic("imd_quintile").ordered
    assert not characteristic("ethnic_group").ordered


def test_disability_religion_and_age_levels() -> None:
    assert [lvl for _, lvl in _apply("disability", ["05", "NN", "01,05", "ZZ", "XX"])] == [
        "Disabled",
        "Not disabled",
        "Disabled",
        "Not stated",
        "Disabled",
    ]
    rows = _apply("religion", ["C22", "C", "L", "G", "M", "N", "M1"])
    assert rows == [
        ("valid", "Christian"),
        ("valid", "Christian"),
        ("valid", "No religion"),
        ("valid", "Muslim"),
        ("not stated", "Not stated"),
        ("not known", "Not known"),
        ("not stated", "Not stated"),
    ]
    assert [lvl for _, lvl in _apply("age_band", ["0-4", "90+", None])] == ["0-4", "90+", "Blank"]


@pytest.mark.parametrize("key", sorted(CHARACTERISTICS))
def test_every_value_has_exactly_one_kind(key: str) -> None:
    c = characteristic(key)
    dtype = pl.Int8 if c.column == "imd_decile" else pl.Utf8
    samples: list[object] = [None, *(sorted(c.not_stated | c.not_known))]
    samples += [1, 5, 10] if dtype == pl.Int8 else ["INVALID", *c.levels[:3]]
    if key in ("ethnic_group", "religion", "disability"):  # levels are groups, not codes
        samples = [s for s in samples if s not in c.levels]
    kinds = [kind for kind, _ in _apply(key, samples, dtype)]
    assert set(kinds) <= set(KINDS)
    assert len(kinds) == len(samples)


def test_age_bands_are_defined_once() -> None:
    assert refdata.AGE_BANDS is AGE_BANDS
    assert ESP2013_BANDS is AGE_BANDS
    assert tuple(esp2013()["age_band"].to_list()) == AGE_BANDS
    assert len(AGE_BANDS) == 19


def test_unknown_breakdown_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown breakdown 'ethnic'.*ethnic_group"):
        characteristic("ethnic")
