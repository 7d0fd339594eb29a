"""Area boundaries (England) shipped in resources/, for maps, and LSOA centroids.

What: the outline of every LSOA (2011 and 2021), MSOA (2021), local authority (LAD 2024)
and ICB (April 2024) in England, as flat numpy arrays (:class:`Shapes`): a map draws them,
and the plan places areas by their centroids (:func:`lsoa_centroids`).

Sources and vintages (resources/REFDATA_SOURCES.md), all ONS super-generalised (200 m,
clipped to the coastline) boundaries in WGS84 longitude/latitude:

- ``lsoa`` 2021: LSOA (Dec 2021), 33,755 areas (codes and names as the 20 m set's);
- ``lsoa`` 2011: LSOA (Dec 2011), 32,844 areas, lightly thinned (one geometry repaired);
- ``msoa`` 2021: MSOA 2021, 6,856 areas, thinned to about 55% of the vertices;
- ``lad`` 2021: the 296 local authorities (LAD 2024 codes and names) of the April 2024
  LSOA 2021 lookup, **derived** by dissolving the LSOA 2021 polygons (ONS publishes LAD
  outlines, but none is in the source folder);
- ``icb`` 2021: the 42 ICBs (``ICB24CD`` codes, ``ICB24NM`` names), derived upstream by
  dissolving the LSOA 2021 polygons by the April 2024 lookup.

Compact form: one Parquet file a level, one row an area (code, name, the vertex count of
each of its rings, and the vertices as integer micro-degrees, each area's first vertex
whole and the rest as steps from the one before), zstd. The sources give 6 decimal
places, so micro-degrees keep them exactly and the steps are small integers that
compress well. Every ring is closed (its last vertex repeats its first); outer rings run
anticlockwise and holes clockwise, as in the sources.

Centroids are the GEOMETRIC (area-weighted) centroids of the super-generalised LSOA
polygons (holes subtracted; a multi-part area's parts weighted by their areas), not the
population-weighted centroids: ONS's population-weighted centroids are not in the source
folder. The source README's caveat on these shapes: centroids of the 2021 super-
generalised set lie a median 33 m from those of ONS's 20 m generalised set, 12 LSOAs more
than 500 m off (worst E01035138 Norwich 014F, 5.8 km): fine for a map and for ordering
areas by where they are, not for travel distances. A centroid can fall outside a
crescent-shaped area.

Built by ``python -m rehabdash.refdata.build SOURCE_DIR`` (``build.build_boundaries``).
Both loaders are cached; :func:`lsoa_centroids` returns its own copy, :func:`boundaries`
the one shared :class:`Shapes`, whose arrays are read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Literal

import numpy as np
import polars as pl

from rehabdash import refdata
from rehabdash.refdata import polygons

__all__ = [
    "BOUNDARIES_ATTRIBUTION",
    "BOUNDARY_RESOURCES",
    "CENTROIDS_RESOURCE",
    "CENTROID_METHOD",
    "EARTH_RADIUS_KM",
    "BoundaryLevel",
    "Shapes",
    "boundaries",
    "dissolve",
    "dissolve_counting",
    "equirectangular",
    "lsoa_centroids",
    "shapes_frame",
    "shapes_from_frame",
]

BoundaryLevel = Literal["lsoa", "msoa", "lad", "icb"]

BOUNDARIES_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2021–2024."
)

#: (level, vintage) -> shipped file. The LAD outlines carry LAD 2024 codes and the ICB
#: outlines ICB 2024 codes; both are of LSOA 2021 building blocks, hence vintage 2021.
BOUNDARY_RESOURCES: dict[tuple[BoundaryLevel, int], str] = {
    ("lsoa", 2021): "boundaries_lsoa21.parquet",
    ("lsoa", 2011): "boundaries_lsoa11.parquet",
    ("msoa", 2021): "boundaries_msoa21.parquet",
    ("lad", 2021): "boundaries_lad24.parquet",
    ("icb", 2021): "boundaries_icb24.parquet",
}
CENTROIDS_RESOURCE = "lsoa_centroids.parquet"

CENTROID_METHOD = (
    "LSOA centroids are the geometric (area-weighted) centroids of the ONS super-generalised "
    "LSOA boundaries, not population-weighted centroids; for 2021 LSOAs they lie a median "
    "33 m (at worst 5.8 km) from those of the 20 m generalised boundaries."
)

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
_MICRO = 1_000_000  # coordinates are stored as integer micro-degrees


@dataclass(frozen=True, eq=False)  # eq=False: compared and hashed by identity (arrays)
class Shapes:
    """Areas as rings of vertices in flat arrays.

    Area ``i`` has code ``codes[i]``; ring ``r`` has the vertices
    ``lon[ring_starts[r]:ring_starts[r + 1]]`` (and ``lat``) and belongs to area
    ``ring_area[r]``. The rings of an area are next to each other and the areas' rings
    come in the order of ``codes``, so an area's vertices are one slice too
    (:meth:`area_starts`). Every ring is closed; the fill rule is even-odd (holes are
    rings inside their area's outer ring).
    """

    codes: tuple[str, ...]  # one per area
    names: tuple[str, ...]
    lon: np.ndarray  # float64, every ring's vertices concatenated
    lat: np.ndarray
    ring_starts: np.ndarray  # int64, len = rings + 1, offsets into lon/lat
    ring_area: np.ndarray  # int64, len = rings: index into codes of each ring's area

    def __post_init__(self) -> None:
        n_rings = len(self.ring_area)
        if len(self.names) != len(self.codes):
            raise ValueError("codes and names differ in length")
        if len(self.ring_starts) != n_rings + 1 or len(self.lon) != len(self.lat):
            raise ValueError("ring offsets and vertices do not line up")
        if n_rings and (
            self.ring_starts[0] != 0
            or self.ring_starts[-1] != len(self.lon)
            or np.any(np.diff(self.ring_area) < 0)
            or self.ring_area[0] < 0
            or self.ring_area[-1] >= len(self.codes)
        ):
            raise ValueError("rings must cover the vertices and come in the areas' order")
        for array in (self.lon, self.lat, self.ring_starts, self.ring_area):
            array.setflags(write=False)  # shared from the cache

    def __len__(self) -> int:
        return len(self.codes)

    def area_starts(self) -> np.ndarray:
        """Offsets into lon/lat of each area's first vertex, len = areas + 1."""
        first_ring = np.searchsorted(self.ring_area, np.arange(len(self.codes) + 1))
        return np.asarray(self.ring_starts[first_ring], dtype=np.int64)

    def index(self) -> dict[str, int]:
        """Code -> position in ``codes``."""
        return {code: i for i, code in enumerate(self.codes)}

    def subset(self, codes: Iterable[str]) -> Shapes:
        """Only the areas ``codes``, in the order of self; KeyError names unknown codes."""
        wanted = set(codes)
        unknown = wanted - set(self.codes)
        if unknown:
            raise KeyError(
                f"{len(unknown)} codes not among these areas, e.g. {sorted(unknown)[:5]}"
            )
        keep = np.fromiter((c in wanted for c in self.codes), dtype=bool, count=len(self.codes))
        new_index = np.cumsum(keep) - 1
        rings = keep[self.ring_area]
        lengths = np.diff(self.ring_starts)
        vertices = np.repeat(rings, lengths)
        return Shapes(
            codes=tuple(c for c, k in zip(self.codes, keep, strict=True) if k),
            names=tuple(n for n, k in zip(self.names, keep, strict=True) if k),
            lon=self.lon[vertices],
            lat=self.lat[vertices],
            ring_starts=np.concatenate([[0], np.cumsum(lengths[rings])]).astype(np.int64),
            ring_area=new_index[self.ring_area[rings]].astype(np.int64),
        )

    def mean_latitude(self) -> float:
        """The mean latitude of the vertices: the default centre of :meth:`projected`."""
        return float(self.lat.mean()) if len(self.lat) else 0.0

    def projected(self, lat0: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """x, y in km: equirectangular about ``lat0`` (default :meth:`mean_latitude`).

        Enough for an ICB-sized map: north-south distances are right everywhere and
        east-west ones at ``lat0``, off elsewhere by the ratio of the cosines of the
        latitudes (about tan(lat0) × the latitude difference): at most 0.8% for the
        median ICB and 2.2% at the far edge of the tallest (North East and North Cumbria,
        1.5° of latitude), invisible on a choropleth; areas keep their shapes to the eye.
        """
        return equirectangular(self.lon, self.lat, self.mean_latitude() if lat0 is None else lat0)


def equirectangular(lon: np.ndarray, lat: np.ndarray, lat0: float) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude (degrees) -> x, y in km, equirectangular about ``lat0``: the
    projection of :meth:`Shapes.projected`, for points (sites, centroids) on the same map."""
    k = np.pi / 180.0 * EARTH_RADIUS_KM
    x = np.asarray(lon, dtype=np.float64) * (k * np.cos(np.radians(lat0)))
    return x, np.asarray(lat, dtype=np.float64) * k


def dissolve(shapes: Shapes, group_of: Mapping[str, str], names: Mapping[str, str]) -> Shapes:
    """The outline of each group of areas: ``group_of`` maps each area's code to its
    group's code, ``names`` each group's code to its name; one area a group, sorted by
    code. For areas whose neighbours share their edges vertex for vertex, as the LSOA
    2021s do (rehabdash.refdata.polygons): e.g. the parts of each local authority within
    one ICB, from that ICB's LSOAs (about 10 ms for an ICB's 1,500)."""
    return dissolve_counting(shapes, group_of, names)[0]


def dissolve_counting(
    shapes: Shapes, group_of: Mapping[str, str], names: Mapping[str, str]
) -> tuple[Shapes, int]:
    """:func:`dissolve`, and the number of slivers it dropped."""
    groups = sorted({group_of[c] for c in shapes.codes})
    position = {g: i for i, g in enumerate(groups)}
    area_group = np.array([position[group_of[c]] for c in shapes.codes], dtype=np.int64)
    lon, lat, starts, ring_group, slivers = polygons.dissolve(
        np.rint(np.asarray(shapes.lon) * _MICRO).astype(np.int64),
        np.rint(np.asarray(shapes.lat) * _MICRO).astype(np.int64),
        shapes.ring_starts,
        area_group[shapes.ring_area],
        len(groups),
    )
    outlines = Shapes(  # polygons.dissolve gives the rings in their groups' order
        codes=tuple(groups),
        names=tuple(names[g] for g in groups),
        lon=lon / _MICRO,
        lat=lat / _MICRO,
        ring_starts=starts,
        ring_area=ring_group,
    )
    return outlines, slivers


# --- the shipped layout -----------------------------------------------------------------


def shapes_frame(shapes: Shapes) -> pl.DataFrame:
    """Shapes -> the shipped table: code, name, rings (vertex counts), dlon, dlat (Int32
    micro-degree steps; each area's first vertex whole). Inverse of shapes_from_frame."""
    lon = np.rint(np.asarray(shapes.lon) * _MICRO).astype(np.int64)
    lat = np.rint(np.asarray(shapes.lat) * _MICRO).astype(np.int64)
    starts = shapes.area_starts()
    firsts = np.zeros(len(lon), dtype=bool)
    firsts[starts[:-1][np.diff(starts) > 0]] = True
    steps = [np.where(firsts, v, np.diff(v, prepend=0)) for v in (lon, lat)]
    per_area = np.diff(starts)
    ring_counts = np.bincount(shapes.ring_area, minlength=len(shapes.codes))
    ring_lengths = np.diff(shapes.ring_starts)

    def lists(values: np.ndarray, counts: np.ndarray, dtype: pl.DataType) -> pl.Series:
        offsets = np.concatenate([[0], np.cumsum(counts)])
        # Python lists: polars makes numpy arrays of one length an Array, not a List.
        return pl.Series([values[a:b].tolist() for a, b in pairwise(offsets)], dtype=pl.List(dtype))

    return pl.DataFrame(
        {
            "code": list(shapes.codes),
            "name": list(shapes.names),
            "rings": lists(ring_lengths.astype(np.uint32), ring_counts, pl.UInt32()),
            "dlon": lists(steps[0].astype(np.int32), per_area, pl.Int32()),
            "dlat": lists(steps[1].astype(np.int32), per_area, pl.Int32()),
        }
    )


def shapes_from_frame(frame: pl.DataFrame) -> Shapes:
    """The shipped table (shapes_frame) -> Shapes."""
    ring_lengths = frame["rings"].explode().to_numpy().astype(np.int64)
    ring_counts = frame["rings"].list.len().to_numpy().astype(np.int64)
    per_area = frame["dlon"].list.len().to_numpy().astype(np.int64)
    area_offsets = np.concatenate([[0], np.cumsum(per_area)])

    def decode(column: str) -> np.ndarray:
        # A running sum that starts again at each area's first (whole) vertex.
        total = np.cumsum(frame[column].explode().to_numpy().astype(np.int64))
        before = np.concatenate([[0], total])[area_offsets[:-1]]
        return (total - np.repeat(before, per_area)) / _MICRO

    return Shapes(
        codes=tuple(frame["code"].to_list()),
        names=tuple(frame["name"].to_list()),
        lon=decode("dlon"),
        lat=decode("dlat"),
        ring_starts=np.concatenate([[0], np.cumsum(ring_lengths)]).astype(np.int64),
        ring_area=np.repeat(np.arange(frame.height, dtype=np.int64), ring_counts),
    )


# --- loaders ----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def boundaries(level: BoundaryLevel, vintage: int = 2021) -> Shapes:
    """The boundaries of every area of ``level`` in England, sorted by code.

    ``lsoa``: vintage 2011 or 2021; ``msoa``, ``lad`` (LAD 2024 codes) and ``icb``
    (ICB24CD codes, ICB24NM names): 2021 only (they are built of LSOA 2021s).
    """
    name = BOUNDARY_RESOURCES.get((level, vintage))
    if name is None:
        have = ", ".join(f"{lv} {v}" for lv, v in BOUNDARY_RESOURCES)
        raise ValueError(f"no shipped {level} boundaries of {vintage} (have {have})")
    return shapes_from_frame(pl.read_parquet(refdata.resource_path(name)))


def lsoa_centroids(vintage: int) -> pl.DataFrame:
    """Every England LSOA of ``vintage`` (2011 or 2021): lsoa (String), latitude,
    longitude (Float64, degrees WGS84), sorted by lsoa. The geometric centroid of the
    super-generalised polygon (CENTROID_METHOD); cached, each call a copy."""
    return _lsoa_centroids(vintage).clone()


@lru_cache(maxsize=2)
def _lsoa_centroids(vintage: int) -> pl.DataFrame:
    if vintage not in (2011, 2021):
        raise ValueError(f"no shipped LSOA centroids of {vintage} (have 2011 and 2021)")
    raw = pl.read_parquet(refdata.resource_path(CENTROIDS_RESOURCE))
    return raw.filter(pl.col("vintage") == vintage).select(
        pl.col("lsoa").cast(pl.String),
        (pl.col("lat_e6").cast(pl.Float64) / _MICRO).alias("latitude"),
        (pl.col("lon_e6").cast(pl.Float64) / _MICRO).alias("longitude"),
    )
