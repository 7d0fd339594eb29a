"""What happens after a referral in the demo: service, source, rejection, wait, contacts, outcome.

The built-in inequity here is the wait: people with any disability recorded wait
truth.DISABILITY_WAIT_FACTOR times as long for a first contact. Drop-outs and DNAs rise
with deprivation, self-referral and outcome gains fall with it (softer patterns, not
part of the truth's numbers). With ``plant=False`` there is no disability factor and
everyone gets the deprivation patterns of a middling area (_NEUTRAL_DEPRIVATION).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from rehabdash.demo import truth

__all__ = ["PROVIDERS", "TEAM_TYPES", "add_pathway", "provider_for_lad"]

# Real community providers of West Yorkshire, by local authority; other ICBs get DEMOnn.
PROVIDERS: dict[str, tuple[str, str]] = {
    "Leeds": ("RY6", "Leeds Community Healthcare NHS Trust"),
    "Bradford": ("TAD", "Bradford District Care NHS Foundation Trust"),
    "Craven": ("RCF", "Airedale NHS Foundation Trust"),
    "Kirklees": ("NLO", "Locala Health and Wellbeing"),
    "Calderdale": ("RWY", "Calderdale and Huddersfield NHS Foundation Trust"),
    "Wakefield": ("RXF", "Mid Yorkshire Teaching NHS Trust"),
}

# CSDS team types (DESIGN 5.8) with the demo's mix and service names; 27 podiatry is not
# rehab and is there so the rehab filter has something to exclude.
TEAM_TYPES: dict[str, tuple[float, str]] = {
    "26": (0.28, "Physiotherapy"),
    "20": (0.22, "MSK Service"),
    "23": (0.11, "Occupational Therapy"),
    "29": (0.08, "Community Rehabilitation"),
    "21": (0.04, "Neuro Rehabilitation"),
    "04": (0.04, "Cardiac Rehabilitation"),
    "30": (0.05, "Pulmonary Rehabilitation"),
    "33": (0.04, "Speech and Language Therapy"),
    "52": (0.04, "Reablement"),
    "53": (0.03, "Home-based Intermediate Care"),
    "51": (0.02, "Urgent Community Response"),
    "54": (0.02, "Intermediate Care Beds"),
    "27": (0.03, "Podiatry"),
}
_WAIT_FACTOR = {"20": 1.4, "26": 1.2, "51": 0.05, "52": 0.2, "53": 0.2, "54": 0.15}
_MSK = ("20", "26")
_NEUTRAL_DEPRIVATION = 0.5  # the no-inequity demo: halfway between decile 10 (0) and 1 (1)


def provider_for_lad(lad_names: pl.Series) -> pl.Series:
    others = sorted(set(lad_names.unique().to_list()) - set(PROVIDERS))
    codes = {lad: code for lad, (code, _) in PROVIDERS.items()}
    codes.update({lad: f"DEMO{i + 1:02d}" for i, lad in enumerate(others)})
    return lad_names.replace_strict(codes, return_dtype=pl.Utf8)


def _days(x: np.ndarray) -> np.ndarray:
    return np.round(x).astype("int64").astype("timedelta64[D]")


def _choose(rng: np.random.Generator, codes: list[str], p: np.ndarray) -> np.ndarray:
    """Row-wise choice from (n, k) probabilities."""
    u = np.asarray(rng.random(p.shape[0]))[:, None]
    idx = (p.cumsum(axis=1) / p.sum(axis=1, keepdims=True) < u).sum(axis=1)
    return np.asarray(codes)[np.minimum(idx, len(codes) - 1)]


def _only(name: str, values: np.ndarray, keep: np.ndarray) -> pl.Series:
    """A text column holding ``values`` where ``keep`` and null elsewhere."""
    return pl.Series(name, values.astype(str)).scatter(np.flatnonzero(~keep), None)


def add_pathway(df: pl.DataFrame, rng: np.random.Generator, *, plant: bool = True) -> pl.DataFrame:
    """Add team, service, source, dates, contact counts and outcomes to referral rows;
    ``plant`` adds the disability wait factor and the deprivation patterns."""
    n = df.height
    age = df["age"].to_numpy()
    dep = (10 - df["imd_decile"].fill_null(5).to_numpy()) / 9.0  # 1 most deprived, 0 least
    if not plant:
        dep = np.full(n, _NEUTRAL_DEPRIVATION)
    codes = list(TEAM_TYPES)
    mix = np.array([w for w, _ in TEAM_TYPES.values()])
    older = np.clip((age - 60) / 30, 0, 1)[:, None]
    ic = np.isin(codes, ("52", "53", "51", "54", "29", "23"))
    p = mix * np.where(ic, 1 + 3 * older, 1 - 0.5 * older)
    team = _choose(rng, codes, p)

    sources = ["A1", "B1", "H2", "P1", "C1", "B2"]
    self_share = 0.18 - 0.08 * dep  # self-referral less common in deprived areas
    sp = np.column_stack(
        [
            np.full(n, 0.50),
            self_share,
            np.full(n, 0.15),
            np.full(n, 0.10),
            np.full(n, 0.04),
            np.full(n, 0.02),
        ]
    )
    source = _choose(rng, sources, sp)

    ref = df["referral_date"].to_numpy().astype("datetime64[D]")
    extract = np.datetime64(truth.EXTRACT_DATE)
    rejected = rng.random(n) < 0.05
    disabled = df["disability"].fill_null("NN").is_in(["NN", "ZZ", "INVALID"]).not_().to_numpy()
    team_s = pl.Series("team_type", team)
    team_factor = team_s.replace_strict(
        _WAIT_FACTOR, default=1.0, return_dtype=pl.Float64
    ).to_numpy()
    disability_factor = truth.DISABILITY_WAIT_FACTOR if plant else 1.0
    median = truth.MEDIAN_WAIT_DAYS * team_factor * np.where(disabled, disability_factor, 1.0)
    wait = np.maximum(median * np.exp(0.6 * rng.standard_normal(n)), 0)
    first = ref + _days(wait)
    dropped = ~rejected & (rng.random(n) < 0.03 + 0.04 * dep)
    seen = ~rejected & ~dropped & (first <= extract)
    stay = 56 * np.exp(0.7 * rng.standard_normal(n))
    discharge = np.where(seen, first + _days(stay), ref + _days(np.full(n, 60.0)))
    discharged = (seen | dropped) & (discharge <= extract)

    attended = np.where(seen, 1 + rng.poisson(4, n), 0)
    dna = rng.poisson(0.2 + 0.3 * dep) + dropped.astype(int)
    cancelled = rng.poisson(0.3, n)

    has_outcome = seen & discharged & (rng.random(n) < 0.45)
    msk = np.isin(team, _MSK)
    start = np.where(
        msk, np.clip(rng.normal(27, 8, n), 0, 56), np.clip(rng.normal(0.55, 0.2, n), -0.59, 1)
    )
    gain = np.where(msk, rng.normal(8 - 2 * dep, 7), rng.normal(0.08 - 0.03 * dep, 0.12))
    end = np.where(msk, np.clip(start + gain, 0, 56), np.clip(start + gain, -0.59, 1))
    service = team_s.replace_strict({k: v[1] for k, v in TEAM_TYPES.items()}, return_dtype=pl.Utf8)
    null_date = np.datetime64("NaT")
    reason = _choose(rng, ["01", "02", "03"], np.tile([0.5, 0.3, 0.2], (n, 1)))
    rejection_date = np.where(rejected, ref + _days(rng.integers(1, 15, n)), null_date)
    start = np.where(msk, np.round(start), np.round(start, 3))
    end = np.where(msk, np.round(end), np.round(end, 3))
    return df.with_columns(
        team_s,
        (pl.col("lad_name") + " " + service).alias("service_name"),
        pl.Series("source_of_referral", source),
        pl.Series("first_contact_date", np.where(seen, first, null_date)).cast(pl.Date),
        pl.Series("discharge_date", np.where(discharged, discharge, null_date)).cast(pl.Date),
        _only("closure_reason", np.where(dropped, "04", "01"), discharged),
        pl.Series("rejection_date", rejection_date).cast(pl.Date),
        _only("rejection_reason", reason, rejected),
        pl.Series("contacts_attended", attended, dtype=pl.Int32),
        pl.Series("contacts_dna", dna, dtype=pl.Int32),
        pl.Series("contacts_cancelled", cancelled, dtype=pl.Int32),
        _only("outcome_tool", np.where(msk, "MSK-HQ", "EQ-5D-5L"), has_outcome),
        pl.Series("outcome_start", np.where(has_outcome, start, np.nan)).fill_nan(None),
        pl.Series("outcome_end", np.where(has_outcome, end, np.nan)).fill_nan(None),
    )
