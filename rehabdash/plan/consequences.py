"""Section 2 of the data plan: what happens to people once referred (DESIGN 6).

For a breakdown and its "All" row: waits from referral to the first attended contact
(median and 90th centile with distribution-free order-statistic limits, % seen within
18 weeks, the community waiting-list week bands); referrals still waiting at the period
end (how many, how long so far); did-not-attend (DNA) and cancellation rates per booked
contact; referrals discharged without being seen; outcome change per tool (mean with a
Student's t interval) and % improving by at least the tool's MCID. Every interval comes
from :mod:`rehabdash.stats` (quantile, mean, proportion with Wilson score limits).

Choices, for the methods sheet:

* **Who is in which group.** A referral takes its person's level, as section 1 counts
  people: the characteristics of the person's latest referral in the period
  (``scope.people``), so a person is in the same group in every section. A referral of
  someone not referred in the period (open at its start) takes its own characteristics.
* **Cohorts.** Everything but the waiting list is about referrals received in the
  period: waits (a first contact date is needed; one dated before the referral is left
  out, with a note), contacts, and discharges by the period end (not rejected by then;
  outcomes need both scores). The waiting list is a snapshot at the period end:
  referrals received by then, not rejected, not discharged and not seen by then (a
  first contact after the end still waited; attended contacts with no first contact
  date count as seen, when is not known).
* **Week bands** are NHS England's Community Health Services waiting-list bands: 0-1
  weeks is 0-7 days, 1-2 weeks 8-14, 2-4 weeks 15-28, 4-12 weeks 29-84, 12-18 weeks
  85-126, 18-52 weeks 127-364, 52+ weeks 365 days or more (the publication's "over 365
  days" leaves day 365 in no band; here it is in 52+). "Within 18 weeks" is a wait of
  at most 126 days: the first five bands. A band's value is its % of the waits (or of
  the waiting list), its count the numerator.
* **Flags.** A level with nobody to summarise has ``[z]`` for rates, means and centiles
  and a true 0 for counts. A centile is ``[u]`` while its order-statistic interval
  cannot reach 95% coverage (a limit is then the smallest or largest value): the median
  below 6 values, the 90th centile below 36. A mean of one value (no interval) is
  ``[u]``. Means and centiles are "simple" statistics of ``numerator`` referrals, which
  disclosure control suppresses for 1-7.
* **Outcomes** are per tool, never averaged across tools: ``outcome_change_<tool>`` and
  ``outcome_improved_<tool>`` (tools in :mod:`rehabdash.codes.outcome_tools`). A tool the
  app does not know gets keys of its own (:func:`outcome_metrics`); its "% improving"
  is ``[x]``: no MCID is known for it.

Speed: what this section reads is prepared once per scope (a provider's scope takes its
parent scope's, placed by its own people), as are each characteristic's level codes and
the "All" rows (the same in every breakdown); a breakdown is then one group-by for the
counts and the waits' sorted values (the waits within 18 weeks and in each week band are
read off them by binary search), and a few small steps after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import polars as pl

from rehabdash.codes import outcome_tools as tools
from rehabdash.codes.characteristics import CHARACTERISTICS, Characteristic
from rehabdash.plan.breakdown import Breakdown, as_text, codes_of, level_codes, people_codes
from rehabdash.plan.places import NOT_KNOWN
from rehabdash.plan.result import (
    ALL,
    LOW_RELIABILITY,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    Indicator,
    Metric,
    conform,
)
from rehabdash.plan.scope import (
    CONSEQUENCES_BASE,
    PARENT,
    ROWS,
    Narrowing,
    Scope,
    narrowing,
    people_index,
    person_ids,
)
from rehabdash.stats import mean_aggregates, mean_of_aggregates, proportion
from rehabdash.stats.quantile import binom_ppf, quantiles_of_sorted, sorted_values

__all__ = [
    "CONFIDENCE",
    "METRICS",
    "WAIT_BANDS",
    "WITHIN_DAYS",
    "consequences_by_home",
    "consequences_indicators",
    "outcome_metric",
    "outcome_metrics",
]

#: (key suffix, label, first day, last day or None): NHS England CHS waiting-list bands.
WAIT_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0_1w", "0-1 weeks (0-7 days)", 0, 7),
    ("1_2w", "1-2 weeks (8-14 days)", 8, 14),
    ("2_4w", "2-4 weeks (15-28 days)", 15, 28),
    ("4_12w", "4-12 weeks (29-84 days)", 29, 84),
    ("12_18w", "12-18 weeks (85-126 days)", 85, 126),
    ("18_52w", "18-52 weeks (127-364 days)", 127, 364),
    ("52w_plus", "52+ weeks (365 days or more)", 365, None),
)
WITHIN_DAYS = 126  # 18 weeks
CONFIDENCE = 0.95
_SEEN = "referrals received in the period and seen (first attended contact dated)"
_LIST = "referrals waiting at the period end (accepted, not yet seen, not discharged)"
_BOOKED = "booked contacts (attended + did not attend + cancelled), referrals received"
_GONE = "referrals received in the period and discharged by its end (not rejected)"
_ORDER = "type 7 sample quantile; distribution-free order-statistic limits"
_HEAD = ("breakdown_key", "breakdown", "level_code", "level", "order")
_NEGATIVE = "first contacts dated before the referral are left out"


def _m(key: str, title: str, num: str, method: str, unit: str, kind: str, pol: str) -> Metric:
    return Metric(key, title, num, "", method, unit, "consequences", kind, pol)  # type: ignore[arg-type]


def _pct(key: str, title: str, num: str, den: str, polarity: str = "neither") -> Metric:
    method = "proportion; Wilson score limits"
    return Metric(key, title, num, den, method, "%", "consequences", "ratio", polarity, 100.0, True)  # type: ignore[arg-type]


def _bands(prefix: str, what: str, den: str) -> tuple[Metric, ...]:
    return tuple(
        _pct(f"{prefix}_{s}", f"{what}: {label}", den + ", in the band", den,
             "lower" if first > WITHIN_DAYS else "neither")
        for s, label, first, _ in WAIT_BANDS
    )  # fmt: skip


def outcome_metrics(key: str, title: str) -> tuple[Metric, Metric]:
    """The mean-change and %-improving metrics of one outcome tool (``key`` from
    :func:`rehabdash.codes.outcome_tools.tool_key`; ``title`` as the data names it)."""
    known = tools.tool(key)
    unit = known.unit if known else "points"
    polarity = "higher" if known and known.higher_is_better else "neither"
    scored = f"{_GONE} with a {title} start and end score"
    change = _m(f"outcome_change_{key}", f"Mean change in {title} (end - start)", scored,
                "mean; Student's t limits", unit, "simple", polarity)  # fmt: skip
    by = f"at least the MCID ({known.mcid:g} {unit})" if known and known.mcid else "the MCID"
    improved = _pct(f"outcome_improved_{key}", f"Improved by at least the MCID: {title}",
                    f"referrals whose {title} improved by {by}", scored, polarity)  # fmt: skip
    return change, improved


def outcome_metric(key: str) -> Metric | None:
    """The metric of an ``outcome_change_*`` or ``outcome_improved_*`` key (any tool)."""
    for index, prefix in enumerate(("outcome_change_", "outcome_improved_")):
        if key.startswith(prefix):
            tool = key.removeprefix(prefix)
            known = tools.tool(tool)
            return outcome_metrics(tool, known.title if known else tool)[index]
    return None


METRICS: tuple[Metric, ...] = (
    _m("wait_median", "Median wait from referral to first contact", _SEEN, _ORDER, "days",
       "simple", "lower"),
    _m("wait_p90", "90th centile wait from referral to first contact", _SEEN, _ORDER, "days",
       "simple", "lower"),
    _pct("wait_within_18w", "Seen within 18 weeks (126 days) of referral",
         "referrals seen within 126 days", _SEEN, "higher"),
    *_bands("wait_band", "Wait to first contact", _SEEN),
    _m("waiting_count", "Referrals still waiting at the period end", _LIST, "count",
       "referrals", "count", "neither"),
    _m("waiting_median", "Median time waited so far at the period end", _LIST, _ORDER, "days",
       "simple", "lower"),
    *_bands("waiting_band", "Time waited so far at the period end", _LIST),
    _pct("dna_rate", "Did not attend (DNA) per booked contact", "contacts not attended",
         _BOOKED, "lower"),
    _pct("cancellation_rate", "Cancelled per booked contact",
         "contacts cancelled (by the patient or the provider)", _BOOKED, "lower"),
    _pct("discharged_unseen", "Discharged without being seen",
         "referrals discharged with no attended contact", _GONE, "lower"),
    *(m for t in tools.TOOLS for m in outcome_metrics(t.key, t.title)),
)  # fmt: skip
_BANDED = [f"{p}_band_{s}" for p in ("wait", "waiting") for s, *_ in WAIT_BANDS]
#: Proportions: (metric, numerator column, denominator column, note when nobody).
_RATIOS = [("wait_within_18w", "within", "waits", "nobody seen")] + [
    (key, key, "waits" if key.startswith("wait_") else "waiting",
     "nobody seen" if key.startswith("wait_") else "nobody waiting") for key in _BANDED
] + [("dna_rate", "dna", "booked", "no booked contacts"),
     ("cancellation_rate", "cancelled", "booked", "no booked contacts"),
     ("discharged_unseen", "unseen", "discharged", "nobody discharged")]  # fmt: skip
#: Centiles: metric -> (column, q, note when nobody).
_CENTILES = {
    "wait_median": ("_wait", 0.5, "nobody seen"),
    "wait_p90": ("_wait", 0.9, "nobody seen"),
    "waiting_median": ("_waited", 0.5, "nobody waiting"),
}
_EVERYONE = (ROWS, "consequences", "all")  # the "All" rows, the same in every breakdown
_WAIT_COLUMNS = tuple(dict.fromkeys(c for c, _, _ in _CENTILES.values()))
_CONTACTS = ("booked", "dna", "cancelled")  # counts of contacts; the other values are flags
#: Per tool and level: the mean change's aggregates, and how many improved by the MCID.
_SCORED = [*mean_aggregates("_change"), pl.col("improved").sum()]


@dataclass(frozen=True)
class _Base:
    """What this section reads, prepared once per scope: ``values`` holds the referrals
    of people in ``scope.people`` (their row there in ``person``), then the ``others``."""

    values: pl.DataFrame
    person: pl.Series
    others: pl.DataFrame  # the characteristic columns of the other referrals
    tools: dict[str, str]  # tool key -> its most common name in the data
    negative: int  # referrals in the period whose first contact is dated before them
    rows: pl.Series  # each row of ``values``' row in ``scope.referrals``


def _base(scope: Scope) -> _Base:
    def make() -> _Base:
        parent = scope.cache.pop(PARENT, None)  # (the parent's derivable entries, its rows)
        kept = parent[0].get(CONSEQUENCES_BASE) if isinstance(parent, tuple) else None
        if isinstance(kept, _Base) and isinstance(parent, tuple):
            narrowed = narrowing(scope)
            if narrowed is not None and not narrowed.any_split and narrowed.parent_id == parent[2]:
                return _narrowed_base(scope, kept, parent[1], narrowed)
            return _derived_base(scope, kept, parent[1])
        return _make_base(scope)

    return scope.kept(CONSEQUENCES_BASE, make)


def _tools(scored: pl.DataFrame) -> dict[str, str]:
    """Each tool key's most common name in ``scored`` (_tool, outcome_tool)."""
    named = scored.group_by("_tool").agg(pl.col("outcome_tool").mode().sort().first())
    return {str(k): str(v) for k, v in named.iter_rows()}


