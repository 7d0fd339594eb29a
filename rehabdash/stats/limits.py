"""Vectorised confidence limits: Wilson score, exact Poisson and Byar's.

Why this module exists: proportions, crude rates, indirectly and directly
standardised rates and funnel plots all need the same three families of
limits, over many rows at once. Written once here on numpy arrays (no Python
loop per row), and written the way PHEindicatormethods (UKHSA, the R package
behind PHE/OHID Fingertips) writes them, so that results agree with the
published reference outputs to within rounding:

* Wilson score interval without continuity correction (Wilson 1927; Newcombe
  and Altman 2000), as in ``PHEindicatormethods::wilson_lower/upper``.
* Exact Poisson limits from the chi-squared distribution (Armitage and Berry
  2002): lower = chi2(alpha/2; 2x)/2, upper = chi2(1 - alpha/2; 2x + 2)/2.
* Byar's approximation (Breslow and Day 1987), as in PHE Fingertips /
  PHEindicatormethods ``byars_lower/upper``.

Missing counts are NaN in and NaN out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rehabdash.stats._quantiles import chi2_ppf

__all__ = [
    "EXACT_BELOW",
    "byars_lower",
    "byars_upper",
    "exact_lower",
    "exact_upper",
    "poisson_limits",
    "wilson_limits",
]

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

#: Counts below this use exact Poisson limits; from this count up, Byar's.
EXACT_BELOW = 10


def wilson_limits(x: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """Wilson score limits for proportions x/n (as fractions of 1).

    x = 0 gives a lower limit of exactly 0 (DESIGN 7.1).
    """
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        root = z * np.sqrt(z2 + 4.0 * x * (1.0 - x / n))
        lower = (2.0 * x + z2 - root) / 2.0 / (n + z2)
        upper = (2.0 * x + z2 + root) / 2.0 / (n + z2)
    lower = np.where(x == 0, 0.0, lower)
    return lower, upper


def _cube(t: FloatArray) -> FloatArray:
    """t³ through the C library's pow, as R and Python's ``**`` compute it.

    numpy's ``power`` may use SIMD approximations that differ from libm in
    the last bit; ``float_power`` keeps results identical to the peers.
    """
    result: FloatArray = np.float_power(t, 3.0)
    return result


def byars_lower(x: FloatArray, z: float) -> FloatArray:
    """Byar's lower limit for a Poisson count x (meant for x >= 10)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        result: FloatArray = x * _cube(1.0 - 1.0 / (9.0 * x) - z / (3.0 * np.sqrt(x)))
    return result


def byars_upper(x: FloatArray, z: float) -> FloatArray:
    """Byar's upper limit for a Poisson count x (meant for x >= 10)."""
    x1 = x + 1.0
    result: FloatArray = x1 * _cube(1.0 - 1.0 / (9.0 * x1) + z / (3.0 * np.sqrt(x1)))
    return result


def _chi2_ppf_unique(q: float, dof: FloatArray) -> FloatArray:
    """chi2_ppf(q, dof) evaluated once per distinct dof (counts repeat a lot)."""
    if dof.size == 0:
        return np.empty(0, dtype=np.float64)
    unique, inverse = np.unique(dof, return_inverse=True)
    values = np.asarray(chi2_ppf(q, unique), dtype=np.float64)
    result: FloatArray = values[inverse.reshape(dof.shape)]
    return result


def exact_lower(x: FloatArray, confidence: float) -> FloatArray:
    """Exact Poisson lower limit chi2(alpha/2; 2x)/2, and 0 when x = 0."""
    alpha = 1.0 - confidence
    lower = _chi2_ppf_unique(alpha / 2.0, 2.0 * x) / 2.0
    return np.where(x == 0, 0.0, lower)


def exact_upper(x: FloatArray, confidence: float) -> FloatArray:
    """Exact Poisson upper limit chi2(1 - alpha/2; 2x + 2)/2."""
    return _chi2_ppf_unique(confidence + (1.0 - confidence) / 2.0, 2.0 * x + 2.0) / 2.0


def poisson_limits(
    x: FloatArray, confidence: float, z: float
) -> tuple[FloatArray, FloatArray, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Limits for Poisson counts: exact below 10 events, Byar's from 10.

    Returns (lower, upper, exact) where ``exact`` marks the rows that used the
    exact method. The chi-squared quantiles are computed only for the rows
    below 10 (and once per distinct count); NaN counts give NaN limits.
    """
    x = np.asarray(x, dtype=np.float64)
    exact = x < EXACT_BELOW
    lower = byars_lower(x, z)
    upper = byars_upper(x, z)
    if exact.any():
        small = x[exact]
        lower[exact] = exact_lower(small, confidence)
        upper[exact] = exact_upper(small, confidence)
    return lower, upper, exact
