"""Census 2021 small-area denominators (England) shipped in resources/, and their NHS mappings.

One long table per census topic: ``area_code`` (LSOA 2021 E01… or MSOA 2021 E02…),
``category`` (a short stable key), ``group`` (the census's own grouping, e.g. the 5
broad ethnic groups), ``label`` (the census wording), ``count`` and ``total`` (the
table's own total for the area). ONS perturbs each table separately, so an area's total
differs by up to about 15 people between tables: divide a table's categories by that
table's ``total``, never by another table's.

Also here: the census -> NHS code mappings used to line denominators up with activity
data, :func:`census_shares` (each NHS group's share of an LSOA 2021 or LSOA 2011), and
:func:`population_by_sex`, which splits the shipped ONS persons-only LSOA
population by sex using the census sex (TS008) and age (TS007A) margins.

Source: Office for National Statistics, Census 2021 topic summaries, Open Government
Licence v3.0 (resources/REFDATA_SOURCES.md). Built by ``python -m rehabdash.refdata.build``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import polars as pl

from rehabdash import refdata
from rehabdash.refdata import geography

__all__ = [
    "CENSUS_ATTRIBUTION",
    "CENSUS_CATEGORIES",
    "CENSUS_GROUP_LABELS",
    "CENSUS_TABLES",
    "CENSUS_TO_NHS",
    "DISABILITY_TO_EQUALITY_ACT",
    "ETHNIC_GROUP_TO_NHS",
    "PARTNERSHIP_TO_NHS_MARITAL",
    "RELIGION_TO_NHS_GROUP",
    "SEXUAL_ORIENTATION_TO_NHS",
    "SEX_SPLIT_SEED_MALE_SHARE",
    "SEX_TO_NHS",
    "CensusCategory",
    "CensusTable",
    "Geography",
    "Topic",
    "census_groups",
    "census_shares",
    "census_table",
    "england_male_shares",
    "nhs_denominators",
    "population_by_sex",
]

CENSUS_ATTRIBUTION = (
    "Source: Office for National Statistics, Census 2021, licensed under the Open Government "
    "Licence v3.0."
)

Topic = Literal[
    "ethnic_group",
    "religion",
    "disability",
    "partnership_status",
    "age",
    "sex",
    "sexual_orientation",
]
Geography = Literal["lsoa", "msoa"]

_ALL_RESIDENTS = "All usual residents"
_AGED_16_PLUS = "All usual residents aged 16 and over"


@dataclass(frozen=True)
class CensusCategory:
    key: str  # short stable key, e.g. "white_irish"
    label: str  # census wording below the topic, e.g. "White: Irish"
    group: str  # key of the census group it belongs to (itself in a flat table)


@dataclass(frozen=True)
class CensusTable:
    topic: Topic
    geography: Geography  # 2021 boundaries
    table_id: str  # ONS topic summary, e.g. "TS021"
    title: str
    year: int
    base: str  # population base the counts cover
    areas: int  # England areas in the table
    resource: str  # Parquet file in resources/
    source_file: str  # file in the source folder's census/ it was built from
    attribution: str = CENSUS_ATTRIBUTION

    @property
    def categories(self) -> tuple[CensusCategory, ...]:
        return CENSUS_CATEGORIES[self.topic]

    @property
    def geography_label(self) -> str:
        return "LSOA 2021" if self.geography == "lsoa" else "MSOA 2021"

    @property
    def citation(self) -> str:
        """One line for a result's provenance: table, year, geography and base."""
        return (
            f"Census {self.year} {self.table_id} {self.title}, {self.geography_label}, "
            f"{self.base.lower()}"
        )


def _cats(group: str, *pairs: tuple[str, str]) -> tuple[CensusCategory, ...]:
    return tuple(CensusCategory(key, label, group) for key, label in pairs)


def _flat(*pairs: tuple[str, str]) -> tuple[CensusCategory, ...]:
    return tuple(CensusCategory(key, label, key) for key, label in pairs)


