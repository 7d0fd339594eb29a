"""rehabdash.stats: the statistics engine (Qt-free, database-free, no global state).

Every function takes a polars DataFrame and the names of its columns and
returns a polars DataFrame; methods follow DESIGN section 7 and match PHE/OHID
Fingertips (PHEindicatormethods), WHO HEAT and NHS Making Data Count.
"""

from __future__ import annotations

from rehabdash.stats.compare import difference, rate_ratio, verdict
from rehabdash.stats.dsr import dsr
from rehabdash.stats.funnel import funnel_limits
from rehabdash.stats.heat import heat
from rehabdash.stats.isr import isr_rate, isr_ratio, observed_over_expected
from rehabdash.stats.mean import mean, mean_aggregates, mean_of_aggregates
from rehabdash.stats.proportion import proportion
from rehabdash.stats.quantile import quantile, quantiles
from rehabdash.stats.rate import rate
from rehabdash.stats.sii import sii
from rehabdash.stats.spc import spc
from rehabdash.stats.standard_population import esp2013
from rehabdash.stats.trend import trend

__all__ = [
    "difference",
    "dsr",
    "esp2013",
    "funnel_limits",
    "heat",
    "isr_rate",
    "isr_ratio",
    "mean",
    "mean_aggregates",
    "mean_of_aggregates",
    "observed_over_expected",
    "proportion",
    "quantile",
    "quantiles",
    "rate",
    "rate_ratio",
    "sii",
    "spc",
    "trend",
    "verdict",
]
