"""An area map's numbers, Qt-free: each area's observed ÷ expected ratio, interval,
class (rehabdash.palette.ratio_class) and hover text, one row an area in the map's
order. The map colours from the ``class`` column and its table view shows these rows;
the workbook can colour the same classes from the same function.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from rehabdash.palette import RATIO_NO_DATA, ratio_class, ratio_class_label

__all__ = ["VALUE_COLUMNS", "area_values"]

#: The columns a caller gives (lower, upper and text may be missing or null).
VALUE_COLUMNS = ("code", "value", "lower", "upper", "text")


def area_values(
    codes: Sequence[str], names: Sequence[str], frame: pl.DataFrame
) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` (code, value, lower, upper, text) lined up on the map's areas.

    Returns one row an area of ``codes``, in that order: code, name, value, lower,
    upper (Float64), class (Int8, ratio_class), class_label, text (the caller's; for an
    area without one "<name> (<code>): <class label>"); and the codes of ``frame`` that
    are not among ``codes``, sorted. A code twice in ``frame`` is a ValueError.
    """
    if "code" not in frame.columns or "value" not in frame.columns:
        raise ValueError("the values need columns code and value")
    if frame["code"].is_duplicated().any():
        raise ValueError("an area has two values")

    def column(name: str, dtype: type[pl.DataType]) -> pl.Expr:
        if name in frame.columns:
            return pl.col(name).cast(dtype)
        return pl.lit(None, dtype).alias(name)

    given = frame.select(
        column("code", pl.String),
        *(column(c, pl.Float64) for c in ("value", "lower", "upper")),
        column("text", pl.String),
    )
    areas = pl.DataFrame(
        {"code": list(codes), "name": list(names)}, schema={"code": pl.String, "name": pl.String}
    )
    table = areas.join(given, on="code", how="left", maintain_order="left")
    classes = pl.Series(
        "class",
        ratio_class(
            table["value"].to_numpy(), table["lower"].to_numpy(), table["upper"].to_numpy()
        ),
        dtype=pl.Int8,
    )
    words = {k: ratio_class_label(k) for k in range(RATIO_NO_DATA + 1)}
    table = table.with_columns(
        classes, classes.replace_strict(words, return_dtype=pl.String).alias("class_label")
    ).with_columns(pl.coalesce("text", pl.format("{} ({}): {}", "name", "code", "class_label")))
    unmatched = sorted(set(given["code"].to_list()) - set(codes))
    return (
        table.select("code", "name", "value", "lower", "upper", "class", "class_label", "text"),
        unmatched,
    )
