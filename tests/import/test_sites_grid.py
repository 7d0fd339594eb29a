"""Sites placed by OS National Grid easting and northing, by GIS X and Y columns, and by
degrees written as people write them (issue 14: the variety of site lists).

The conversion is checked against the Ordnance Survey's own worked example (its guide
"A guide to coordinate systems in Great Britain", Annex C: E 651409.903, N 313177.270 is
52°39′27.2531″ N, 1°43′4.5177″ E on OSGB36) through formulas written out here from
that guide: the inverse transverse Mercator on Airy 1830, then the OS Helmert
transformation (EPSG:1314's published parameters) to WGS 84."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from commit_helpers import population_csv
from sqlalchemy.engine import Engine

from rehabdash.ingest import ImportFileError, import_file, prepare_file
from rehabdash.ingest.national_grid import grid_to_wgs84
from rehabdash.ingest.prepared import PreparedImport
from rehabdash.queries.areas import live_sites

#: The OS worked example (Caister water tower).
EXAMPLE_EN = (651409.903, 313177.270)
EXAMPLE_OSGB36 = (52 + 39 / 60 + 27.2531 / 3600, 1 + 43 / 60 + 4.5177 / 3600)


def _osgb36_latlon(east: float, north: float) -> tuple[float, float]:
    """Inverse transverse Mercator, National Grid on Airy 1830 (OS guide C.2)."""
    a, b, f0 = 6377563.396, 6356256.909, 0.9996012717
    phi0, lam0, e0, n0 = math.radians(49), math.radians(-2), 400000.0, -100000.0
    e2 = (a * a - b * b) / (a * a)
    n = (a - b) / (a + b)

    def meridian(phi: float) -> float:
        d, s = phi - phi0, phi + phi0
        return (
            b
            * f0
            * (
                (1 + n + 5 / 4 * n**2 + 5 / 4 * n**3) * d
                - (3 * n + 3 * n**2 + 21 / 8 * n**3) * math.sin(d) * math.cos(s)
                + (15 / 8 * n**2 + 15 / 8 * n**3) * math.sin(2 * d) * math.cos(2 * s)
                - 35 / 24 * n**3 * math.sin(3 * d) * math.cos(3 * s)
            )
        )

    phi = (north - n0) / (a * f0) + phi0
    while abs(north - n0 - meridian(phi)) >= 1e-5:
        phi += (north - n0 - meridian(phi)) / (a * f0)
    sin, tan, sec = math.sin(phi), math.tan(phi), 1 / math.cos(phi)
    nu = a * f0 / math.sqrt(1 - e2 * sin**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * sin**2) ** 1.5
    eta2 = nu / rho - 1
    vii = tan / (2 * rho * nu)
    viii = tan / (24 * rho * nu**3) * (5 + 3 * tan**2 + eta2 - 9 * tan**2 * eta2)
    ix = tan / (720 * rho * nu**5) * (61 + 90 * tan**2 + 45 * tan**4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * tan**2)
    xii = sec / (120 * nu**5) * (5 + 28 * tan**2 + 24 * tan**4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * tan**2 + 1320 * tan**4 + 720 * tan**6)
    de = east - e0
    lat = phi - vii * de**2 + viii * de**4 - ix * de**6
    lon = lam0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return math.degrees(lat), math.degrees(lon)


def _osgb36_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Airy 1830 geodetic -> cartesian -> OS Helmert (position vector: tx 446.448,
    ty -125.157, tz 542.060 m, rx 0.1502, ry 0.2470, rz 0.8421 arc-seconds, scale
    -20.4894 ppm) -> WGS 84 geodetic, by iteration."""
    a, b = 6377563.396, 6356256.909
    e2 = 1 - (b / a) ** 2
    phi, lam = math.radians(lat), math.radians(lon)
    nu = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    xyz = np.array(
        [
            nu * math.cos(phi) * math.cos(lam),
            nu * math.cos(phi) * math.sin(lam),
            (1 - e2) * nu * math.sin(phi),
        ]
    )
    arcsec = math.pi / 180 / 3600
    rx, ry, rz = 0.1502 * arcsec, 0.2470 * arcsec, 0.8421 * arcsec
    rotate = np.array([[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]])
    x, y, z = np.array([446.448, -125.157, 542.060]) + (1 - 20.4894e-6) * rotate @ xyz
    a84, b84 = 6378137.0, 6356752.314245
    e84 = 1 - (b84 / a84) ** 2
    p = math.hypot(x, y)
    phi = math.atan2(z, p * (1 - e84))
    for _ in range(10):
        nu = a84 / math.sqrt(1 - e84 * math.sin(phi) ** 2)
        phi = math.atan2(z + e84 * nu * math.sin(phi), p)
    return math.degrees(phi), math.degrees(math.atan2(y, x))