_AGE_KEYS = (*(f"{a}-{a + 4}" for a in range(0, 85, 5)), "85+")
_AGE_LABELS = (
    "Aged 4 years and under",
    *(f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)),
    "Aged 85 years and over",
)

# Leaf categories in the census's own order; the labels are the source column headers
# without the topic prefix, so build.py can find each one.
CENSUS_CATEGORIES: dict[str, tuple[CensusCategory, ...]] = {
    "ethnic_group": (
        *_cats(
            "asian",
            ("asian_bangladeshi", "Asian, Asian British or Asian Welsh: Bangladeshi"),
            ("asian_chinese", "Asian, Asian British or Asian Welsh: Chinese"),
            ("asian_indian", "Asian, Asian British or Asian Welsh: Indian"),
            ("asian_pakistani", "Asian, Asian British or Asian Welsh: Pakistani"),
            ("asian_other", "Asian, Asian British or Asian Welsh: Other Asian"),
        ),
        *_cats(
            "black",
            ("black_african", "Black, Black British, Black Welsh, Caribbean or African: African"),
            (
                "black_caribbean",
                "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
            ),
            ("black_other", "Black, Black British, Black Welsh, Caribbean or African: Other Black"),
        ),
        *_cats(
            "mixed",
            ("mixed_white_asian", "Mixed or Multiple ethnic groups: White and Asian"),
            (
                "mixed_white_black_african",
                "Mixed or Multiple ethnic groups: White and Black African",
            ),
            (
                "mixed_white_black_caribbean",
                "Mixed or Multiple ethnic groups: White and Black Caribbean",
            ),
            (
                "mixed_other",
                "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
            ),
        ),
        *_cats(
            "white",
            (
                "white_english_welsh_scottish_ni_british",
                "White: English, Welsh, Scottish, Northern Irish or British",
            ),
            ("white_irish", "White: Irish"),
            ("white_gypsy_irish_traveller", "White: Gypsy or Irish Traveller"),
            ("white_roma", "White: Roma"),
            ("white_other", "White: Other White"),
        ),
        *_cats(
            "other",
            ("other_arab", "Other ethnic group: Arab"),
            ("other_any_other", "Other ethnic group: Any other ethnic group"),
        ),
    ),
    "religion": _flat(
        ("no_religion", "No religion"),
        ("christian", "Christian"),
        ("buddhist", "Buddhist"),
        ("hindu", "Hindu"),
        ("jewish", "Jewish"),
        ("muslim", "Muslim"),
        ("sikh", "Sikh"),
        ("other_religion", "Other religion"),
        ("not_answered", "Not answered"),
    ),
    "disability": (
        *_cats(
            "disabled",
            (
                "disabled_limited_a_lot",
                "Disabled under the Equality Act: Day-to-day activities limited a lot",
            ),
            (
                "disabled_limited_a_little",
                "Disabled under the Equality Act: Day-to-day activities limited a little",
            ),
        ),
        *_cats(
            "not_disabled",
            (
                "not_disabled_condition_not_limiting",
                "Not disabled under the Equality Act: Has long term physical or mental health "
                "condition but day-to-day activities are not limited",
            ),
            (
                "not_disabled_no_condition",
                "Not disabled under the Equality Act: No long term physical or mental health "
                "conditions",
            ),
        ),
    ),
    "partnership_status": (
        *_cats(
            "never_married",
            ("never_married", "Never married and never registered a civil partnership"),
        ),
        *_cats(
            "married_or_civil_partner",
            (
                "married_opposite_sex",
                "Married or in a registered civil partnership: Married: Opposite sex",
            ),
            ("married_same_sex", "Married or in a registered civil partnership: Married: Same sex"),
            (
                "civil_partner_opposite_sex",
                "Married or in a registered civil partnership: In a registered civil "
                "partnership: Opposite sex",
            ),
            (
                "civil_partner_same_sex",
                "Married or in a registered civil partnership: In a registered civil "
                "partnership: Same sex",
            ),
        ),
        *_cats(
            "separated",
            (
                "separated_married",
                "Separated, but still legally married or still legally in a civil partnership: "
                "Separated, but still married",
            ),
            (
                "separated_civil_partner",
                "Separated, but still legally married or still legally in a civil partnership: "
                "Separated, but still in a registered civil partnership",
            ),
        ),
        *_cats(
            "divorced_or_dissolved",
            ("divorced", "Divorced or civil partnership dissolved: Divorced"),
            (
                "civil_partnership_dissolved",
                "Divorced or civil partnership dissolved: Formerly in a civil partnership now "
                "legally dissolved",
            ),
        ),
        *_cats(
            "widowed_or_surviving_partner",
            ("widowed", "Widowed or surviving civil partnership partner: Widowed"),
            (
                "surviving_civil_partner",
                "Widowed or surviving civil partnership partner: Surviving partner from civil "
                "partnership",
            ),
        ),
    ),
    "age": _flat(*zip(_AGE_KEYS, _AGE_LABELS, strict=True)),
    "sex": _flat(("female", "Female"), ("male", "Male")),
    "sexual_orientation": _flat(
        ("straight_heterosexual", "Straight or Heterosexual"),
        ("gay_lesbian", "Gay or Lesbian"),
        ("bisexual", "Bisexual"),
        ("other_orientation", "All other sexual orientations"),
        ("not_answered", "Not answered"),
    ),
}

