"""Every breakdown the data plan reports, defined once (issue 10, DESIGN 5 and 6).

A :class:`Characteristic` says which referral column it reads, how a stored value
becomes a reporting level (a code, a broad group, a quintile), the levels in their
reporting order with labels, whether the levels are ordered (deprivation: SII/RII) or
not (HEAT's unordered measures), and which census topic gives its denominator.

Every stored value falls in exactly one *kind*: ``valid``, ``not stated`` (asked,
declined), ``not known`` (not asked or not recorded), ``blank`` (no value) or
``invalid`` (a value that was not a code, stored as ``INVALID``). The plan reports
each unknown kind as a row of its own (:meth:`Characteristic.level`) and never mixes
them: they mean different things for data quality (DESIGN 5).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from rehabdash.codes import disability, ethnicity, marital, pregnancy, religion, sex_gender
from rehabdash.codes import sexual_orientation as orientation
from rehabdash.codes._normalise import INVALID, CodeList
from rehabdash.codes.age import AGE_BANDS

__all__ = [
    "BLANK",
    "CHARACTERISTICS",
    "DEFAULT_PAIRS",
    "INVALID_KIND",
    "KINDS",
    "NOT_KNOWN",
    "NOT_STATED",
    "VALID",
    "Characteristic",
    "characteristic",
]

VALID, NOT_STATED, NOT_KNOWN, BLANK, INVALID_KIND = (
    "valid",
    "not stated",
    "not known",
    "blank",
    "invalid",
)
#: The kinds in the order data-quality tables show them.
KINDS = (VALID, NOT_STATED, NOT_KNOWN, BLANK, INVALID_KIND)
#: The level a row of each unknown kind is reported under.
UNKNOWN_LEVELS = {
    NOT_STATED: "Not stated",
    NOT_KNOWN: "Not known",
    BLANK: "Blank",
    INVALID_KIND: "Invalid",
}


@dataclass(frozen=True)
class Characteristic:
    """One breakdown: ``column`` of the referral frame read through ``to_level``."""

    key: str
    title: str
    column: str
    levels: tuple[str, ...]  # valid reporting levels, in reporting order
    labels: Mapping[str, str]  # level -> label
    not_stated: frozenset[str] = frozenset()  # stored values that mean "not stated"
    not_known: frozenset[str] = frozenset()  # stored values that mean "not known"
    ordered: bool = False  # levels run from most to least deprived (SII, RII)
    census: str | None = None  # census topic of its denominator, if any
    #: Stored value -> reporting level (identity when None).
    to_level: Callable[[pl.Expr], pl.Expr] | None = field(default=None, compare=False)
    #: Stored value -> the code its kind is read from (religion: the letter of "C22").
    kind_code: Callable[[pl.Expr], pl.Expr] | None = field(default=None, compare=False)

    def kind(self, expr: pl.Expr) -> pl.Expr:
        """Which kind each stored value is (see the module docstring)."""
        text = expr.cast(pl.Utf8)
        code = self.kind_code(text) if self.kind_code is not None else text
        return (
            pl.when(expr.is_null())
            .then(pl.lit(BLANK))
            .when(text == INVALID)
            .then(pl.lit(INVALID_KIND))
            .when(code.is_in(sorted(self.not_stated)))
            .then(pl.lit(NOT_STATED))
            .when(code.is_in(sorted(self.not_known)))
            .then(pl.lit(NOT_KNOWN))
            .otherwise(pl.lit(VALID))
        )

    def level(self, expr: pl.Expr) -> pl.Expr:
        """The reporting level of each stored value; an unknown kind is a level of its own
        ("Not stated", "Not known", "Blank", "Invalid")."""
        value = self.to_level(expr) if self.to_level is not None else expr.cast(pl.Utf8)
        kind = self.kind(expr)
        return pl.when(kind == VALID).then(value).otherwise(kind.replace(UNKNOWN_LEVELS))

    def label(self, level: str) -> str:
        """A level as a table shows it: "Pakistani (J)"; unknown kinds as themselves."""
        if level in UNKNOWN_LEVELS.values():
            return level
        name = self.labels.get(level, level)
        return name if name == level else f"{name} ({level})"

    @property
    def all_levels(self) -> tuple[str, ...]:
        """Valid levels, then the unknown kinds, in the order tables list them."""
        return (*self.levels, *UNKNOWN_LEVELS.values())


def _coded(
    key: str,
    title: str,
    codes: CodeList,
    *,
    census: str | None = None,
    column: str | None = None,
) -> Characteristic:
    """A characteristic reported by its own codes (the unknown ones kept apart)."""
    unknown = codes.not_stated | codes.not_known
    levels = tuple(c for c in codes.codes if c not in unknown)
    return Characteristic(
        key=key,
        title=title,
        column=column or codes.name,
        levels=levels,
        labels={c: codes.codes[c] for c in levels},
        not_stated=codes.not_stated,
        not_known=codes.not_known,
        census=census,
    )


def _grouped(
    base: Characteristic, key: str, title: str, groups: Mapping[str, str], census: str | None
) -> Characteristic:
    """``base`` reported in groups (every valid code belongs to one)."""
    order = tuple(dict.fromkeys(groups[c] for c in base.levels))

    def to_group(expr: pl.Expr) -> pl.Expr:
        return expr.cast(pl.Utf8).replace_strict(dict(groups), default=None, return_dtype=pl.Utf8)

    return Characteristic(
        key=key,
        title=title,
        column=base.column,
        levels=order,
        labels={g: g for g in order},
        not_stated=base.not_stated,
        not_known=base.not_known,
        census=census,
        to_level=to_group,
    )


def _religion_group(expr: pl.Expr) -> pl.Expr:
    return religion.census_group(expr.cast(pl.Utf8))


def _disabled(expr: pl.Expr) -> pl.Expr:
    flag = disability.any_disability(expr.cast(pl.Utf8))
    return pl.when(flag).then(pl.lit("Disabled")).otherwise(pl.lit("Not disabled"))


def _decile(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Int64).cast(pl.Utf8)


def _quintile(expr: pl.Expr) -> pl.Expr:
    return ((expr.cast(pl.Int64) + 1) // 2).cast(pl.Utf8)


def _letter(expr: pl.Expr) -> pl.Expr:
    return expr.str.slice(0, 1)


_ETHNICITY = _coded(
    "ethnicity",
    "Ethnicity (NHS ethnic category)",
    ethnicity.ETHNICITY,
    census="ethnic_group",
    column="ethnic_category",
)
_RELIGION_UNKNOWN = religion.RELIGION.not_stated | religion.RELIGION.not_known
_RELIGION_LEVELS = tuple(
    dict.fromkeys(g for c, g in religion.CENSUS_GROUPS.items() if c not in _RELIGION_UNKNOWN)
)

CHARACTERISTICS: dict[str, Characteristic] = {
    c.key: c
    for c in (
        Characteristic(
            key="age_band",
            title="Age band (years at referral)",
            column="age_band",
            levels=AGE_BANDS,
            labels={b: b for b in AGE_BANDS},
            census="age",
        ),
        _coded("sex", "Sex (person stated gender)", sex_gender.SEX, census="sex"),
        _coded("gender_identity", "Gender identity", sex_gender.GENDER_IDENTITY),
        _ETHNICITY,
        _grouped(
            _ETHNICITY,
            "ethnic_group",
            "Ethnic group (5 broad groups, NHS grouping)",
            {c: g for c, g in ethnicity.BROAD_GROUPS.items() if c in _ETHNICITY.levels},
            census="ethnic_group",
        ),
        Characteristic(
            key="imd_decile",
            title="Deprivation (IMD decile, 1 = most deprived 10% of England)",
            column="imd_decile",
            levels=tuple(str(d) for d in range(1, 11)),
            labels={str(d): f"Decile {d}" for d in range(1, 11)},
            ordered=True,
            to_level=_decile,
        ),
        Characteristic(
            key="imd_quintile",
            title="Deprivation (IMD quintile, 1 = most deprived fifth: Core20)",
            column="imd_decile",
            levels=tuple(str(q) for q in range(1, 6)),
            labels={str(q): f"Quintile {q}" for q in range(1, 6)},
            ordered=True,
            to_level=_quintile,
        ),
        Characteristic(
            key="disability",
            title="Disability (any disability recorded)",
            column="disability",
            levels=("Disabled", "Not disabled"),
            labels={"Disabled": "Disabled", "Not disabled": "Not disabled"},
            not_stated=frozenset({"ZZ"}),
            census="disability",
            to_level=_disabled,
        ),
        Characteristic(
            key="religion",
            title="Religion or belief (census groups)",
            column="religion",
            levels=_RELIGION_LEVELS,
            labels={g: g for g in _RELIGION_LEVELS},
            not_stated=religion.RELIGION.not_stated,
            not_known=religion.RELIGION.not_known,
            census="religion",
            to_level=_religion_group,
            kind_code=_letter,  # sub-codes ("M1") share their letter's kind
        ),
        _coded(
            "sexual_orientation",
            "Sexual orientation",
            orientation.SEXUAL_ORIENTATION,
            census="sexual_orientation",
        ),
        _coded(
            "marital_status",
            "Marital or civil partnership status",
            marital.MARITAL_STATUS,
            census="partnership_status",
        ),
        _coded("pregnancy", "Pregnancy", pregnancy.PREGNANCY),
    )
}

#: Intersections the plan shows unless asked for others (issue 10).
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = (
    ("ethnic_group", "imd_quintile"),
    ("age_band", "sex"),
    ("disability", "imd_quintile"),
)


def characteristic(key: str) -> Characteristic:
    """The characteristic ``key``; ValueError naming the known ones otherwise."""
    try:
        return CHARACTERISTICS[key]
    except KeyError:
        known = ", ".join(CHARACTERISTICS)
        raise ValueError(f"unknown breakdown {key!r} (use one of {known})") from None
