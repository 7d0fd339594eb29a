"""The European Standard Population 2013, shipped with rehabdash.

Why this module exists: directly standardised rates (DESIGN 7.4) weight each
age band by a standard population; Fingertips uses the European Standard
Population 2013 (19 five-year bands, 0-4 … 90+, total 100,000). The table is
shipped as ``resources/esp2013.csv`` (installed as package data of
``rehabdash.resources``) so the app works offline.
"""

from __future__ import annotations

from importlib.resources import files

import polars as pl

from rehabdash.codes.age import AGE_BANDS

__all__ = ["ESP2013_BANDS", "esp2013", "normalise_band_label"]

#: ESP 2013 band labels, youngest first: the app's one set of age bands.
ESP2013_BANDS: tuple[str, ...] = AGE_BANDS


def esp2013() -> pl.DataFrame:
    """European Standard Population 2013 as ``age_band, esp2013_population``.

    Source: Eurostat, *Revision of the European Standard Population: report of
    Eurostat's task force* (2013 edition), Luxembourg: Publications Office of
    the European Union. Reproduced with acknowledgement of the source
    (Eurostat); not Open Government Licence material.
    """
    resource = files("rehabdash.resources") / "esp2013.csv"
    with resource.open("rb") as handle:
        table = pl.read_csv(
            handle.read(),
            schema_overrides={"age_band": pl.String, "esp2013_population": pl.Float64},
        )
    return table.select("age_band", "esp2013_population")


def normalise_band_label(label: pl.Expr) -> pl.Expr:
    """Tidy an age-band label for matching: trim spaces, en dashes to hyphens."""
    return (
        label.cast(pl.String)
        .str.strip_chars()
        .str.replace_all("–", "-", literal=True)
        .str.replace_all(" ", "", literal=True)
    )