#: Labels of the census groups (flat tables: each category is its own group).
CENSUS_GROUP_LABELS: dict[str, dict[str, str]] = {
    "ethnic_group": {
        "asian": "Asian, Asian British or Asian Welsh",
        "black": "Black, Black British, Black Welsh, Caribbean or African",
        "mixed": "Mixed or Multiple ethnic groups",
        "white": "White",
        "other": "Other ethnic group",
    },
    "disability": {
        "disabled": "Disabled under the Equality Act",
        "not_disabled": "Not disabled under the Equality Act",
    },
    "partnership_status": {
        "never_married": "Never married and never registered a civil partnership",
        "married_or_civil_partner": "Married or in a registered civil partnership",
        "separated": (
            "Separated, but still legally married or still legally in a civil partnership"
        ),
        "divorced_or_dissolved": "Divorced or civil partnership dissolved",
        "widowed_or_surviving_partner": "Widowed or surviving civil partnership partner",
    },
    **{
        topic: {c.key: c.label for c in CENSUS_CATEGORIES[topic]}
        for topic in ("religion", "age", "sex", "sexual_orientation")
    },
}


def _table(
    topic: Topic, geography: Geography, table_id: str, title: str, base: str, source: str
) -> CensusTable:
    return CensusTable(
        topic=topic,
        geography=geography,
        table_id=table_id,
        title=title,
        year=2021,
        base=base,
        areas=33_755 if geography == "lsoa" else 6_856,
        resource=f"census2021_{topic}_{geography}21.parquet",
        source_file=source,
    )


CENSUS_TABLES: dict[tuple[str, str], CensusTable] = {
    (t.topic, t.geography): t
    for t in (
        _table(
            "ethnic_group",
            "lsoa",
            "TS021",
            "Ethnic group",
            _ALL_RESIDENTS,
            "census2021-ts021-lsoa_england.csv",
        ),
        _table(
            "religion",
            "lsoa",
            "TS030",
            "Religion",
            _ALL_RESIDENTS,
            "census2021-ts030-lsoa_england.csv",
        ),
        _table(
            "disability",
            "lsoa",
            "TS038",
            "Disability",
            _ALL_RESIDENTS,
            "census2021-ts038-lsoa_england.csv",
        ),
        _table(
            "partnership_status",
            "lsoa",
            "TS002",
            "Legal partnership status",
            _AGED_16_PLUS,
            "census2021-ts002-lsoa_england.csv",
        ),
        _table(
            "age",
            "lsoa",
            "TS007A",
            "Age by five-year age bands",
            _ALL_RESIDENTS,
            "census2021-ts007a-lsoa_england.csv",
        ),
        _table("sex", "lsoa", "TS008", "Sex", _ALL_RESIDENTS, "census2021-ts008-lsoa_england.csv"),
        _table(
            "ethnic_group",
            "msoa",
            "TS021",
            "Ethnic group",
            _ALL_RESIDENTS,
            "census2021-ts021-msoa_england.csv",
        ),
        _table(
            "sexual_orientation",
            "msoa",
            "TS077",
            "Sexual orientation",
            _AGED_16_PLUS,
            "census2021-ts077-msoa_england_long_demographr.csv",
        ),
    )
}

