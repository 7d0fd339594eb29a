"""Plain result types of the overview, with no database or dataframe imports.

The window imports these at start-up, before polars and SQLAlchemy are loaded, and
they round-trip through JSON for the start-up snapshot (rehabdash.snapshot).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from rehabdash.queries.periods import Period

__all__ = ["Headline", "Monthly", "Overview"]


@dataclass(frozen=True)
class Headline:
    period: Period
    referrals: int
    people_referred: int
    people_seen: int
    population: float | None
    population_year: int | None
    seen_per_1000_lower: float | None = None  # 95% CI, Byar's (exact Poisson below 10)
    seen_per_1000_upper: float | None = None

    @property
    def seen_per_1000(self) -> float | None:
        if not self.population:
            return None
        return self.people_seen / self.population * 1000


@dataclass(frozen=True)
class Monthly:
    months: list[date]
    referrals: list[int]
    seen: list[int]


@dataclass(frozen=True)
class Overview:
    headline: Headline
    monthly: Monthly

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Overview:
        h, m, p = data["headline"], data["monthly"], data["headline"]["period"]
        period = Period(p["label"], _day(p["start"]), _day(p["end"]))
        return cls(
            Headline(
                period,
                h["referrals"],
                h["people_referred"],
                h["people_seen"],
                h["population"],
                h["population_year"],
                h.get("seen_per_1000_lower"),
                h.get("seen_per_1000_upper"),
            ),
            Monthly([_day(d) for d in m["months"]], list(m["referrals"]), list(m["seen"])),
        )


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
