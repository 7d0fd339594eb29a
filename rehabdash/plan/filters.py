"""The one filter every part of the data plan takes (issue 10, DESIGN 6).

A :class:`PlanFilter` is frozen and hashable: with the store's batch fingerprint it is
the cache key of a computed plan. It is parsed once, from what a lead types or a BI
script passes, and anything it cannot read is refused with one line naming the option,
the value and the reason (``period '2024-25 Q5': quarter must be Q1 to Q4``).

* period: a financial year, quarter, month or range of days (``queries.periods``);
* providers, services: exact codes / names (none = all);
* team types: the rehab set by default (``rehabdash.codes.team_type``), ``all``, or codes;
* age: ``18-64``, ``65+``, ``-17`` or one age (whole years at referral);
* area: ``icb:QWO``, ``sicb:…``, ``lad:…``, ``pcn:…``, ``lsoa:…``, ``msoa:…``,
  ``neighbourhood:…`` (a code or name of the imported lookup; ``locality:…`` and
  ``hub:…`` are the same kind), or a bare
  code whose shape says its kind (E54… an ICB, E38… a sub-ICB, E06–E09… a local
  authority, U + 5 digits a PCN, E01… an LSOA, E02… an MSOA, Q + 2 characters an ICB's
  ODS code); none = the areas of the live imported population;
* IMD edition: 2019 or 2025 (none = the edition matching the activity's LSOA vintage).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rehabdash.codes.age import MAX_AGE
from rehabdash.codes.team_type import REHAB_CODES
from rehabdash.queries.periods import Period, PeriodError, parse_period

__all__ = ["AREA_KINDS", "Area", "FilterError", "PlanFilter", "parse_filter"]

#: Area kinds a plan can be scoped to, with what each is called in messages.
AREA_KINDS = {
    "icb": "integrated care board",
    "sicb": "sub-ICB location",
    "lad": "local authority",
    "pcn": "primary care network",
    "lsoa": "LSOA",
    "msoa": "MSOA",
    "neighbourhood": "neighbourhood",
}
#: The ICB's own lookup of any type is one kind of area (its code or name finds it).
_KIND_ALIASES = {"locality": "neighbourhood", "hub": "neighbourhood",
                 "hub catchment": "neighbourhood"}  # fmt: skip
_AREA_SHAPES = (
    ("icb", r"^E54[0-9]{6}$"),
    ("icb", r"^Q[A-Z0-9]{2}$"),
    ("sicb", r"^E38[0-9]{6}$"),
    ("lad", r"^E0[6-9][0-9]{6}$"),
    ("pcn", r"^U[0-9]{5}$"),
    ("lsoa", r"^E01[0-9]{6}$"),
    ("msoa", r"^E02[0-9]{6}$"),
)
IMD_EDITIONS = (2019, 2025)


class FilterError(ValueError):
    """A filter value that cannot be read; the message is one plain line."""


@dataclass(frozen=True)
class Area:
    kind: str  # a key of AREA_KINDS
    code: str

    @property
    def label(self) -> str:
        return f"{AREA_KINDS[self.kind]} {self.code}"


@dataclass(frozen=True)
class PlanFilter:
    """What a plan covers. Tuples, not lists, so that it hashes (a cache key)."""

    period: Period
    providers: tuple[str, ...] = ()  # empty: every provider
    team_types: tuple[str, ...] = tuple(sorted(REHAB_CODES))  # empty: every team type
    services: tuple[str, ...] = ()  # empty: every service
    age: tuple[int, int] = (0, MAX_AGE)  # inclusive, whole years at referral
    area: Area | None = None  # None: the areas of the live imported population
    imd_edition: int | None = None  # None: the edition of the activity's LSOA vintage

    @property
    def rehab_only(self) -> bool:
        return set(self.team_types) == REHAB_CODES

    def describe(self) -> str:
        """One line for a cover sheet or a chart's caption."""
        parts = [self.period.label]
        if self.area is not None:
            parts.append(self.area.label)
        if self.providers:
            noun = "provider" if len(self.providers) == 1 else "providers"
            parts.append(f"{noun} " + ", ".join(self.providers))
        if not self.team_types:
            parts.append("all team types")
        elif self.rehab_only:
            parts.append("rehab team types")
        else:
            parts.append("team types " + ", ".join(self.team_types))
        if self.services:
            parts.append("services " + ", ".join(self.services))
        if self.age != (0, MAX_AGE):
            low, high = self.age
            parts.append(f"ages {low}+" if high == MAX_AGE else f"ages {low}-{high}")
        if self.imd_edition is not None:
            parts.append(f"IMD {self.imd_edition}")
        return "; ".join(parts)