def _metres_apart(one: tuple[float, float], two: tuple[float, float]) -> float:
    dlat = math.radians(one[0] - two[0]) * 6371000
    dlon = math.radians(one[1] - two[1]) * 6371000 * math.cos(math.radians(one[0]))
    return math.hypot(dlat, dlon)


def test_the_written_out_formulas_give_the_os_worked_example() -> None:
    lat, lon = _osgb36_latlon(*EXAMPLE_EN)
    assert lat == pytest.approx(EXAMPLE_OSGB36[0], abs=1e-8)  # 0.1 mm or so
    assert lon == pytest.approx(EXAMPLE_OSGB36[1], abs=1e-8)


@pytest.mark.parametrize(
    "east_north",
    [EXAMPLE_EN, (429900.0, 433600.0), (182500.0, 44800.0), (530000.0, 180000.0)],
    ids=["caister", "leeds", "truro", "london"],
)
def test_grid_to_wgs84_matches_the_os_helmert_worked_here(
    east_north: tuple[float, float],
) -> None:
    lat, lon = grid_to_wgs84(np.array([east_north[0]]), np.array([east_north[1]]))
    expected = _osgb36_to_wgs84(*_osgb36_latlon(*east_north))
    # Both apply the OS Helmert: they agree to well under a metre (a site's placing).
    assert _metres_apart((float(lat[0]), float(lon[0])), expected) < 0.5
    # and the datum shift itself is some tens of metres to over 100 m: not a no-op.
    assert _metres_apart(expected, _osgb36_latlon(*east_north)) > 20


def test_off_the_grid_and_missing_give_no_place() -> None:
    lat, lon = grid_to_wgs84(np.array([-5.0, 800_000.0, np.nan]), np.array([100.0, 1.0, 1.0]))
    assert np.isnan(lat).all()
    assert np.isnan(lon).all()


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _prepared(engine: Engine, path: Path) -> PreparedImport:
    prepared = prepare_file(engine, path, "sites")
    assert isinstance(prepared, PreparedImport)
    return prepared


def test_sites_by_easting_and_northing_are_stored_in_degrees(
    engine: Engine, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "estates.csv",
        "Site name,Type,Easting (OSGB36),Northing (OSGB36)\n"
        "Leeds hub,hub,429900,433600\n"
        'Bradford clinic,clinic,"416,400","433,000"\n',
    )
    result = import_file(engine, path, "sites")
    assert (result.rows_accepted, result.rows_rejected) == (2, 0)
    assert any("2 row(s) placed by easting and northing" in n for n in result.notes)
    assert any("OSGB36 to WGS 84" in n for n in result.notes)
    sites = {r["name"]: r for r in live_sites(engine).iter_rows(named=True)}
    for name, east_north in (
        ("Leeds hub", (429900, 433600)),
        ("Bradford clinic", (416400, 433000)),
    ):
        expected = _osgb36_to_wgs84(*_osgb36_latlon(*east_north))
        got = (sites[name]["latitude"], sites[name]["longitude"])
        assert _metres_apart(got, expected) < 0.5


def test_bad_grid_references_are_rejected_with_row_column_and_reason(
    engine: Engine, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path / "sites.csv",
        "Site,Easting,Northing\n"
        "Good,429900,433600\n"  # row 2
        "Swapped,44800,182500\n"  # 3: Truro's, the other way round (in the sea west of it)
        "Words,four hundred,433600\n"  # 4
        "Half,429900,\n"  # 5
        "Edinburgh,325000,673000\n"  # 6: on the grid, in Scotland
        "Off,900000,433600\n",  # 7: off the grid
    )
    prepared = _prepared(engine, path)
    failures = {
        r["source_row"]: (r["column"], r["rule"], r["message"])
        for r in prepared.failures.iter_rows(named=True)
    }
    assert failures == {
        3: (
            "Easting",
            "grid_swapped",
            "easting and northing look swapped (easting 44800, northing 182500)",
        ),
        4: ("Easting", "easting_not_a_number", "easting four hundred is not a number (metres)"),
        5: ("Easting", "grid_incomplete", "easting and northing must be given together"),
        6: (
            "Easting",
            "grid_outside_england",
            "easting 325000, northing 673000 is not in England (National Grid metres)",
        ),
        7: (
            "Easting",
            "grid_outside_england",
            "easting 900000, northing 433600 is not in England (National Grid metres)",
        ),
    }
    assert prepared.rows["name"].to_list() == ["Good"]


