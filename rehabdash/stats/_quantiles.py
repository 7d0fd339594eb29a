"""Normal, Student-t and chi-squared quantiles from scipy.special.

These are the very functions scipy.stats' ``ppf`` methods call (so results are
identical to scipy.stats and to PHStatsMethods, which uses it), without importing
scipy.stats, which costs about a second at start-up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["chi2_ppf", "norm_ppf", "poisson_ppf", "t_ppf"]


def norm_ppf(q: Any) -> Any:
    return special.ndtri(q)


def t_ppf(q: Any, df: Any) -> Any:
    return special.stdtrit(df, q)


def chi2_ppf(q: Any, df: Any) -> Any:
    return 2 * special.gammaincinv(np.asarray(df) / 2, q)


def poisson_ppf(p: float, mu: Any) -> Any:
    """Smallest k with P(Poisson(mu) <= k) >= p, for each mu (as scipy's ``poisson.ppf``
    for 0 < p < 1: the continuous inverse ``pdtrik`` rounded up, then one step down
    where that still reaches p, and one step up where rounding fell short)."""
    mu = np.asarray(mu, dtype=np.float64)
    k = np.ceil(special.pdtrik(p, mu))
    below = np.maximum(k - 1.0, 0.0)
    k = np.where((k > 0) & (special.pdtr(below, mu) >= p), below, k)
    return np.where(special.pdtr(k, mu) < p, k + 1.0, k)