def _items(values: str | Iterable[str] | None) -> list[str]:
    """``"A, B"`` or ``["A", "B,C"]`` as ["A", "B", "C"], blanks dropped."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _providers(values: str | Iterable[str] | None) -> tuple[str, ...]:
    out = []
    for value in _items(values):
        code = value.upper().replace(" ", "")
        if not re.fullmatch(r"[A-Z0-9]{3,6}", code):
            raise FilterError(f"provider {value!r}: not an ODS code (3 to 6 letters or digits)")
        out.append(code)
    return tuple(sorted(set(out)))


def _team_types(values: str | Iterable[str] | None) -> tuple[str, ...]:
    items = _items(values)
    if not items or [i.lower() for i in items] == ["rehab"]:
        return tuple(sorted(REHAB_CODES))
    if [i.lower() for i in items] == ["all"]:
        return ()
    out: set[str] = set()
    for value in items:
        if value.lower() == "rehab":
            out |= REHAB_CODES
            continue
        code = value.zfill(2) if value.isdigit() else value
        if not re.fullmatch(r"[0-9]{2}", code) or code == "00":
            raise FilterError(
                f"team type {value!r}: give CSDS team type codes such as 20 or 26, "
                "'rehab' (the default) or 'all'"
            )
        out.add(code)
    return tuple(sorted(out))


def _age(text: str | None) -> tuple[int, int]:
    if text is None or not str(text).strip():
        return (0, MAX_AGE)
    value = str(text).replace(" ", "")
    match = re.fullmatch(r"(\d+)?(?:(-|\+)(\d+)?)?", value)
    if match is None or (match[1] is None and match[3] is None):
        raise FilterError(f"age {text!r}: use a range such as 18-64, 65+ or -17")
    low = int(match[1]) if match[1] else 0
    if match[2] == "+":
        if match[3] is not None:
            raise FilterError(f"age {text!r}: use 65+ (no upper age after '+')")
        high = MAX_AGE
    elif match[2] == "-":
        high = int(match[3]) if match[3] else MAX_AGE
    else:
        high = low
    if high > MAX_AGE or low > high:
        raise FilterError(f"age {text!r}: ages run from 0 to {MAX_AGE}, the lower first")
    return (low, high)


def _area(text: str | None) -> Area | None:
    if text is None or not str(text).strip():
        return None
    value = str(text).strip()
    kind, sep, code = value.partition(":")
    if sep:
        kind, code = kind.strip().lower(), code.strip().upper()
        kind = _KIND_ALIASES.get(" ".join(kind.replace("_", " ").split()), kind)
        if kind not in AREA_KINDS:
            kinds = ", ".join(AREA_KINDS)
            raise FilterError(f"area {text!r}: unknown kind {kind!r} (use one of {kinds})")
        if not code:
            raise FilterError(f"area {text!r}: no code after '{kind}:'")
        return Area(kind, code)
    code = value.upper()
    for kind, pattern in _AREA_SHAPES:
        if re.fullmatch(pattern, code):
            return Area(kind, code)
    raise FilterError(
        f"area {text!r}: not an area code; write its kind first, such as icb:QWO or lad:E08000035"
    )


def _edition(value: int | str | None) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        edition = int(str(value).strip())
    except ValueError:
        edition = -1
    if edition not in IMD_EDITIONS:
        raise FilterError(f"IMD edition {value!r}: use 2019 or 2025")
    return edition


def parse_filter(
    *,
    period: str,
    providers: str | Iterable[str] | None = None,
    team_types: str | Iterable[str] | None = None,
    services: str | Iterable[str] | None = None,
    age: str | None = None,
    area: str | None = None,
    imd_edition: int | str | None = None,
) -> PlanFilter:
    """The filter these options describe; FilterError (one line) for a bad value."""
    try:
        parsed_period = parse_period(period)
    except PeriodError as exc:
        raise FilterError(str(exc)) from None
    return PlanFilter(
        period=parsed_period,
        providers=_providers(providers),
        team_types=_team_types(team_types),
        services=tuple(sorted(set(_items(services)))),
        age=_age(age),
        area=_area(area),
        imd_edition=_edition(imd_edition),
    )
