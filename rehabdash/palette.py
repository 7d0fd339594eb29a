"""The Analysis Function chart palette (DESIGN 10), defined once for the window's charts
and the workbook's: colours with markers or patterns as well, never colour alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "COMMON",
    "DARK_BLUE",
    "DARK_PINK",
    "GREY",
    "LIGHT_GREY",
    "ORANGE",
    "RATIO_BOUNDS",
    "RATIO_COLOURS",
    "RATIO_LABELS",
    "RATIO_NOT_SIGNIFICANT",
    "RATIO_NOT_SIGNIFICANT_GROUND",
    "RATIO_NOT_SIGNIFICANT_HATCH",
    "RATIO_NOT_SIGNIFICANT_LABEL",
    "RATIO_NO_DATA",
    "RATIO_NO_DATA_COLOUR",
    "RATIO_NO_DATA_LABEL",
    "TURQUOISE",
    "ratio_class",
    "ratio_class_label",
]

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
GREY = "#3D3D3D"
COMMON = "#6F6F6F"  # SPC common cause: 5.0:1 on white
LIGHT_GREY = "#BFBFBF"  # chart limits and guide lines


# --- ratio classes: observed ÷ expected on a map (and any table that colours it) -------

#: The class bounds of an observed ÷ expected ratio: class k holds values from
#: RATIO_BOUNDS[k - 1] up to, not including, RATIO_BOUNDS[k]. Nearly symmetric about 1
#: on a log scale (0.67 ≈ 1/1.5, 0.8 = 1/1.25, 0.9 ≈ 1/1.11), so "a third fewer" and
#: "half as many again" look equally strong. No class straddles 1: whether an area
#: differs from 1 at all is said by its interval (RATIO_NOT_SIGNIFICANT).
RATIO_BOUNDS: tuple[float, ...] = (0.67, 0.8, 0.9, 1.0, 1.11, 1.25, 1.5)
#: One colour a class, ColorBrewer PuOr (8 classes; colour-blind safe, Brewer 2002,
#: colorbrewer2.org): orange below 1 (fewer than expected: where people are not
#: reached), purple above, darker further from 1.
RATIO_COLOURS: tuple[str, ...] = (
    "#B35806",
    "#E08214",
    "#FDB863",
    "#FEE0B6",
    "#D8DAEB",
    "#B2ABD2",
    "#8073AC",
    "#542788",
)
RATIO_LABELS: tuple[str, ...] = (
    "under 0.67",
    "0.67 to under 0.8",
    "0.8 to under 0.9",
    "0.9 to under 1",
    "1 to under 1.11",
    "1.11 to under 1.25",
    "1.25 to under 1.5",
    "1.5 or more",
)
#: The class of a ratio whose 95% interval includes 1, and of an area with no ratio.
RATIO_NOT_SIGNIFICANT = len(RATIO_COLOURS)
RATIO_NO_DATA = RATIO_NOT_SIGNIFICANT + 1
RATIO_NOT_SIGNIFICANT_LABEL = "not significantly different from 1 (95% interval includes 1)"
RATIO_NO_DATA_LABEL = "no data"
#: Not significant: hatched (so not told by colour alone), this grey's lines on a light
#: grey ground. No data: white.
RATIO_NOT_SIGNIFICANT_HATCH = COMMON
RATIO_NOT_SIGNIFICANT_GROUND = "#E6E6E6"
RATIO_NO_DATA_COLOUR = "#FFFFFF"


def ratio_class(
    value: Sequence[float | None] | np.ndarray,
    lower: Sequence[float | None] | np.ndarray | None = None,
    upper: Sequence[float | None] | np.ndarray | None = None,
) -> np.ndarray:
    """The class of each ratio (int8): 0 … 7 by RATIO_BOUNDS, RATIO_NOT_SIGNIFICANT when
    its 95% interval [lower, upper] includes 1, RATIO_NO_DATA when the value is missing,
    not finite or negative. An area without an interval (lower or upper missing) takes
    its value's class: there is nothing to test it with."""
    v = np.asarray(value, dtype=np.float64)
    classes = np.searchsorted(np.asarray(RATIO_BOUNDS), v, side="right").astype(np.int8)
    if lower is not None and upper is not None:
        lo = np.asarray(lower, dtype=np.float64)
        hi = np.asarray(upper, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            includes_one = (lo <= 1.0) & (hi >= 1.0)  # False where either is NaN
        classes[includes_one] = RATIO_NOT_SIGNIFICANT
    with np.errstate(invalid="ignore"):
        classes[~(np.isfinite(v) & (v >= 0))] = RATIO_NO_DATA
    return classes


def ratio_class_label(index: int) -> str:
    """The words of a class index of ratio_class."""
    if index == RATIO_NOT_SIGNIFICANT:
        return RATIO_NOT_SIGNIFICANT_LABEL
    if index == RATIO_NO_DATA:
        return RATIO_NO_DATA_LABEL
    return RATIO_LABELS[index]
