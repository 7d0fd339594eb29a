"""Every metric the data plan reports, gathered from the section modules (one registry).

Each section declares its own :class:`~rehabdash.plan.result.Metric` tuple next to the
code that computes it; this module only collects them, so a title, a unit or a polarity
is written once and the export, the dashboard and the workbook read the same one.
"""

from __future__ import annotations

from rehabdash.plan import access, consequences, distance, improvement, need, quality
from rehabdash.plan.result import Metric

__all__ = ["METRICS", "metric", "metric_title"]

METRICS: dict[str, Metric] = {
    m.key: m
    for section in (
        access.METRICS,
        access.HEAT_METRICS,
        consequences.METRICS,
        need.METRICS,
        distance.METRICS,
        improvement.METRICS,
        quality.METRICS,
    )
    for m in section
}


def metric(key: str) -> Metric:
    try:
        return METRICS[key]
    except KeyError:
        raise ValueError(f"unknown metric {key!r}") from None


def metric_title(key: str) -> str:
    """ "People seen per 1,000 population (seen_rate)": readable, with its key."""
    found = METRICS.get(key)
    return f"{found.title} ({key})" if found else key
