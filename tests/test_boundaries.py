"""The shipped boundaries and LSOA centroids (rehabdash.refdata.boundaries): every area
of every level once, with the lookups' codes; closed rings; centroids and areas worked
again here, independently, from the shipped vertices.

Everything here reads the shipped Parquet files only, never the source folder.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from rehabdash import refdata
from rehabdash.refdata.boundaries import (
    BOUNDARY_RESOURCES,
    CENTROID_METHOD,
    CENTROIDS_RESOURCE,
    Shapes,
    boundaries,
    dissolve,
    equirectangular,
    lsoa_centroids,
    shapes_frame,
    shapes_from_frame,
)

EARTH_M = 6_371_008.8


def _rings(shapes: Shapes, code: str) -> list[list[tuple[float, float]]]:
    """The rings of one area as lists of (lon, lat), read from the flat arrays."""
    i = shapes.codes.index(code)
    rings = []
    for r in range(len(shapes.ring_area)):
        if shapes.ring_area[r] == i:
            a, b = int(shapes.ring_starts[r]), int(shapes.ring_starts[r + 1])
            rings.append(list(zip(shapes.lon[a:b].tolist(), shapes.lat[a:b].tolist(), strict=True)))
    return rings


def _shoelace(rings: list[list[tuple[float, float]]]) -> tuple[float, float, float]:
    """Signed area (m²) and centroid (lon, lat) of rings, in metres about the first
    vertex (a plain loop, not the build's vectorised sums)."""
    lon0, lat0 = rings[0][0]
    k = math.pi / 180 * EARTH_M
    kx = k * math.cos(math.radians(lat0))
    area = cx = cy = 0.0
    for ring in rings:
        pts = [((lon - lon0) * kx, (lat - lat0) * k) for lon, lat in ring]
        for (x1, y1), (x2, y2) in itertools.pairwise(pts):
            cross = x1 * y2 - x2 * y1
            area += cross / 2
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
    cx, cy = cx / (6 * area), cy / (6 * area)
    return area, lon0 + cx / kx, lat0 + cy / k


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(h))


# --- every area once, with the lookups' codes -------------------------------------------


@pytest.mark.parametrize(
    ("level", "vintage", "count"),
    [("lsoa", 2021, 33_755), ("lsoa", 2011, 32_844), ("msoa", 2021, 6_856), ("icb", 2021, 42)],
)
def test_every_area_once(level: refdata.BoundaryLevel, vintage: int, count: int) -> None:
    shapes = boundaries(level, vintage)
    assert len(shapes) == len(shapes.names) == count
    assert list(shapes.codes) == sorted(set(shapes.codes))
    # Every area has at least one ring, and the rings come in the areas' order.
    assert np.array_equal(np.unique(shapes.ring_area), np.arange(count))
    assert np.all(np.diff(shapes.ring_area) >= 0)


def test_codes_are_the_lookups() -> None:
    lookup21, lookup11 = refdata.lsoa_lookup(2021), refdata.lsoa_lookup(2011)
    assert set(boundaries("lsoa", 2021).codes) == set(lookup21["lsoa"])
    assert set(boundaries("lsoa", 2011).codes) == set(lookup11["lsoa"])
    assert set(boundaries("msoa").codes) == set(refdata.lsoa_to_msoa()["msoa21"])
    for level, code, name in (("lad", "lad_code", "lad_name"), ("icb", "icb_code", "icb_name")):
        shapes = boundaries(level)
        expected = dict(lookup21.select(code, name).unique().iter_rows())
        assert dict(zip(shapes.codes, shapes.names, strict=True)) == expected
    assert len(boundaries("lad")) == lookup21["lad_code"].n_unique() == 296
    names = dict(zip(boundaries("lsoa").codes, boundaries("lsoa").names, strict=True))
    assert names["E01000001"] == "City of London 001A"


def test_unknown_level_or_vintage() -> None:
    with pytest.raises(ValueError, match="no shipped msoa boundaries of 2011"):
        boundaries("msoa", 2011)
    with pytest.raises(ValueError, match="2019"):
        lsoa_centroids(2019)


@pytest.mark.parametrize(("level", "vintage"), sorted(BOUNDARY_RESOURCES))
def test_every_ring_closed_and_in_england(level: refdata.BoundaryLevel, vintage: int) -> None:
    shapes = boundaries(level, vintage)
    first, last = shapes.ring_starts[:-1], shapes.ring_starts[1:] - 1
    assert np.all(last - first >= 3)  # three corners and the closing vertex at least
    assert np.array_equal(shapes.lon[first], shapes.lon[last])
    assert np.array_equal(shapes.lat[first], shapes.lat[last])
    assert shapes.ring_starts[-1] == len(shapes.lon) == len(shapes.lat)
    assert shapes.lon.dtype == shapes.lat.dtype == np.float64
    assert shapes.ring_starts.dtype == shapes.ring_area.dtype == np.int64
    assert shapes.lon.min() > -6.5
    assert shapes.lon.max() < 1.8
    assert shapes.lat.min() > 49.8
    assert shapes.lat.max() < 55.9
    assert not shapes.lon.flags.writeable  # shared from the cache