# --- census -> NHS mappings -------------------------------------------------------------

#: Census ethnic group (19) -> NHS ethnic category (2001 based, rehabdash.codes.ethnicity).
#: Not one-to-one: Gypsy or Irish Traveller, Roma and Other White all -> C; Arab and any
#: other -> S. Chinese -> R, which the NHS broad grouping puts under "Other" while the
#: census puts it under "Asian", so NHS broad groups differ from the census's 5 groups.
ETHNIC_GROUP_TO_NHS: dict[str, str] = {
    "asian_bangladeshi": "K",
    "asian_chinese": "R",
    "asian_indian": "H",
    "asian_pakistani": "J",
    "asian_other": "L",
    "black_african": "N",
    "black_caribbean": "M",
    "black_other": "P",
    "mixed_white_asian": "F",
    "mixed_white_black_african": "E",
    "mixed_white_black_caribbean": "D",
    "mixed_other": "G",
    "white_english_welsh_scottish_ni_british": "A",
    "white_irish": "B",
    "white_gypsy_irish_traveller": "C",
    "white_roma": "C",
    "white_other": "C",
    "other_arab": "S",
    "other_any_other": "S",
}

#: Census religion -> the census reporting groups of rehabdash.codes.religion.CENSUS_GROUPS.
#: One-to-one; "Not answered" is the activity's "Not stated" (M), and the NHS "Not known"
#: (N, not recorded) has no census counterpart.
RELIGION_TO_NHS_GROUP: dict[str, str] = {
    "no_religion": "No religion",
    "christian": "Christian",
    "buddhist": "Buddhist",
    "hindu": "Hindu",
    "jewish": "Jewish",
    "muslim": "Muslim",
    "sikh": "Sikh",
    "other_religion": "Other religion",
    "not_answered": "Not stated",
}

#: Census disability -> disabled under the Equality Act (the census's own definition:
#: day-to-day activities limited by a long-term condition). Compare with activity records
#: where codes.disability.any_disability is True (01-10, XX) or False (NN); the NHS codes
#: record impairment types, so this is a comparison of two definitions, not an identity.
DISABILITY_TO_EQUALITY_ACT: dict[str, bool] = {
    "disabled_limited_a_lot": True,
    "disabled_limited_a_little": True,
    "not_disabled_condition_not_limiting": False,
    "not_disabled_no_condition": False,
}

#: Census sex -> NHS person stated gender (codes.sex_gender.SEX). The census asked sex
#: (female/male only); NHS 9 (indeterminate) and X (not known) have no census counterpart.
SEX_TO_NHS: dict[str, str] = {"female": "2", "male": "1"}

#: Census legal partnership status -> NHS marital status (codes.marital). Many-to-one:
#: marriage and civil partnership, opposite and same sex, all -> M, and so on within each
#: census group. N (not disclosed) and X (not known) have no census counterpart (the
#: census imputes non-response).
PARTNERSHIP_TO_NHS_MARITAL: dict[str, str] = {
    "never_married": "S",
    "married_opposite_sex": "M",
    "married_same_sex": "M",
    "civil_partner_opposite_sex": "M",
    "civil_partner_same_sex": "M",
    "separated_married": "P",
    "separated_civil_partner": "P",
    "divorced": "D",
    "civil_partnership_dissolved": "D",
    "widowed": "W",
    "surviving_civil_partner": "W",
}

#: Census sexual orientation -> NHS sexual orientation code (codes.sexual_orientation).
#: One-to-one; "Not answered" is Z (asked, declined); U (unsure) and 9 (not recorded) have
#: no census counterpart. The census "All other sexual orientations" is NHS 4.
SEXUAL_ORIENTATION_TO_NHS: dict[str, str] = {
    "straight_heterosexual": "1",
    "gay_lesbian": "2",
    "bisexual": "3",
    "other_orientation": "4",
    "not_answered": "Z",
}