def test_gis_x_and_y_columns_in_degrees_or_metres(engine: Engine, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "qgis.csv",
        "name,xcoord,ycoord\nIn degrees,-1.5491,53.8008\nIn metres,429900,433600\n",
    )
    prepared = _prepared(engine, path)
    rows = {r["name"]: r for r in prepared.rows.iter_rows(named=True)}
    assert (rows["In degrees"]["latitude"], rows["In degrees"]["longitude"]) == (53.8008, -1.5491)
    metres = (rows["In metres"]["latitude"], rows["In metres"]["longitude"])
    assert _metres_apart(metres, _osgb36_to_wgs84(*_osgb36_latlon(429900, 433600))) < 0.5


def test_degrees_as_people_write_them(engine: Engine, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "sites.csv",
        "Site,Latitude,Longitude\n"
        'Comma,"53,8008","-1,5491"\n'
        "Letters,53.8008 N,1.5491 W\n"
        "Signs,53.8008°,-1.5491°\n"
        "East,52.63 N,1.29 E\n"
        "Minus,53.8008,\u22121.5491\n"
        "Minutes,53°48′N,1°33′ W\n"
        "Seconds,53°48'03\"N,1°32'57\"W\n",
    )
    prepared = _prepared(engine, path)
    got = {r["name"]: (r["latitude"], r["longitude"]) for r in prepared.rows.iter_rows(named=True)}
    assert got == {
        "Comma": (53.8008, -1.5491),
        "Letters": (53.8008, -1.5491),
        "Signs": (53.8008, -1.5491),
        "East": (52.63, 1.29),
        "Minus": (53.8008, -1.5491),
        "Minutes": (53.8, -1.55),
        "Seconds": (
            pytest.approx(53 + 48 / 60 + 3 / 3600),
            pytest.approx(-(1 + 32 / 60 + 57 / 3600)),
        ),
    }


def test_one_of_easting_and_northing_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = _csv(tmp_path / "sites.csv", "Site,Easting\nLeeds hub,429900\n")
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, path, "sites")
    assert "sites.csv" in str(caught.value)
    assert "an easting column but no northing column" in str(caught.value)
    assert live_sites(engine).height == 0


def test_a_site_placed_by_degrees_moved_to_an_lsoa_is_a_revision(
    engine: Engine, tmp_path: Path
) -> None:
    from rehabdash.ingest.overlaps import RevisedRowsError

    first = _csv(tmp_path / "v1.csv", "Site,Latitude,Longitude\nLeeds hub,53.80,-1.55\n")
    assert import_file(engine, first, "sites").rows_accepted == 1  # no site has an LSOA
    moved = _csv(tmp_path / "v2.csv", "Site,LSOA code\nLeeds hub,E01011229\n")
    with pytest.raises(RevisedRowsError, match="'Leeds hub' \\(site\\): LSOA E01011229 here"):
        import_file(engine, moved, "sites")
    assert live_sites(engine)["latitude"].to_list() == [53.80]


def test_a_site_far_from_everyone_in_the_store_is_warned_of(engine: Engine, tmp_path: Path) -> None:
    leeds = ["E01011229", "E01011230", "E01011231"]
    population = population_csv(tmp_path / "pop.csv", leeds)
    assert import_file(engine, population, "population").rows_accepted == 3 * 19
    path = _csv(
        tmp_path / "sites.csv",
        "Site,LSOA code,Latitude,Longitude\n"
        "Leeds hub,E01011230,,\n"
        "York clinic,,53.96,-1.08\n"  # about 35 km from these Leeds LSOAs
        "London clinic,,51.5074,-0.1278\n",
    )
    notes = _prepared(engine, path).notes
    warned = [n for n in notes if n.startswith("warning")]
    assert len(warned) == 1
    assert warned[0].startswith(
        "warning: 2 site(s) are more than 20 km from every LSOA of the store's population "
        "(e.g. 'London clinic', 2"
    )