def _derived_base(scope: Scope, parent: _Base, within: pl.Series) -> _Base:
    """The base of a scope whose referrals are its parent scope's at ``within`` (the same
    filter but for a provider, say): a referral's values are its own, so the parent's
    are kept, and only placed by this scope's people. Several times quicker than
    :func:`_make_base` (no expression is worked out again). The people are read last, so
    that the rest is done while another thread makes them."""
    inside = within.to_numpy()
    parents = parent.rows.to_numpy()
    here = np.zeros(inside.size, dtype=np.uint32)  # each parent row's row here (if inside)
    kept = np.flatnonzero(inside)
    here[kept] = np.arange(kept.size, dtype=np.uint32)
    picked = inside[parents]
    at = here[parents[picked]]
    rows = pl.Series("rows", at, dtype=pl.UInt32)
    values = parent.values.filter(pl.Series(picked))
    # Whose person is in scope.people: referred in the period (as people_index is not null).
    ids = person_ids(scope).to_numpy()
    referred = np.zeros(int(ids.max(initial=0)) + 1, dtype=bool)
    period = scope.rows.columns(["in_period"])["in_period"]  # (the rest are not copied)
    referred[ids[period.fill_null(False).to_numpy()]] = True
    mine = pl.Series(referred[ids[at]])
    rest = rows.filter(~mine)
    scored = rows.filter(values["_tool"].is_not_null())
    tools = pl.DataFrame(
        [values["_tool"].drop_nulls(), scope.rows.at(["outcome_tool"], scored)["outcome_tool"]]
    )
    return _Base(
        # One chunk a column: a breakdown's steps then read them without aligning chunks.
        values=pl.concat([values.filter(mine), values.filter(~mine)], rechunk=True),
        others=scope.rows.at(parent.others.columns, rest),
        tools=_tools(tools),
        negative=int(values["negative"].sum()),
        rows=pl.concat([rows.filter(mine), rest]),
        person=people_index(scope).gather(rows.filter(mine)),
    )


