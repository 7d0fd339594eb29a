"""Reporting periods: NHS financial years run 1 April to 31 March, labelled "2024-25"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["Period", "financial_year"]


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


def financial_year(day: date) -> Period:
    """The financial year that contains ``day``."""
    first = day.year if day.month >= 4 else day.year - 1
    return Period(f"{first}-{(first + 1) % 100:02d}", date(first, 4, 1), date(first + 1, 3, 31))