def test_outer_rings_anticlockwise_and_areas_positive() -> None:
    shapes = boundaries("lsoa", 2021)
    for code in ("E01000001", "E01011229", "E01035138"):
        area, _, _ = _shoelace(_rings(shapes, code))
        assert area > 0


# --- centroids --------------------------------------------------------------------------


@pytest.mark.parametrize("vintage", [2011, 2021])
def test_centroids_cover_every_lsoa(vintage: int) -> None:
    centroids = lsoa_centroids(vintage)
    assert centroids.schema == pl.Schema(
        {"lsoa": pl.String, "latitude": pl.Float64, "longitude": pl.Float64}
    )
    assert centroids["lsoa"].to_list() == list(boundaries("lsoa", vintage).codes)
    assert centroids.null_count().sum_horizontal().item() == 0
    centroids.clear()  # a copy: the next call is whole
    assert lsoa_centroids(vintage).height == len(boundaries("lsoa", vintage))


@pytest.mark.parametrize(
    ("vintage", "code"),
    [(2021, "E01000001"), (2021, "E01011229"), (2021, "E01035138"), (2011, "E01019828")],
)
def test_centroids_agree_with_an_independent_shoelace(vintage: int, code: str) -> None:
    _, lon, lat = _shoelace(_rings(boundaries("lsoa", vintage), code))
    row = lsoa_centroids(vintage).filter(pl.col("lsoa") == code).row(0, named=True)
    assert _metres(lon, lat, row["longitude"], row["latitude"]) < 1.0


def test_city_of_london_001a_centroid() -> None:
    row = lsoa_centroids(2021).filter(pl.col("lsoa") == "E01000001").row(0, named=True)
    assert _metres(-0.0970, 51.5190, row["longitude"], row["latitude"]) < 200
    assert "geometric" in CENTROID_METHOD
    assert "not population-weighted" in CENTROID_METHOD


# --- subsets, projection, dissolve ------------------------------------------------------


def test_subset_keeps_the_order_and_the_vertices() -> None:
    shapes = boundaries("lsoa", 2021)
    wanted = ["E01035138", "E01000005", "E01011229", "E01000001"]
    part = shapes.subset(wanted)
    assert part.codes == ("E01000001", "E01000005", "E01011229", "E01035138")
    assert part.names == tuple(shapes.names[shapes.codes.index(c)] for c in part.codes)
    for code in wanted:
        assert _rings(part, code) == _rings(shapes, code)
    assert part.ring_starts[-1] == len(part.lon)
    with pytest.raises(KeyError, match="E01999999"):
        shapes.subset(["E01000001", "E01999999"])


def test_projection_is_km() -> None:
    shapes = boundaries("icb").subset(["E54000054"])
    x, y = shapes.projected()
    assert x.shape == y.shape == shapes.lon.shape
    lat0 = shapes.mean_latitude()
    assert 53.5 < lat0 < 54.3
    # Leeds to Bradford along a parallel, and a degree of latitude, against the sphere.
    (x1, x2), _ = equirectangular(np.array([-1.55, -1.75]), np.array([lat0, lat0]), lat0)
    assert abs(x1 - x2) == pytest.approx(_metres(-1.55, lat0, -1.75, lat0) / 1000, rel=1e-4)
    _, (y1, y2) = equirectangular(np.zeros(2), np.array([53.0, 54.0]), lat0)
    assert y2 - y1 == pytest.approx(111.195, rel=1e-3)


@pytest.mark.parametrize("lad", ["E09000001", "E06000053", "E06000017"])
def test_a_dissolved_lad_has_its_lsoas_area(lad: str) -> None:
    """City of London (6 LSOAs), Isles of Scilly (1, several islands), Rutland (26)."""
    lookup = refdata.lsoa_lookup(2021).filter(pl.col("lad_code") == lad)
    lsoas = boundaries("lsoa", 2021)
    summed = sum(_shoelace(_rings(lsoas, c))[0] for c in lookup["lsoa"])
    outline, _, _ = _shoelace(_rings(boundaries("lad"), lad))
    assert outline == pytest.approx(summed, rel=0.005)
    # The outline is the outside only: fewer vertices than its LSOAs together.
    inner = sum(len(r) for c in lookup["lsoa"] for r in _rings(lsoas, c))
    assert sum(len(r) for r in _rings(boundaries("lad"), lad)) <= inner