#: Topic -> census category -> NHS code or group (disability as "yes"/"no"; age has none
#: here: its bands are the census's own, 85+ covering the ONS 85-89 and 90+).
CENSUS_TO_NHS: dict[str, dict[str, str]] = {
    "ethnic_group": ETHNIC_GROUP_TO_NHS,
    "religion": RELIGION_TO_NHS_GROUP,
    "disability": {k: "yes" if v else "no" for k, v in DISABILITY_TO_EQUALITY_ACT.items()},
    "sex": SEX_TO_NHS,
    "partnership_status": PARTNERSHIP_TO_NHS_MARITAL,
    "sexual_orientation": SEXUAL_ORIENTATION_TO_NHS,
}


# --- loaders ----------------------------------------------------------------------------


def _info(topic: str, geography: str) -> CensusTable:
    info = CENSUS_TABLES.get((topic, geography))
    if info is None:
        have = ", ".join(f"{t}/{g}" for t, g in CENSUS_TABLES)
        raise ValueError(f"no shipped census table for {topic} at {geography} (have: {have})")
    return info


def _scan_table(topic: Topic, geography: Geography) -> pl.LazyFrame:
    """:func:`census_table` as a query, so a filter on the areas is read from the file."""
    info = _info(topic, geography)
    cats = info.categories
    group_keys = list(dict.fromkeys(c.group for c in cats))
    return pl.scan_parquet(refdata.resource_path(info.resource)).select(
        pl.col("area_code").cast(pl.String),
        pl.col("category").cast(pl.Enum([c.key for c in cats])),
        pl.col("group").cast(pl.Enum(group_keys)),
        pl.col("label").cast(pl.Enum([c.label for c in cats])),
        pl.col("count").cast(pl.Int32),
        pl.col("total").cast(pl.Int32),
    )


def census_table(topic: Topic, geography: Geography = "lsoa") -> pl.DataFrame:
    """The long table: area_code, category, group, label, count, total (one row per area and
    category, in census order; category, group and label are Enums in that order)."""
    return _scan_table(topic, geography).collect(engine="in-memory")


def census_groups(topic: Topic, geography: Geography = "lsoa") -> pl.DataFrame:
    """The census's own grouping (5 broad ethnic groups, disabled or not, 5 partnership
    groups): area_code, group, label, count, total."""
    table = census_table(topic, geography)
    labels = CENSUS_GROUP_LABELS[topic]
    grouped = (
        table.group_by("area_code", "group", maintain_order=True)
        .agg(pl.col("count").sum(), pl.col("total").first())
        .sort("area_code", "group")
    )
    return grouped.select(
        "area_code",
        "group",
        pl.col("group").cast(pl.String).replace_strict(labels).alias("label"),
        pl.col("count").cast(pl.Int32),
        "total",
    )


def nhs_denominators(
    topic: Topic, geography: Geography = "lsoa", areas: frozenset[str] | None = None
) -> pl.DataFrame:
    """Census counts summed to the NHS code or group they map to (CENSUS_TO_NHS):
    area_code, nhs, count, total. For NHS broad ethnic groups apply
    codes.ethnicity.BROAD_GROUPS to ``nhs`` (Chinese then counts as "Other")."""
    if topic not in CENSUS_TO_NHS:
        raise ValueError(f"no NHS mapping for census {topic}")
    mapping = CENSUS_TO_NHS[topic]
    table = _scan_table(topic, geography)
    if areas is not None:  # a few areas: only their rows are read (an ICB is ~4% of England)
        table = table.filter(pl.col("area_code").is_in(sorted(areas)))
    return (
        table.with_columns(pl.col("category").cast(pl.String).replace_strict(mapping).alias("nhs"))
        .group_by("area_code", "nhs", maintain_order=True)
        .agg(pl.col("count").sum(), pl.col("total").first())
        .with_columns(pl.col("count").cast(pl.Int32))
        .sort("area_code", "nhs")
        .collect(engine="in-memory")
    )


