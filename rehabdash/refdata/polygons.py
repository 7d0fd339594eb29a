"""Planar polygon arithmetic on flat ring arrays (the layout of
:class:`~rehabdash.refdata.boundaries.Shapes`): shoelace areas and centroids, and the
dissolve of LSOAs into larger areas.

Why a dissolve in numpy and no geometry library (shapely): in the ONS LSOA 2021
super-generalised set, neighbouring LSOAs share their common edges vertex for vertex
(the set was generalised as one topology), so the outline of a group of LSOAs is the
set of its LSOAs' directed edges less every edge whose reverse is also there (an edge
between two LSOAs of the group runs one way in each; outer rings run anticlockwise and
holes clockwise). The exceptions, 16 in all England, are near-collinear vertices where
one LSOA has a vertex that its neighbour's edge passes within centimetres of: their
edges do not cancel and leave slivers, closed rings at most 3.3 cm wide, which the walk
along the outline (:func:`_cycles`) sets apart and the dissolve drops (SLIVER_WIDTH_M).
The build checks the method against an independent dissolve: done by ICB, it must give
the source ICB file's rings and vertices exactly (build.build_boundaries).

Numpy only: the build uses it for the shipped outlines, and
``rehabdash.refdata.boundaries.dissolve`` at run time for the outlines of a few areas.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "SLIVER_WIDTH_M",
    "area_centroids",
    "dissolve",
    "ring_areas",
]

#: A ring left by the dissolve whose mean width (2 × area ÷ perimeter) is under this is a
#: sliver between two near-identical edges, not land. Measured on the LSOA 2021s: the
#: slivers of the dissolves by LAD and by ICB are at most 3.3 cm wide, the narrowest
#: ring of the source 96 cm (a triangle of E01021503).
SLIVER_WIDTH_M = 0.1
_M_PER_DEGREE = np.pi / 180.0 * 6_371_008.8


def _edges(ring_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each edge's first vertex, and of the ring it is in (rings are closed)."""
    n_vertices = int(ring_starts[-1])
    last = np.zeros(n_vertices, dtype=bool)
    last[ring_starts[1:] - 1] = True  # a ring's closing vertex starts no edge
    first = np.flatnonzero(~last)
    ring = np.searchsorted(ring_starts, first, side="right") - 1
    return first, ring


def ring_areas(x: np.ndarray, y: np.ndarray, ring_starts: np.ndarray) -> np.ndarray:
    """Signed shoelace area of each ring (positive anticlockwise), in x × y units;
    coordinates taken from each ring's first vertex, for precision."""
    first, ring = _edges(ring_starts)
    x0, y0 = x[ring_starts[:-1]][ring], y[ring_starts[:-1]][ring]
    xa, ya, xb, yb = x[first] - x0, y[first] - y0, x[first + 1] - x0, y[first + 1] - y0
    return np.bincount(ring, weights=xa * yb - xb * ya, minlength=len(ring_starts) - 1) / 2