def test_dissolve_at_run_time_gives_the_shipped_icb() -> None:
    lookup = refdata.lsoa_lookup(2021).filter(pl.col("icb_code") == "E54000054")
    lsoas = boundaries("lsoa").subset(lookup["lsoa"])
    icb = dissolve(lsoas, dict.fromkeys(lsoas.codes, "E54000054"), {"E54000054": "WY"})
    shipped = boundaries("icb").subset(["E54000054"])
    assert len(icb) == 1
    assert icb.names == ("WY",)
    ours = set(zip(icb.lon.tolist(), icb.lat.tolist(), strict=True))
    assert ours == set(zip(shipped.lon.tolist(), shipped.lat.tolist(), strict=True))
    assert len(icb.ring_area) == len(shipped.ring_area)


def test_the_layout_round_trips() -> None:
    shapes = boundaries("lsoa", 2011).subset(["E01019828", "E01000001", "E01033768"])
    again = shapes_from_frame(shapes_frame(shapes))
    assert again.codes == shapes.codes
    assert again.names == shapes.names
    for name in ("lon", "lat", "ring_starts", "ring_area"):
        assert np.array_equal(getattr(again, name), getattr(shapes, name))


def test_the_resources_are_compact() -> None:
    names = [*BOUNDARY_RESOURCES.values(), CENTROIDS_RESOURCE]
    total = sum(Path(refdata.resource_path(n)).stat().st_size for n in names)
    assert total < 8_000_000
    for name in names:
        meta = pl.read_parquet_metadata(refdata.resource_path(name))
        assert "Office for National Statistics" in meta["attribution"]


def test_exported_from_refdata() -> None:
    for name in ("BoundaryLevel", "CENTROID_METHOD", "Shapes", "boundaries", "lsoa_centroids"):
        assert name in refdata.__all__
    assert refdata.boundaries is boundaries  # the loader (the module: import from it)


def _squares(rings: list[list[tuple[float, float]]], areas: list[int], n: int) -> Shapes:
    lengths = [len(r) for r in rings]
    return Shapes(
        codes=tuple(f"A{i}" for i in range(n)),
        names=tuple(f"area {i}" for i in range(n)),
        lon=np.array([p[0] for r in rings for p in r]),
        lat=np.array([p[1] for r in rings for p in r]),
        ring_starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        ring_area=np.array(areas, dtype=np.int64),
    )


def test_dissolve_cancels_shared_edges_drops_slivers_keeps_holes() -> None:
    """Two squares side by side (the right one with a vertex on the shared edge that the
    left one lacks: a sliver), and a third square inside a fourth's hole."""
    left = [(0.0, 50.0), (0.01, 50.0), (0.01, 50.01), (0.0, 50.01), (0.0, 50.0)]
    right = [(0.01, 50.0), (0.02, 50.0), (0.02, 50.01), (0.01, 50.01)]
    right += [(0.01, 50.005), (0.01, 50.0)]
    frame = [(1.0, 50.0), (1.03, 50.0), (1.03, 50.03), (1.0, 50.03), (1.0, 50.0)]
    hole = [(1.01, 50.01), (1.01, 50.02), (1.02, 50.02), (1.02, 50.01), (1.01, 50.01)]
    island = hole[::-1]
    shapes = _squares([left, right, frame, hole, island], [0, 1, 2, 2, 3], 4)
    groups = {"A0": "G1", "A1": "G1", "A2": "G2", "A3": "G3"}
    outlines = dissolve(shapes, groups, {"G1": "one", "G2": "two", "G3": "three"})
    assert outlines.codes == ("G1", "G2", "G3")
    assert outlines.names == ("one", "two", "three")
    rings = {code: _rings(outlines, code) for code in outlines.codes}
    (outer,) = rings["G1"]  # the sliver along the shared edge is gone
    assert set(outer) == {(0.0, 50.0), (0.01, 50.0), (0.02, 50.0), (0.02, 50.01),
                          (0.01, 50.01), (0.0, 50.01)}  # fmt: skip
    assert len(outer) == 7
    assert outer[0] == outer[-1]
    assert _shoelace([outer])[0] == pytest.approx(
        _shoelace([left])[0] + _shoelace([right])[0], rel=1e-9
    )
    assert len(rings["G2"]) == 2  # the frame keeps its hole (clockwise)
    assert sorted(_shoelace([r])[0] > 0 for r in rings["G2"]) == [False, True]
    assert len(rings["G3"]) == 1