def _narrowed_base(scope: Scope, parent: _Base, within: pl.Series, narrowed: Narrowing) -> _Base:
    """:func:`_derived_base` when every person's rows are all in the scope or none is (and
    the parent's people are the parent's base's): a referral is then a person's here
    when it was there, so the parent's values, already in that order, are filtered, and
    each referral's person is placed by the parent's (the people are not waited for)."""
    inside = within.to_numpy()
    parents = parent.rows.to_numpy()
    picked = inside[parents]
    rows = pl.Series("rows", narrowed.position[parents[picked]], dtype=pl.UInt32)
    values = parent.values.filter(pl.Series(picked))
    people = parent.person.len()  # the parent's values of people come first
    mine = picked[:people]
    person = narrowed.people_here[parent.person.to_numpy()[mine]]
    rest = rows.slice(len(person))
    scored = rows.filter(values["_tool"].is_not_null())
    tools = pl.DataFrame(
        [values["_tool"].drop_nulls(), scope.rows.at(["outcome_tool"], scored)["outcome_tool"]]
    )
    return _Base(
        values=values.rechunk(),
        others=scope.rows.at(parent.others.columns, rest),
        tools=_tools(tools),
        negative=int(values["negative"].sum()),
        rows=rows,
        person=pl.Series("_person", person, dtype=pl.UInt32),
    )


