"""Reporting periods: NHS financial years run 1 April to 31 March, labelled "2024-25".

A period is written as a data plan names it: a financial year ``2024-25``, a quarter
``2024-25 Q3`` (Q1 is April to June), a month ``2025-03``, or a range of days
``2024-04-01..2025-03-31``. :func:`parse_period` reads each, and refuses anything else
with one line that says what is wrong (``period '2024-25 Q5': quarter must be Q1 to Q4``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Period", "PeriodError", "financial_year", "parse_period", "previous_period"]


class PeriodError(ValueError):
    """A period written in none of the accepted forms; the message is one plain line."""


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date  # inclusive


def financial_year(day: date) -> Period:
    """The financial year that contains ``day``."""
    first = day.year if day.month >= 4 else day.year - 1
    return _year(first)


def _year(first: int) -> Period:
    return Period(f"{first}-{(first + 1) % 100:02d}", date(first, 4, 1), date(first + 1, 3, 31))


_FY = re.compile(r"^(?:FY\s*)?(\d{4})\s*[-/]\s*(\d{2}|\d{4})(?:\s+Q(\d+))?$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})$")
_FORMS = "use 2024-25, 2024-25 Q3, 2025-03 or 2024-04-01..2025-03-31"


def _fail(text: str, why: str) -> PeriodError:
    return PeriodError(f"period {text!r}: {why}")


def _financial(text: str, match: re.Match[str]) -> Period:
    first, second, quarter = int(match[1]), match[2], match[3]
    if int(second[-2:]) != (first + 1) % 100 or (len(second) == 4 and int(second) != first + 1):
        raise _fail(text, f"a financial year runs from one year to the next ({_year(first).label})")
    year = _year(first)
    if quarter is None:
        return year
    q = int(quarter)
    if not 1 <= q <= 4:
        raise _fail(text, "quarter must be Q1 to Q4")
    start_month = 4 + 3 * (q - 1)
    start_year = first + (start_month - 1) // 12
    start_month = (start_month - 1) % 12 + 1
    end_month = start_month + 2
    last = calendar.monthrange(start_year, end_month)[1]
    return Period(
        f"{year.label} Q{q}", date(start_year, start_month, 1), date(start_year, end_month, last)
    )


def _day(text: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(text, f"{value} is not a date (YYYY-MM-DD)") from None


def parse_period(text: str) -> Period:
    """The period ``text`` names (see the module docstring); PeriodError if none."""
    cleaned = " ".join(str(text).split())
    if not cleaned:
        raise _fail(text, f"no period given: {_FORMS}")
    match = _FY.match(cleaned)
    # "2025-03" is a month; "2024-25" a year: a year's second part is the next year.
    month_like = _MONTH.match(cleaned)
    if month_like and int(month_like[2]) > 12:
        month_like = None  # "2024-26" can only be a (wrong) financial year
    if match and not (month_like and int(match[2][-2:]) != (int(match[1]) + 1) % 100):
        return _financial(text, match)
    match = month_like
    if match:
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise _fail(text, "month must be 01 to 12")
        last = calendar.monthrange(year, month)[1]
        return Period(f"{year}-{month:02d}", date(year, month, 1), date(year, month, last))
    match = _RANGE.match(cleaned)
    if match:
        start, end = _day(text, match[1]), _day(text, match[2])
        if end < start:
            raise _fail(text, "the range ends before it starts")
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)
    raise _fail(text, f"not a period: {_FORMS}")


def previous_period(period: Period) -> Period:
    """The period before ``period``, of the same kind: the financial year, quarter or
    month before it, or for a range of days the same number of days just before."""
    if ".." in period.label:
        days = (period.end - period.start).days
        end = period.start - timedelta(days=1)
        start = end - timedelta(days=days)
        return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)
    before = period.start - timedelta(days=1)
    if (period.start.year, period.start.month) == (period.end.year, period.end.month):
        return parse_period(f"{before.year}-{before.month:02d}")
    if " Q" in period.label:
        year, quarter = period.label.split(" Q")
        if quarter == "1":
            return parse_period(f"{financial_year(before).label} Q4")
        return parse_period(f"{year} Q{int(quarter) - 1}")
    return financial_year(before)
