"""Weighted least-squares line on relative rank, for the SII and HEAT.

Why this module exists: the SII (DESIGN 7.6) and the HEAT summary measures
both rank population subgroups from the most disadvantaged (rank 0) to the
most advantaged (rank 1) by the midpoint of their cumulative population share,
and fit a straight line weighted by population share (Low and Low 2004; PHE
SII technical guide). These helpers do it for many groups (and many
simulated repetitions) at once with numpy broadcasting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["fit_line", "relative_ranks"]

Array = np.ndarray[Any, np.dtype[np.float64]]


def relative_ranks(pop: Array) -> tuple[Array, Array]:
    """Population shares a and relative ranks b for rows of ``pop`` (groups × quantiles).

    Columns are in order from the most disadvantaged; zero populations (used
    as padding for groups with fewer quantiles) get zero share.
    """
    total = pop.sum(axis=-1, keepdims=True)
    a = pop / total
    b = np.cumsum(a, axis=-1) - a / 2.0
    return a, b


def fit_line(y: Array, a: Array, b: Array) -> tuple[Array, Array]:
    """Weighted least squares of y on (1, b) with weights a (summing to 1).

    ``y`` has shape (..., G, Q); ``a`` and ``b`` (G, Q). Returns (slope,
    intercept), each of shape (..., G). Padding cells must have a = 0 and a
    finite y.
    """
    b_bar = (a * b).sum(axis=-1)
    centred = a * (b - b_bar[:, None])
    sxx = (centred * (b - b_bar[:, None])).sum(axis=-1)
    coef = centred / sxx[:, None]
    slope: Array = (y * coef).sum(axis=-1)
    y_bar = (y * a).sum(axis=-1)
    intercept: Array = y_bar - slope * b_bar
    return slope, intercept