def _make_base(scope: Scope) -> _Base:
    end = scope.filter.period.end
    col, period = pl.col, pl.col("in_period")
    accepted = col("rejection_date").is_null() | (col("rejection_date") > end)
    first = col("first_contact_date")
    unseen = (first.is_null() & (col("contacts_attended").fill_null(0) == 0)) | (first > end)
    waiting = accepted & unseen & (col("discharge_date").is_null() | (col("discharge_date") > end))
    gone = period & accepted & (col("discharge_date") <= end).fill_null(False)
    names = scope.referrals["outcome_tool"].drop_nulls().unique().to_list()
    keys = {name: tools.tool_key(name) for name in names}  # a few names, not rows
    tool = col("outcome_tool").replace_strict(keys, default=None, return_dtype=pl.String)
    both = gone & col("outcome_start").is_not_null() & col("outcome_end").is_not_null()
    days = (col("first_contact_date") - col("referral_date")).dt.total_days()
    waited = (pl.lit(end) - col("referral_date")).dt.total_days()
    change = col("outcome_end") - col("outcome_start")
    booked = [col(f"contacts_{c}").fill_null(0) for c in ("attended", "dna", "cancelled")]
    person = people_index(scope)
    rows = scope.referrals.lazy().with_row_index("_row").with_columns(  # one query
        person,
        pl.when(period).then(days).alias("_days"),
        pl.when(waiting).then(waited).alias("_waited"),
        pl.when(period).then(pl.sum_horizontal(booked)).otherwise(0).alias("booked"),
        pl.when(period).then(booked[1]).otherwise(0).alias("dna"),
        pl.when(period).then(booked[2]).otherwise(0).alias("cancelled"),
        gone.alias("discharged"),
        (gone & ~col("seen")).alias("unseen"),
        pl.when(both).then(tool).alias("_tool"),
        pl.when(both & tool.is_not_null()).then(change).alias("_change"),
    ).with_columns(
        pl.when(col("_days") >= 0).then(col("_days")).alias("_wait"),
        (col("_days") < 0).fill_null(False).alias("negative"),
        tools.improved_expr(col("_change"), col("_tool")).fill_null(False).alias("improved"),
    )  # fmt: skip
    # How many waits, within 18 weeks and in each band: read off the sorted waits of each
    # level (_wait_counts), not summed from a flag a referral.
    values = ["_wait", "_waited", "_tool", "_change", "improved", "negative", "booked", "dna",
              "cancelled", "discharged", "unseen"]  # fmt: skip
    # The characteristics, and the homes an area table places referrals by.
    wanted = {c.column for c in CHARACTERISTICS.values()} | {"lsoa", "gp_practice"}
    columns = sorted(wanted & set(scope.referrals.columns))
    # The flags as 0/1 bytes: a breakdown's group-by sums bytes quicker than booleans.
    flags = pl.col(c for c in values if not c.startswith("_") and c not in _CONTACTS)
    narrow = rows.select(*values, "_person", "_row", *columns).with_columns(flags.cast(pl.UInt8))
    mine, rest, scored, negative = pl.collect_all(
        [
            narrow.filter(col("_person").is_not_null()).select(*values, "_person", "_row"),
            narrow.filter(col("_person").is_null()),
            rows.select("_tool", "outcome_tool").filter(col("_tool").is_not_null()),
            rows.select(col("negative").sum()),
        ],
        engine="streaming",
    )
    return _Base(
        values=pl.concat([mine.select(values), rest.select(values)], rechunk=True),
        person=mine["_person"],
        others=rest.select(columns),
        tools=_tools(scored),
        negative=int(negative.item()),
        rows=pl.concat([mine["_row"], rest["_row"]]),
    )


