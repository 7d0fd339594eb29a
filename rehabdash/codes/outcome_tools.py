"""Outcome measures the data plan recognises, with their minimal clinically important
difference (MCID); DESIGN 4.1 (outcome_tool, outcome_start, outcome_end) and 6.

Why this module exists: "improved" means a change of at least the tool's MCID, and a
mean change only makes sense within one tool, so the plan must know which tool each
referral's scores come from. Extracts name tools loosely ("MSK-HQ", "mskhq", "MSK HQ
score", "EQ-5D-5L", "EQ5D", "EQ-5D-5L index"), so a name is matched on its letters and
digits alone (case, spaces and punctuation dropped) against one pattern per tool. A
name that matches no tool is an *unknown* tool: its scores are still summarised, under
its own key, but it has no MCID and no known direction, so "% improving" is not
available for it.

The tools and their MCIDs:

* **MSK-HQ** (Musculoskeletal Health Questionnaire, 0-56 points, higher is better): 6
  points, as DESIGN 6 fixes for this app.
* **EQ-5D-5L index** (utility, full health = 1, higher is better): 0.063, the mean
  instrument-defined minimally important difference for the English EQ-5D-5L value set
  in McClure NS, Sayah FA, Xie F, Luo N, Johnson JA. Instrument-defined estimates of
  the minimally important difference for EQ-5D-5L index scores. *Value in Health*
  2017;20(4):644-650, doi:10.1016/j.jval.2016.11.015 (the average change in the
  index for a one-level move on one dimension). Where a service reports the index
  through the crosswalk to the UK EQ-5D-3L value set instead, the comparable
  instrument-defined figure is larger (0.082 for the UK 3L algorithm: Luo N, Johnson
  JA, Coons SJ. *Med Care* 2010;48(4):365-371); the app does not know which value set
  an extract used, and says so in the indicator's caveats.

An improvement by at least the MCID is ``change >= MCID`` for a tool where higher is
better; the change is rounded to :data:`CHANGE_DECIMALS` places first, so that 0.700 -
0.637 (0.06299999… in binary floating point) counts as the 0.063 it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

__all__ = [
    "CHANGE_DECIMALS",
    "EQ5D5L",
    "MSK_HQ",
    "TOOLS",
    "OutcomeTool",
    "compact_name",
    "compact_name_expr",
    "improved_expr",
    "tool",
    "tool_key",
    "tool_key_expr",
]

#: Decimal places a change is rounded to before it is compared with the MCID.
CHANGE_DECIMALS = 6
#: Longest key made for an unknown tool (its compact name, cut).
_MAX_KEY = 32


@dataclass(frozen=True)
class OutcomeTool:
    """A recognised outcome measure: names matching ``pattern`` (on the compact name)."""

    key: str  # used in metric keys: "outcome_change_<key>"
    title: str  # as a rehab lead knows it
    pattern: str  # regular expression on the compact name (lower-case letters and digits)
    mcid: float | None  # minimal clinically important difference, in the tool's units
    higher_is_better: bool | None  # None: direction not known
    unit: str  # "points", "index"
    scale: str  # for captions: "0-56 points, higher is better"
    source: str  # where the MCID comes from


MSK_HQ = OutcomeTool(
    key="msk_hq",
    title="MSK-HQ",
    pattern=r"^(the)?(msk|musculoskeletal)(hq|healthquestionnaire)(score|total)?$",
    mcid=6.0,
    higher_is_better=True,
    unit="points",
    scale="0-56 points, higher is better",
    source="MCID 6 points (Price et al., BMJ Open 2019;9:e025357: 5 to 6 points)",
)
EQ5D5L = OutcomeTool(
    key="eq5d5l",
    title="EQ-5D-5L index",
    pattern=r"^(euroqol)?eq5d(5l)?(index|indexvalue|indexscore|utility|score)?$",
    mcid=0.063,
    higher_is_better=True,
    unit="index",
    scale="index value, 1 = full health, higher is better",
    source="MCID 0.063, English value set (McClure et al., Value Health 2017;20:644-650)",
)
#: Every recognised tool, in the order the plan lists them.
TOOLS: tuple[OutcomeTool, ...] = (MSK_HQ, EQ5D5L)
_BY_KEY = {t.key: t for t in TOOLS}


def compact_name(name: str) -> str:
    """A tool name as it is matched: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def compact_name_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`compact_name` of a column (null stays null; a name of no letters is null)."""
    text = expr.cast(pl.Utf8).str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "")
    return pl.when(text == "").then(None).otherwise(text)


def tool_key(name: str | None) -> str | None:
    """The key of the tool ``name`` means: a recognised tool's key, else the compact name
    (cut to 32 characters) of an unknown tool; None for a blank name."""
    if name is None:
        return None
    text = compact_name(name)
    if not text:
        return None
    for known in TOOLS:
        if re.fullmatch(known.pattern, text):
            return known.key
    return text[:_MAX_KEY]


def tool_key_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`tool_key` of a column, as one vectorised expression."""
    text = compact_name_expr(expr)
    matches = [pl.when(text.str.contains(t.pattern)).then(pl.lit(t.key)) for t in TOOLS]
    return pl.coalesce(*matches, text.str.slice(0, _MAX_KEY))


def tool(key: str) -> OutcomeTool | None:
    """The recognised tool of ``key`` (from :func:`tool_key`); None for an unknown tool."""
    return _BY_KEY.get(key)


def improved_expr(change: pl.Expr, key: pl.Expr) -> pl.Expr:
    """Whether each change (end - start) is an improvement of at least the MCID of the
    tool in ``key``; null where the tool has no MCID or direction, or no change."""
    rounded = change.round(CHANGE_DECIMALS)
    checks = [
        pl.when(key == t.key).then(rounded >= t.mcid if t.higher_is_better else rounded <= -t.mcid)
        for t in TOOLS
        if t.mcid is not None and t.higher_is_better is not None
    ]
    return pl.coalesce(*checks, pl.lit(None, pl.Boolean))