# --- group shares by LSOA 2021 or 2011 --------------------------------------------------


@lru_cache(maxsize=32)  # 6 topics x 2 vintages, and those of the few area sets in use
def _shares(topic: Topic, vintage: int, areas: frozenset[str] | None = None) -> pl.DataFrame:
    if topic not in CENSUS_TO_NHS:
        raise ValueError(f"no NHS mapping for census {topic}")
    if vintage not in (2011, 2021):
        raise ValueError(f"LSOA vintage must be 2011 or 2021, not {vintage!r}")
    wanted = areas
    if areas is not None and vintage == 2011:  # the 2021 LSOAs the 2011 ones map to
        pairs11 = geography.lsoa11_to_lsoa21()
        wanted = frozenset(pairs11.filter(pl.col("lsoa11").is_in(sorted(areas)))["lsoa21"])
    if topic == "sexual_orientation":  # published by MSOA only: each LSOA takes its MSOA's
        by_msoa = nhs_denominators("sexual_orientation", "msoa")
        lookup = geography.lsoa_to_msoa()
        if wanted is not None:
            lookup = lookup.filter(pl.col("lsoa21").is_in(sorted(wanted)))
        base = lookup.join(by_msoa, left_on="msoa21", right_on="area_code", how="left")
        base = base.select(pl.col("lsoa21").alias("area_code"), "nhs", "count", "total")
    else:
        base = nhs_denominators(topic, "lsoa", wanted)
    base = base.with_columns(pl.col("count", "total").cast(pl.Float64))
    if vintage == 2011:
        # Each 2021 LSOA's counts divided evenly among the 2011 LSOAs it comes from (a
        # merge), then summed per 2011 LSOA (a split sums its parts).
        pairs = geography.lsoa11_to_lsoa21().select(
            "lsoa11", "lsoa21", (1.0 / pl.len().over("lsoa21")).alias("weight")
        )
        if areas is not None:
            pairs = pairs.filter(pl.col("lsoa11").is_in(sorted(areas)))
        base = (
            pairs.join(base, left_on="lsoa21", right_on="area_code", how="left")
            .group_by("lsoa11", "nhs")
            .agg(
                (pl.col("count") * pl.col("weight")).sum(),
                (pl.col("total") * pl.col("weight")).sum(),
            )
            .rename({"lsoa11": "area_code"})
        )
    shares = base.with_columns((pl.col("count") / pl.col("total")).alias("share")).sort(
        "area_code", "nhs"
    )
    ok = shares.select(pl.col("total").min() > 0, pl.col("share").is_null().sum() == 0)
    if not all(ok.row(0)):
        raise AssertionError(f"census_shares({topic!r}, {vintage}): an area without a total")
    return shares


def census_shares(
    topic: Topic, vintage: Literal[2011, 2021] = 2021, areas: Collection[str] | None = None
) -> pl.DataFrame:
    """Each NHS code or group's share of every England LSOA of ``vintage``: area_code, nhs
    (as nhs_denominators gives it), count, total, share = count / total (all Float64), one
    row per area and NHS value (zeros included), sorted by area_code then nhs; the shares
    of an area sum to 1. Topics: those in CENSUS_TO_NHS.

    Vintage 2021: the census table's own counts and total by LSOA 2021 (33,755 areas).
    Sexual orientation is published by MSOA only: each LSOA 2021 takes its MSOA's counts
    and total (geography.lsoa_to_msoa), so its share is the MSOA's, and count and total
    are the MSOA's people, not the LSOA's: never sum them over LSOAs (multiply an area's
    share by its own aged 16+ population instead).

    Vintage 2011 (32,844 areas, through geography.lsoa11_to_lsoa21): each 2021 LSOA's
    count and total are divided evenly among the 2011 LSOAs it comes from (merges and
    irregular changes), then summed per 2011 LSOA (a split 2011 LSOA sums its 2021
    parts). An unchanged LSOA keeps its 2021 figures exactly; England totals are kept.
    For sexual orientation the share is then the MSOA's, or for 38 LSOAs (35 split, 3
    irregular) whose 2021 parts lie in two or more MSOAs a mix of those MSOAs' shares
    weighted by the MSOAs' aged 16+ totals.

    Cached: the first call per topic and vintage reads the tables, later ones return a
    copy of the cached frame. With ``areas`` (LSOA codes of ``vintage``), only those
    areas, computed from their rows alone (an ICB's in a few milliseconds) and cached
    too: every plan of the same areas (each filter of a store) asks for the same ones.
    """
    return _shares(topic, vintage, None if areas is None else frozenset(areas)).clone()


