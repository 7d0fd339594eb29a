"""Normal, Student-t and chi-squared quantiles from scipy.special.

These are the very functions scipy.stats' ``ppf`` methods call (so results are
identical to scipy.stats and to PHStatsMethods, which uses it), without importing
scipy.stats, which costs about a second at start-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["chi2_ppf", "norm_ppf", "t_ppf"]


def norm_ppf(q: Any) -> Any:
    return special.ndtri(q)


def t_ppf(q: Any, df: Any) -> Any:
    return special.stdtrit(df, q)


def chi2_ppf(q: Any, df: Any) -> Any:
    return 2 * special.gammaincinv(np.asarray(df) / 2, q)
