"""Which dashboard page shows a metric: the one mapping, Qt-free (issue 11 item 1).

A finding or a headline names the indicator it came from ("<metric>/<breakdown_key>");
the Overview turns that into a link to the page, breakdown and level behind it. The
page follows from the metric's section (:data:`rehabdash.plan.metrics.METRICS`), with
the deprivation measures (SII, RII, HEAT) on their own page and the outcome measures
apart from waits. Nothing here imports Qt, so the mapping can be checked without a
display.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rehabdash.plan.findings import Finding

__all__ = [
    "NAV_TITLES",
    "PAGE_TITLES",
    "SECTION_PAGES",
    "Link",
    "breakdown_title",
    "finding_link",
    "page_for_metric",
]

#: The page of each section of the plan.
SECTION_PAGES: dict[str, str] = {
    "access": "who_accesses",
    "consequences": "waits",
    "need": "need",
    "improvement": "trends",
    "quality": "quality",
}
#: What a link calls each page it can open (the navigation's titles).
PAGE_TITLES: dict[str, str] = {
    "who_accesses": "Who accesses",
    "deprivation": "Deprivation",
    "need": "Need",
    "waits": "Waits and DNA",
    "outcomes": "Outcomes",
    "trends": "Trends",
    "quality": "Data quality",
    "neighbourhoods": "Neighbourhoods",
}
#: Every page's title in the navigation (the registry reads it): the Overview, the pages
#: a finding can open, the PCN table, the import and the export.
NAV_TITLES: dict[str, str] = {
    "overview": "Overview",
    **PAGE_TITLES,
    "pcns": "PCNs",
    "import_page": "Import",
    "export": "Export",
}
_DEPRIVATION = ("sii", "rii")  # and every HEAT measure ("heat_*")


@dataclass(frozen=True)
class Link:
    """Where a finding leads: a page, the breakdown to show and the level to pick."""

    page: str
    breakdown_key: str
    level_code: str

    @property
    def page_title(self) -> str:
        return PAGE_TITLES.get(self.page, self.page)

    @property
    def breakdown_title(self) -> str:
        return breakdown_title(self.breakdown_key)


def page_for_metric(metric: str, section: str | None = None) -> str:
    """The page key of ``metric`` (its section read from the metric registry unless
    given). Raises ``ValueError`` for a metric the plan does not report."""
    if section is None:
        from rehabdash.plan.metrics import METRICS  # polars: only once a plan is drawn

        found = METRICS.get(metric)
        if found is None:
            raise ValueError(f"unknown metric {metric!r}")
        section = found.section
    if section == "access" and (metric in _DEPRIVATION or metric.startswith("heat_")):
        return "deprivation"
    if section == "consequences" and metric.startswith("outcome_"):
        return "outcomes"
    if metric.startswith("distance_") or metric == "site_distance":
        return "neighbourhoods"
    try:
        return SECTION_PAGES[section]
    except KeyError:
        raise ValueError(f"metric {metric!r}: no page shows section {section!r}") from None


def finding_link(finding: Finding) -> Link:
    """The page, breakdown and level behind ``finding``."""
    metric, _, breakdown_key = finding.indicator.partition("/")
    return Link(page_for_metric(metric), breakdown_key, finding.level_code)


def breakdown_title(key: str) -> str:
    """A breakdown's title without its bracketed detail, for a link: "Ethnic group ×
    IMD quintile" for ``ethnic_group×imd_quintile``; else the key itself."""
    from rehabdash.plan.breakdown import breakdown

    try:
        title = breakdown(key).title
    except (KeyError, ValueError):
        return key

    title = re.sub(r"Deprivation \((IMD \w+)[^)]*\)", r"\1", title)  # "IMD decile"
    return re.sub(r"\s*\([^)]*\)", "", title).strip() or key