# --- population by sex ------------------------------------------------------------------

#: Seed of the sex split: the male share of each ONS 5-year band (0-4 … 85-89, 90+), an
#: assumption close to England's mid-2020 estimates (the demo ICB uses the same shares,
#: rehabdash.demo.truth.MALE_SHARE). Census 2021 TS009 (sex by age) would be a better seed
#: but is not shipped. Only its shape by age matters: IPF rescales it to each LSOA's margins.
SEX_SPLIT_SEED_MALE_SHARE: tuple[float, ...] = (
    0.512,
    0.512,
    0.513,
    0.514,
    0.510,
    0.500,
    0.497,
    0.495,
    0.495,
    0.493,
    0.494,
    0.494,
    0.489,
    0.483,
    0.474,
    0.458,
    0.431,
    0.389,
    0.300,
)
_IPF_TOLERANCE = 1e-6  # people: fitted male total vs the census margin (5 cycles reach 1e-8)
_IPF_MAX_ITERATIONS = 100


def _seed_odds(mid_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Seed male odds for the 19 ONS bands and for the 18 census bands (85+ as the
    England-population-weighted share of 85-89 and 90+)."""
    share19 = np.array(SEX_SPLIT_SEED_MALE_SHARE)
    england = (
        refdata.population_persons(mid_year)
        .group_by("age_band")
        .agg(pl.col("count").sum())
        .filter(pl.col("age_band").is_in(refdata.AGE_BANDS[-2:]))
    )
    weights = dict(england.iter_rows())
    w = np.array([weights[b] for b in refdata.AGE_BANDS[-2:]], dtype=float)
    share18 = np.append(share19[:-2], (share19[-2:] * w).sum() / w.sum())
    return share19 / (1 - share19), share18 / (1 - share18)


def _ipf_factor(ages: np.ndarray, males: np.ndarray, odds: np.ndarray) -> np.ndarray:
    """Per area, the factor k with sum_a ages[a] * p_a = males, p_a = odds_a*k/(odds_a*k + 1).

    This is iterative proportional fitting of the age x sex table seeded with ``odds`` to
    the area's age margin (rows) and sex margin (columns): a two-column table keeps the
    seed's odds ratios, so the fit is the seed's male odds times one factor per area. Each
    loop is one IPF cycle (column step, then row step) written on that factor.
    """
    totals = ages.sum(axis=1)
    females = totals - males
    k = np.ones(ages.shape[0])
    for _ in range(_IPF_MAX_ITERATIONS):
        p = odds * k[:, None] / (odds * k[:, None] + 1)
        fitted_m = (ages * p).sum(axis=1)
        fitted_f = totals - fitted_m
        if np.max(np.abs(fitted_m - males)) < _IPF_TOLERANCE:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            step = (males / fitted_m) / (females / fitted_f)
        k = k * np.where(np.isfinite(step), step, 1.0)
    # An all-male or all-female area: the limit, not a number the loop reaches.
    k = np.where(males <= 0, 0.0, np.where(females <= 0, np.inf, k))
    return k


def _census_margins() -> pl.DataFrame:
    """Per LSOA 2021: TS007A's 18 bands (wide, by key) and TS008's male count scaled to
    TS007A's total."""
    age = census_table("age").pivot(
        on="category", index=["area_code", "total"], values="count", sort_columns=False
    )
    sex = census_table("sex").pivot(
        on="category", index=["area_code", "total"], values="count", sort_columns=False
    )
    # Separately perturbed tables: IPF needs margins with equal totals, so TS008's male
    # share is applied to TS007A's total.
    return age.join(sex.rename({"total": "sex_total"}), on="area_code").with_columns(
        (pl.col("male") * pl.col("total") / pl.col("sex_total")).alias("male_scaled")
    )


def _male_share(odds: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Male share by band (areas x bands) for seed odds and per-area factors."""
    with np.errstate(invalid="ignore"):
        share = odds * k[:, None] / (odds * k[:, None] + 1)
    return np.where(np.isinf(k)[:, None], 1.0, share)


def _sex_fit(mid_year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(male share by LSOA 2021 and ONS band, long; England-wide male share by band)."""
    odds19, odds18 = _seed_odds(mid_year)
    margins = _census_margins()
    ages = margins.select(_AGE_KEYS).to_numpy().astype(float)
    males = margins["male_scaled"].to_numpy().astype(float)
    bands = list(refdata.AGE_BANDS)
    k = _ipf_factor(ages, males, odds18)
    england_k = _ipf_factor(ages.sum(axis=0, keepdims=True), males.sum(keepdims=True), odds18)
    lsoa = (
        pl.DataFrame(_male_share(odds19, k), schema=bands, orient="row")
        .with_columns(area_code=margins["area_code"])
        .unpivot(index="area_code", on=bands, variable_name="age_band", value_name="male_share")
    )
    england = pl.DataFrame({"age_band": bands, "male_share": _male_share(odds19, england_k)[0]})
    return lsoa, england


def england_male_shares(mid_year: int = 2020) -> pl.DataFrame:
    """England-wide male share by ONS band (age_band, male_share): the seed fitted by IPF to
    England's TS007A age and TS008 sex totals; the fallback of population_by_sex."""
    return _sex_fit(mid_year)[1]


def population_by_sex(mid_year: int = 2020) -> pl.DataFrame:
    """The shipped ONS LSOA 2011 persons estimates split by sex: area_code, sex ("1" male,
    "2" female), age_band, count, method.

    Each LSOA's male share by band comes from IPF of an England age x sex seed
    (SEX_SPLIT_SEED_MALE_SHARE) to that LSOA's Census 2021 TS007A age and TS008 sex
    margins; the census 85+ band is fitted as one and the seed's 85-89/90+ contrast kept.
    The census is on 2021 LSOAs: the 31,810 LSOA 2011 codes that exist unchanged in 2021
    use their own margins (method "census_ipf"); the 1,034 that were split, merged or
    redrawn fall back to England-wide shares (england_male_shares; method
    "england_shares"). male = round(persons x share) and female = persons - male, so every
    LSOA and band keeps its persons count exactly.
    """
    lsoa, england = _sex_fit(mid_year)
    # population_persons is band-major; stable sorts give area-major order with the bands
    # (and, below, sex 1 before 2) kept in order, far cheaper than a three-key sort.
    persons = (
        refdata.population_persons(mid_year)
        .rename({"lsoa": "area_code"})
        .sort("area_code", maintain_order=True)
    )
    split = (
        persons.join(lsoa, on=["area_code", "age_band"], how="left", maintain_order="left")
        .join(
            england.rename({"male_share": "england_share"}),
            on="age_band",
            how="left",
            maintain_order="left",
        )
        .select(
            "area_code",
            "age_band",
            pl.col("count").alias("persons"),
            (pl.col("count") * pl.coalesce("male_share", "england_share"))
            .round()
            .cast(pl.Int32)
            .alias("male"),
            pl.when(pl.col("male_share").is_null())
            .then(pl.lit("england_shares"))
            .otherwise(pl.lit("census_ipf"))
            .alias("method"),
        )
    )
    male = split.select("area_code", pl.lit("1").alias("sex"), "age_band", "male", "method")
    female = split.select(
        "area_code",
        pl.lit("2").alias("sex"),
        "age_band",
        (pl.col("persons") - pl.col("male")).alias("male"),
        "method",
    )
    return (
        pl.concat([male, female])
        .sort("area_code", maintain_order=True)
        .select("area_code", "sex", "age_band", pl.col("male").alias("count"), "method")
    )
