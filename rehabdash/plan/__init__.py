"""The data plan (DESIGN 6): filters -> indicator tables, disclosure control, findings.

Qt-free and database-free apart from what it reads through ``rehabdash.queries``.
"""

from __future__ import annotations

from rehabdash.plan.filters import Area, FilterError, PlanFilter, parse_filter

__all__ = ["Area", "FilterError", "PlanFilter", "parse_filter"]