def _flagged(frame: pl.DataFrame, few: pl.Expr, empty: str | pl.Expr, why: str) -> pl.DataFrame:
    none = pl.col("numerator") == 0
    flag = pl.when(none).then(pl.lit(NOT_APPLICABLE)).when(few).then(pl.lit(LOW_RELIABILITY))
    empty = pl.lit(empty) if isinstance(empty, str) else empty
    note = pl.when(none).then(empty).when(few).then(pl.lit(why))
    return frame.with_columns(flag.alias("flag"), note.alias("note"))


def _centiles(head: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """Every metric of :data:`_CENTILES` for the levels of ``head``, from ``groups``: each
    level's sorted values of each column (stats.sorted_values)."""
    found = []
    for column in _WAIT_COLUMNS:
        keys = [k for k, (c, _, _) in _CENTILES.items() if c == column]
        qs = [_CENTILES[k][1] for k in keys]
        parts = quantiles_of_sorted(
            groups.select("level_code", column), column, qs, confidence=CONFIDENCE
        )
        found += [f.with_columns(metric=pl.lit(k)) for k, f in zip(keys, parts, strict=True)]
    # A level without values has no method, as no value.
    out = pl.concat(found).filter(pl.col("n") > 0).drop("confidence", "statistic")
    specs = pl.DataFrame(
        {
            "metric": list(_CENTILES),
            "_q": [q for _, q, _ in _CENTILES.values()],
            "_empty": [e for _, _, e in _CENTILES.values()],
        }
    )
    frame = specs.join(head, how="cross").join(out, on=["metric", "level_code"], how="left")
    n = frame["n"].fill_null(0).cast(pl.Float64).to_numpy()
    q = frame["_q"].to_numpy()
    alpha = 1.0 - CONFIDENCE
    short = np.zeros(n.shape, dtype=bool)
    for each in np.unique(q):
        at = q == each
        low, high = binom_ppf(alpha / 2, n[at], each), binom_ppf(1 - alpha / 2, n[at], each)
        short[at] = (low < 1) | (high + 1 > n[at])
    frame = frame.drop("n", "_q").with_columns(pl.Series("numerator", n), pl.Series("_few", short))
    few = "too few values for a 95% interval"
    return _flagged(frame, pl.col("_few"), pl.col("_empty"), few).drop("_few", "_empty")


def _outcomes(
    base: _Base, scored: pl.DataFrame, head: pl.DataFrame
) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    """Mean change per tool (and % improving of unknown tools: [x]), and the
    %-improving parts of known tools for :func:`_ratios`, from ``scored``: per tool and
    level, the mean's aggregates (:data:`_SCORED`) and how many improved."""
    means = mean_of_aggregates(scored, confidence=CONFIDENCE).select(
        "_tool", "level_code", "value", "lower", "upper", "method"
    )
    counts = scored.select("_tool", "level_code", scored="value_count", improved="improved")
    known = [t.key for t in tools.TOOLS]
    every = known + sorted(k for k in base.tools if k not in known)
    names = [tuple(m.key for m in outcome_metrics(k, k)) for k in every]
    kinds = pl.DataFrame(
        {
            "_tool": every,
            "_change": [c for c, _ in names],
            "_improved": [i for _, i in names],
            "_known": [k in known for k in every],
        }
    )
    # Every tool x level, in tool order: the counts and means where there were scores.
    table = kinds.join(head, how="cross").join(counts, on=["_tool", "level_code"], how="left")
    table = table.with_columns(pl.col("scored", "improved").fill_null(0).cast(pl.Float64))
    change = table.select(*_HEAD, "_tool", numerator="scored", metric="_change").join(
        means, on=["_tool", "level_code"], how="left", maintain_order="left"
    )
    one = pl.col("numerator") == 1
    frames = [_flagged(change.drop("_tool"), one, "no scores", "one value: no interval")]
    unknown = table.filter(~pl.col("_known"))
    if unknown.height:  # % improving of a tool with no known MCID: [x]
        frames.append(unknown.select(
            *_HEAD, pl.col("scored").alias("denominator"), metric="_improved",
            flag=pl.lit(NOT_AVAILABLE), note=pl.lit("no MCID is known for this tool"),
        ))  # fmt: skip
    parts = [
        table.filter(pl.col("_known")).select(
            *_HEAD, numerator="improved", denominator="scored", metric="_improved",
            _empty=pl.lit("no scores"),
        )
    ]  # fmt: skip
    return frames, parts


def _parts(table: pl.DataFrame) -> pl.DataFrame:
    """Every proportion of :data:`_RATIOS` (numerator, denominator, note if nobody) for
    :func:`_ratios`: the levels' rows repeated once a proportion, in its order."""
    height = table.height
    repeated = np.tile(np.arange(height, dtype=np.uint32), len(_RATIOS))
    heads = table.select(_HEAD)[pl.Series(repeated)]
    column = {c: table[c].to_numpy() for c in table.columns if c not in _HEAD}
    keys, nums, dens, empties = zip(*_RATIOS, strict=True)
    return heads.with_columns(
        pl.Series("numerator", np.concatenate([column[c] for c in nums]), dtype=pl.Float64),
        pl.Series("denominator", np.concatenate([column[c] for c in dens]), dtype=pl.Float64),
        pl.Series("metric", np.repeat(keys, height), dtype=pl.String),
        pl.Series("_empty", np.repeat(empties, height), dtype=pl.String),
    )


def _ratios(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Wilson proportions (%) of every part in one call; [z] where the denominator is 0."""
    frame = pl.concat(parts)
    has = pl.col("denominator") > 0
    ok = frame.filter(has)
    out = proportion(ok, "numerator", "denominator", multiplier=100)
    ok = ok.with_columns(out["value"], out["lower"], out["upper"], out["method"])
    none = frame.filter(~has).with_columns(flag=pl.lit(NOT_APPLICABLE), note=pl.col("_empty"))
    return pl.concat([ok, none], how="diagonal_relaxed").drop("_empty")


def _wait_counts(groups: pl.DataFrame) -> pl.DataFrame:
    """level_code and, from each level's sorted waits (``_wait``; ``_waited``, the waiting
    list's): how many ("waits", "waiting"), within 18 weeks ("within") and in each week
    band ("wait_band_*", "waiting_band_*"), each a binary search of the sorted values."""
    lows = np.array([a for _, _, a, _ in WAIT_BANDS], dtype=np.float64)
    highs = np.array([np.inf if b is None else b for *_, b in WAIT_BANDS], dtype=np.float64)
    out: dict[str, object] = {"level_code": groups["level_code"]}
    for column, prefix, total in (("_wait", "wait", "waits"), ("_waited", "waiting", "waiting")):
        sizes = groups[column].list.len().to_numpy()
        flat = groups[column].explode().drop_nulls().to_numpy().astype(np.float64, copy=False)
        ends = np.cumsum(sizes)
        bands = np.zeros((groups.height, len(WAIT_BANDS)))
        within = np.zeros(groups.height)
        for level, (start, end) in enumerate(zip(ends - sizes, ends, strict=True)):
            waits = flat[start:end]
            bands[level] = waits.searchsorted(highs, "right") - waits.searchsorted(lows, "left")
            within[level] = waits.searchsorted(WITHIN_DAYS, "right")
        out[total] = sizes.astype(np.float64)
        if column == "_wait":
            out["within"] = within
        for index, (suffix, *_) in enumerate(WAIT_BANDS):
            out[f"{prefix}_band_{suffix}"] = bands[:, index]
    return pl.DataFrame(out)


def _long(
    base: _Base, rows: pl.DataFrame, head: pl.DataFrame, with_all: bool = False
) -> pl.DataFrame:
    """Every metric's rows for the levels in ``head``, in one long frame; ``with_all``:
    for "All" too (in ``head``), worked out beside the levels, not as a level."""
    names = [c for c in base.values.columns if not c.startswith("_")]
    # One pass: every count's sum, and each wait column's sorted values for its centiles;
    # beside it, the outcome scores' aggregates per tool.
    sums = [pl.col(names).sum(), *(sorted_values(c).alias(c) for c in _WAIT_COLUMNS)]
    lazy = rows.lazy()
    scores = lazy.filter(pl.col("_tool").is_not_null())
    queries = [
        lazy.group_by("level_code").agg(sums),
        scores.group_by("_tool", "level_code").agg(_SCORED),
    ]
    if with_all:  # the same over every row: queries beside, quicker than a level
        whole = [pl.col(names).sum(), *(sorted_values(c).implode().alias(c) for c in _WAIT_COLUMNS)]
        queries.append(lazy.select(whole).with_columns(level_code=pl.lit(ALL)))
        queries.append(scores.group_by("_tool").agg(_SCORED).with_columns(level_code=pl.lit(ALL)))
    found = pl.collect_all(queries)
    groups, scored = as_text(found[0]), as_text(found[1])
    if with_all:
        groups = pl.concat([groups, found[2].select(groups.columns)])
        scored = pl.concat([scored, found[3].select(scored.columns)])
    counted = _wait_counts(groups)
    table = head.join(groups.drop(_WAIT_COLUMNS), on="level_code", how="left")
    table = table.join(counted, on="level_code", how="left", maintain_order="left")
    table = table.with_columns(pl.col(*names, *counted.columns[1:]).fill_null(0).cast(pl.Float64))
    frames = [_centiles(head, groups)]
    waiting = pl.lit("waiting_count")
    frames.append(table.select(*_HEAD, value="waiting", numerator="waiting", metric=waiting))
    outcomes, improved = _outcomes(base, scored, head)
    frames += [_ratios([_parts(table), *improved]), *outcomes]
    long = pl.concat(frames, how="diagonal_relaxed")
    negative = table.filter(pl.col("negative") > 0)["level_code"].implode()
    hit = pl.col("level_code").is_in(negative) & pl.col("metric").str.starts_with("wait_")
    joined = pl.when(pl.col("note").is_null()).then(pl.lit(_NEGATIVE))
    note = joined.otherwise(pl.col("note") + "; " + _NEGATIVE)
    return long.with_columns(pl.when(hit).then(note).otherwise(pl.col("note")).alias("note"))


def _heads(bd: Breakdown, levels: pl.DataFrame) -> pl.DataFrame:
    return levels.select(*_HEAD[2:], breakdown_key=pl.lit(bd.key), breakdown=pl.lit(bd.title))


def _everyone(scope: Scope, base: _Base) -> pl.DataFrame:
    """The "All" rows (the same in every breakdown), once per scope."""

    def make() -> pl.DataFrame:
        rows = base.values.with_columns(level_code=pl.lit(ALL))
        head = pl.DataFrame({"level_code": [ALL], "level": [ALL], "order": [0]})
        return _long(base, rows, _heads(Breakdown(ALL, ALL, ()), head))

    return scope.kept(_EVERYONE, make)


def prepare(scope: Scope) -> None:
    """Make what every breakdown of the scope reads (the base and the "All" rows) once,
    before several breakdowns are computed side by side."""
    _everyone(scope, _base(scope))


def _level_codes(scope: Scope, bd: Breakdown, base: _Base) -> pl.Series:
    """Each referral's level (in ``base.values`` order): its person's, else its own; each
    characteristic's codes kept for the scope, so a pair only joins two of them."""

    def make(char: Characteristic) -> pl.Series:
        people = people_codes(scope, char).gather(base.person)
        others = codes_of(base.others, char)
        levels = pl.Enum(sorted({*people.dtype.categories, *others.dtype.categories}))  # type: ignore[attr-defined]
        return pl.concat([people.cast(levels), others.cast(levels)], rechunk=True)

    return level_codes(
        [scope.kept((ROWS, "consequences", "levels", c.key), partial(make, c)) for c in bd.parts]
    )


def _caveats(base: _Base, key: str) -> list[str]:
    if key.startswith("wait_"):
        late = ("Referrals received late in the period and not yet seen are not in these "
                "waits; the waiting list at the period end shows them")  # fmt: skip
        wrong = f"{base.negative:,} referrals whose first contact is dated before the referral are left out of the waits"  # noqa: E501
        return [late, wrong] if base.negative else [late]
    if key in ("dna_rate", "cancellation_rate"):
        return ["Contacts of one person are not independent, so the interval is narrower "
                "than it should be"]  # fmt: skip
    if key.startswith("outcome_"):
        return ["An outcome counts when the referral was discharged in the period with a "
                "start and an end score; the EQ-5D-5L MCID (0.063) is for the English 5L "
                "value set, and the value set an extract used is not recorded"]  # fmt: skip
    return []


def consequences_by_home(
    scope: Scope, home: str, areas: pl.DataFrame, head: pl.DataFrame
) -> pl.DataFrame:
    """Every consequences metric by area, long (metric, level_code, value, ...): each
    referral placed by its person's ``home`` ("lsoa" or "gp_practice", as people are in
    section 1), else its own; ``areas`` maps home -> code (unplaced: "Not known");
    ``head`` has the area rows (breakdown_key, breakdown, level_code, level, order)
    without "All", which is added at the end (the scope's own)."""
    base = _base(scope)
    homes = pl.concat([scope.people[home].gather(base.person), base.others[home]])
    mapping = homes.to_frame("home").join(areas, on="home", how="left", maintain_order="left")
    codes = mapping["code"].fill_null(NOT_KNOWN)
    rows = base.values.with_columns(level_code=codes)
    long = _long(base, rows, head.filter(pl.col("level_code") != ALL))
    first = head.row(0, named=True) if head.height else {"breakdown_key": "", "breakdown": ""}
    everyone = _everyone(scope, base).with_columns(
        breakdown_key=pl.lit(first["breakdown_key"]),
        breakdown=pl.lit(first["breakdown"]),
        order=pl.lit(head.height),
    )
    return pl.concat([long, everyone], how="diagonal_relaxed")


def consequences_indicators(scope: Scope, bd: Breakdown) -> list[Indicator]:
    """Every consequences metric for one breakdown, each with its "All" row."""
    base = _base(scope)
    levels = bd.level_frame()
    frames = []
    if bd.parts:
        codes = _level_codes(scope, bd, base)
        head = _heads(bd, levels.filter(pl.col("level_code") != ALL))
        rows = base.values.with_columns(level_code=codes)
        if _EVERYONE not in scope.cache and ALL not in codes.dtype.categories:  # type: ignore[attr-defined]
            # "All" in the same call (the steps after the group-bys once, not twice).
            top = pl.DataFrame({"level_code": [ALL], "level": [ALL], "order": [head.height]})
            long = _long(base, rows, pl.concat([head, _heads(bd, top)]), with_all=True)
            everyone = long.filter(pl.col("level_code") == ALL)
            scope.cache[_EVERYONE] = everyone.with_columns(
                breakdown_key=pl.lit(ALL), breakdown=pl.lit(ALL), order=pl.lit(0)
            )
            frames.append(long.filter(pl.col("level_code") != ALL))
        else:
            frames.append(_long(base, rows, head))
    everyone = _everyone(scope, base).with_columns(
        breakdown_key=pl.lit(bd.key), breakdown=pl.lit(bd.title), order=pl.lit(levels.height - 1)
    )
    frames.append(everyone)
    metrics = [*METRICS]
    metrics += [m for k, name in sorted(base.tools.items()) if tools.tool(k) is None
                for m in outcome_metrics(k, name)]  # fmt: skip
    rank = pl.DataFrame({
        "metric": [m.key for m in metrics], "_rank": list(range(len(metrics))),
        "unit": [m.unit for m in metrics], "value_kind": [m.value_kind for m in metrics],
        "multiplier": [m.multiplier for m in metrics],
        "denominator_is_count": [m.denominator_is_count for m in metrics],
    })  # fmt: skip
    long = pl.concat(frames, how="diagonal_relaxed").join(rank, on="metric", how="left")
    # every column is given, so conform only casts and orders them (once for all metrics)
    long = conform(long.sort("_rank", "order"), metrics[0])
    parts = long.partition_by("metric", as_dict=True)
    out = []
    for metric in metrics:
        definition = metric.definition(
            caveats=[*_caveats(base, metric.key), *scope.notes], batches=scope.batches
        )
        out.append(Indicator(f"{metric.key}/{bd.key}", definition, parts[(metric.key,)]))
    return out