def area_centroids(
    x: np.ndarray, y: np.ndarray, ring_starts: np.ndarray, ring_area: np.ndarray, n_areas: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area-weighted centroid (cx, cy) and signed area of each area: the shoelace sums
    over all of its rings, holes (clockwise) subtracting. Coordinates are taken from
    each area's first vertex for precision."""
    first, ring = _edges(ring_starts)
    area = ring_area[ring]
    origin = ring_starts[np.searchsorted(ring_area, np.arange(n_areas))]
    x0, y0 = x[origin][area], y[origin][area]
    xa, ya, xb, yb = x[first] - x0, y[first] - y0, x[first + 1] - x0, y[first + 1] - y0
    cross = xa * yb - xb * ya
    twice = np.bincount(area, weights=cross, minlength=n_areas)
    cx = np.bincount(area, weights=(xa + xb) * cross, minlength=n_areas) / (3 * twice)
    cy = np.bincount(area, weights=(ya + yb) * cross, minlength=n_areas) / (3 * twice)
    return cx + x[origin], cy + y[origin], twice / 2


def _cycles(successors: dict[int, list[int]], x: list[int], y: list[int]) -> list[list[int]]:
    """Split a balanced directed graph into simple closed walks (each vertex once, the
    first repeated at the end), following the outside of the region.

    Where a vertex has more than one way out (a T-junction, two rings touching), the
    walk takes the sharpest right turn: with the inside on the left, that keeps to the
    outline and leaves a sliver to close on its own. Walks start where there is only
    one way out, so that the first step is no guess. A ring touching itself at a vertex
    becomes two rings."""
    cycles = []
    starts = sorted(successors, key=lambda v: len(successors[v]))  # one way out first
    for start in starts:
        while start in successors:
            path, where = [start], {start: 0}
            while True:
                here = path[-1]
                outs = successors.get(here)
                if not outs:
                    raise ValueError("the remaining edges do not close into rings")
                k = (
                    _rightmost(path[-2], here, outs, x, y)
                    if len(outs) > 1 and len(path) > 1
                    else -1
                )
                nxt = outs.pop(k)
                if not outs:
                    del successors[here]
                if nxt not in where:
                    where[nxt] = len(path)
                    path.append(nxt)
                    continue
                i = where[nxt]
                cycles.append([*path[i:], nxt])
                for vertex in path[i + 1 :]:
                    del where[vertex]
                del path[i + 1 :]
                if i == 0:
                    break  # back at the start: begin again where there is one way out
    return cycles


def _rightmost(before: int, here: int, outs: list[int], x: list[int], y: list[int]) -> int:
    """Index in ``outs`` of the sharpest right turn after the step before -> here (a
    U-turn last). Micro-degrees as they are: stretching an axis keeps the order of
    directions around a point, so the choice is the same as on the ground."""
    dx, dy = x[here] - x[before], y[here] - y[before]
    turns = [
        math.atan2(dx * (y[w] - y[here]) - dy * (x[w] - x[here]),
                   dx * (x[w] - x[here]) + dy * (y[w] - y[here]))
        for w in outs
    ]  # fmt: skip
    turns = [t if t > -math.pi else math.pi for t in turns]  # a U-turn is no right turn
    return turns.index(min(turns))


def dissolve(
    lon_e6: np.ndarray,
    lat_e6: np.ndarray,
    ring_starts: np.ndarray,
    ring_group: np.ndarray,
    n_groups: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Dissolve rings (integer micro-degrees, outer rings anticlockwise) into the
    outline of each group: returns lon_e6, lat_e6, ring_starts, ring_group of the
    outlines (rings grouped in group order) and the number of slivers dropped."""
    first, ring = _edges(ring_starts)
    group = ring_group[ring]
    keys = lon_e6.astype(np.int64) * (1 << 32) + (lat_e6.astype(np.int64) + (1 << 31))
    vertex_keys, vertex = np.unique(keys, return_inverse=True)
    a, b = vertex[first], vertex[first + 1]
    n = len(vertex_keys)
    # One key an undirected edge within its group; +1 one way, -1 the other.
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    undirected = (group.astype(np.int64) * n + lo) * n + hi
    way = np.where(a < b, 1, -1)
    codes, inverse = np.unique(undirected, return_inverse=True)
    net = np.bincount(inverse, weights=way, minlength=len(codes)).astype(np.int64)
    if np.any(np.abs(net) > 1):
        raise ValueError("an edge runs the same way twice in a group: overlapping areas")
    keep = net[inverse] == way  # the edge's way is the one left over
    v_lon = (vertex_keys >> 32).astype(np.int64)
    v_lat = (vertex_keys & ((1 << 32) - 1)).astype(np.int64) - (1 << 31)

    xs, ys = v_lon.tolist(), v_lat.tolist()
    out_vertices: list[np.ndarray] = []
    out_groups: list[int] = []
    slivers = 0
    kept_group, kept_a, kept_b = group[keep], a[keep], b[keep]
    order = np.argsort(kept_group, kind="stable")
    bounds = np.searchsorted(kept_group[order], np.arange(n_groups + 1))
    for g in range(n_groups):
        successors: dict[int, list[int]] = {}
        for i in order[bounds[g] : bounds[g + 1]]:
            successors.setdefault(int(kept_a[i]), []).append(int(kept_b[i]))
        for cycle in _cycles(successors, xs, ys):
            ids = np.asarray(cycle, dtype=np.int64)
            if _mean_width_m(v_lon[ids], v_lat[ids]) < SLIVER_WIDTH_M:
                slivers += 1
                continue
            out_vertices.append(ids)
            out_groups.append(g)
    ids = np.concatenate(out_vertices) if out_vertices else np.zeros(0, dtype=np.int64)
    lengths = np.array([len(v) for v in out_vertices], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return v_lon[ids], v_lat[ids], starts, np.asarray(out_groups, dtype=np.int64), slivers


def _mean_width_m(lon_e6: np.ndarray, lat_e6: np.ndarray) -> float:
    """2 × area ÷ perimeter of one closed ring, in metres (local equirectangular)."""
    scale = _M_PER_DEGREE / 1e6
    x = (lon_e6 - lon_e6[0]) * scale * np.cos(np.radians(lat_e6[0] / 1e6))
    y = (lat_e6 - lat_e6[0]) * scale
    area = abs(float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))) / 2
    perimeter = float(np.hypot(np.diff(x), np.diff(y)).sum())
    return 2 * area / perimeter if perimeter > 0 else 0.0
