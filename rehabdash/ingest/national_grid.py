"""Ordnance Survey National Grid references to WGS 84 latitude and longitude.

Site lists from council or estates GIS often place sites by easting and northing (British
National Grid, OSGB36 on the Airy 1830 ellipsoid, EPSG:27700) rather than by degrees. PROJ
(through pyproj) converts them to WGS 84 (EPSG:4326) by the best transformation it holds
offline: the OS Helmert transformation (EPSG:1314, about 2 m), or OSTN15 (centimetres) when
its grid file is installed. Metres are ample for distances banded at 2, 5 and 10 km.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from pyproj import Transformer
from pyproj.transformer import TransformerGroup

__all__ = ["EASTING_RANGE", "NORTHING_RANGE", "grid_to_wgs84", "transformation"]

#: The National Grid's extent in metres (its 700 km by 1,300 km of 100 km squares).
EASTING_RANGE = (0.0, 700_000.0)
NORTHING_RANGE = (0.0, 1_300_000.0)


@lru_cache(maxsize=1)
def _transformer() -> Transformer:
    """The most accurate transformation available here (the group lists them best
    first), so that its name can be said; PROJ warns that OSTN15's grid is missing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        group = TransformerGroup("EPSG:27700", "EPSG:4326", always_xy=True)
    return group.transformers[0]


def transformation() -> str:
    """The transformation's name and accuracy (for the import's notes)."""
    transformer = _transformer()
    accuracy = f", about {transformer.accuracy:g} m" if transformer.accuracy > 0 else ""
    return f"PROJ's {transformer.description}{accuracy}"


def grid_to_wgs84(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (degrees, WGS 84) of each easting and northing (metres);
    NaN where either is missing or off the grid."""
    east = np.asarray(easting, dtype=np.float64)
    north = np.asarray(northing, dtype=np.float64)
    on_grid = (
        np.isfinite(east)
        & np.isfinite(north)
        & (east >= EASTING_RANGE[0])
        & (east <= EASTING_RANGE[1])
        & (north >= NORTHING_RANGE[0])
        & (north <= NORTHING_RANGE[1])
    )
    lat = np.full(east.shape, np.nan)
    lon = np.full(east.shape, np.nan)
    if on_grid.any():
        lon[on_grid], lat[on_grid] = _transformer().transform(east[on_grid], north[on_grid])
    return lat, lon
