"""WHO HEAT measures against DESIGN 7.6 written out with plain numpy."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from rehabdash.stats import heat

Y = np.array([20.0, 25, 30, 32, 40])
POP = np.array([100.0, 200, 200, 300, 200])
SE = np.array([1.0, 1, 1, 2, 2])


def measures(df: pl.DataFrame) -> dict[str, dict[str, float]]:
    return {r["measure"]: r for r in df.iter_rows(named=True)}


def test_ordered_dimension() -> None:
    df = pl.DataFrame(
        {
            "imd": [3, 1, 5, 2, 4],
            "y": Y[[2, 0, 4, 1, 3]],
            "pop": POP[[2, 0, 4, 1, 3]],
            "se": SE[[2, 0, 4, 1, 3]],
        }
    )
    got = measures(heat(df, "imd", "y", "pop", "se", ordered=True))
    assert list(got) == ["d", "r", "par", "paf", "aci", "rci", "sii", "rii"]
    w = POP / POP.sum()
    mu = (w * Y).sum()
    x = np.cumsum(w) - w / 2
    assert got["d"]["estimate"] == pytest.approx(40 - 20)
    assert got["d"]["lower"] == pytest.approx(20 - 1.959963984540054 * np.sqrt(5), rel=1e-9)
    assert got["r"]["estimate"] == pytest.approx(2.0)
    se_log = np.sqrt((2 / 40) ** 2 + (1 / 20) ** 2)
    assert got["r"]["upper"] == pytest.approx(2 * np.exp(1.959963984540054 * se_log), rel=1e-9)
    assert got["par"]["estimate"] == pytest.approx(40 - mu)
    assert got["paf"]["estimate"] == pytest.approx(100 * (40 - mu) / mu)
    aci = (w * (2 * x - 1) * Y).sum()
    assert got["aci"]["estimate"] == pytest.approx(aci)
    assert got["rci"]["estimate"] == pytest.approx(aci / mu)
    slope, icpt = np.polyfit(x, Y, 1, w=np.sqrt(w))
    assert got["sii"]["estimate"] == pytest.approx(slope)
    assert got["rii"]["estimate"] == pytest.approx((icpt + slope) / icpt)
    assert got["aci"]["lower"] is None  # no analytic interval


def test_adverse_ordered_reverses_d_and_clamps_par() -> None:
    df = pl.DataFrame({"imd": [1, 2, 3, 4, 5], "y": Y, "pop": POP})
    got = measures(heat(df, "imd", "y", "pop", ordered="imd", favourable=False))
    assert got["d"]["estimate"] == pytest.approx(20 - 40)
    assert got["par"]["estimate"] == 0.0  # the advantaged group is worse than the mean


def test_unordered_dimension_with_reference_group() -> None:
    y, pop = np.array([10.0, 20, 30]), np.array([1.0, 1, 2])
    df = pl.DataFrame({"g": ["x"] * 3, "eth": ["A", "B", "C"], "y": y, "pop": pop})
    got = measures(heat(df, "eth", "y", "pop", group_by="g", reference_group="B"))
    w = pop / pop.sum()
    mu = (w * y).sum()
    r = y / mu
    expected = {
        "d": 20 - 10,
        "r": 2.0,
        "par": 30 - mu,
        "paf": 100 * (30 - mu) / mu,
        "bgv": (w * (y - mu) ** 2).sum(),
        "bgsd": np.sqrt((w * (y - mu) ** 2).sum()),
        "cov": 100 * np.sqrt((w * (y - mu) ** 2).sum()) / mu,
        "mdmu": np.abs(y - mu).mean(),
        "mdmw": (w * np.abs(y - mu)).sum(),
        "mdbu": np.abs(y - 30).mean(),
        "mdbw": (w * np.abs(y - 30)).sum(),
        "mdru": np.abs(y - 20).mean(),
        "mdrw": (w * np.abs(y - 20)).sum(),
        "idisu": 100 * np.abs(y - mu).mean() / mu,
        "idisw": 100 * (w * np.abs(y - mu)).sum() / mu,
        "ti": 1000 * (w * r * np.log(r)).sum(),
        "mld": 1000 * (w * -np.log(r)).sum(),
    }
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name]["estimate"] == pytest.approx(value, rel=1e-9), name
        assert got[name]["g"] == "x"


def test_unordered_without_reference_has_no_mdr_and_uses_max_min() -> None:
    df = pl.DataFrame({"sex": ["F", "M"], "y": [30.0, 20.0], "pop": [1.0, 1.0]})
    got = measures(heat(df, "sex", "y", "pop"))
    assert "mdru" not in got
    assert "mdrw" not in got
    assert got["d"]["estimate"] == 10
    assert got["r"]["estimate"] == 1.5


def test_missing_reference_group_raises() -> None:
    df = pl.DataFrame({"eth": ["A", "B"], "y": [1.0, 2.0], "pop": [1.0, 1.0]})
    with pytest.raises(ValueError, match="reference group 'Z'"):
        heat(df, "eth", "y", "pop", reference_group="Z")
