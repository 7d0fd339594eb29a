"""The kinds of file an import takes, in a light module (the command line reads it at start)."""

from __future__ import annotations

__all__ = ["AREA_TYPES", "IMPORT_KINDS", "area_type_named"]

IMPORT_KINDS = ("activity", "population", "imd", "need", "postcodes", "areas", "sites")
#: What an ``areas`` file groups LSOAs into (issue 14); the first is the default.
AREA_TYPES = ("neighbourhood", "locality", "hub catchment")
_ALIASES = {
    "neighbourhoods": "neighbourhood",
    "neighborhood": "neighbourhood",
    "neighborhoods": "neighbourhood",
    "localities": "locality",
    "hub": "hub catchment",
    "hubs": "hub catchment",
    "catchment": "hub catchment",
    "hub catchments": "hub catchment",
}


def area_type_named(text: str) -> str:
    """The area type ``text`` names ("Hub-catchment", "hub_catchment" -> "hub catchment");
    ValueError (a one-line message) when it names none."""
    wanted = " ".join(text.replace("-", " ").replace("_", " ").lower().split())
    wanted = _ALIASES.get(wanted, wanted)
    if wanted not in AREA_TYPES:
        raise ValueError(f"area type {text!r} is not one of: {', '.join(AREA_TYPES)}")
    return wanted
