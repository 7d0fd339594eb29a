"""The dashboard filter as the filter bar holds it, Qt-free (issue 11 items 1 and 7).

Each choice is text, as ``rehabdash plan`` takes it ("" is the default: the latest
financial year, every provider, the rehab team types, every service, all ages, the
whole population), so it is kept in settings as text and read back through the one
parser, :func:`rehabdash.plan.parse_filter`. A kept choice the store no longer offers
(a provider since withdrawn, a year no longer imported) falls back to its default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rehabdash.plan.filters import PlanFilter
    from rehabdash.queries.filter_options import FilterOptions

__all__ = ["AGE_CHOICES", "TEAM_CHOICES", "FilterChoice"]

#: (value, label) of the age ranges offered; "" is everyone.
AGE_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "All ages"),
    ("-17", "0 to 17"),
    ("18+", "18 and over"),
    ("18-64", "18 to 64"),
    ("65+", "65 and over"),
    ("75+", "75 and over"),
)
#: (value, label) of the team type sets offered; "" is the rehab set (the default).
TEAM_CHOICES: tuple[tuple[str, str], ...] = (("", "Rehab team types"), ("all", "All team types"))


@dataclass(frozen=True)
class FilterChoice:
    period: str = ""
    provider: str = ""
    team_types: str = ""
    service: str = ""
    age: str = ""
    area: str = ""

    def to_filter(self, options: FilterOptions | None = None) -> PlanFilter:
        """The plan filter; an empty period is the newest year ``options`` offers."""
        from rehabdash.plan import parse_filter

        period = self.period or (options.periods[0] if options and options.periods else "")
        return parse_filter(
            period=period,
            providers=self.provider or None,
            team_types=self.team_types or None,
            services=self.service or None,
            age=self.age or None,
            area=self.area or None,
        )

    def offered(self, options: FilterOptions) -> FilterChoice:
        """This choice with every value the store does not offer set back to its default."""
        offered = {
            "period": set(options.periods),
            "provider": set(options.providers),
            "team_types": {v for v, _ in TEAM_CHOICES},
            "service": set(options.services),
            "age": {v for v, _ in AGE_CHOICES},
            "area": {v for v, _ in options.areas},
        }
        kept = {k: v for k, v in asdict(self).items() if v == "" or v in offered[k]}
        return replace(FilterChoice(), **kept)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> FilterChoice:
        names = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in values.items() if k in names and v is not None})
