"""Recording quality (DESIGN 6, data quality) on small stores worked out by hand.

The store of :func:`_scope` (period 2024-25; every referral blank but what is listed):

=======  ========  ==========  =========  =======  ======
person   provider  referred    ethnicity  sex      LSOA
=======  ========  ==========  =========  =======  ======
a0       RY6       2024-06-03  A          1        L0
a1, a2   RY6       2024-06-03  A          2        L0
a3       RY6       2024-06-03  J          X        L0
a4       RY6       2024-06-03  Z          1        -
a5       RY6       2024-06-03  99         -        -
a6       RY6       2024-06-03  -          1        L0
a7       RY6       2024-06-03  INVALID    INVALID  L0
a8       RY6       2024-06-03  -          2        L0
a8       RY6       2024-08-05  A          2        L0
a9       RY6       2024-06-03  A          1        L0
a9       RXF       2024-08-05  -          1        L0
b0-b17   RXF       2024-08-05  A          2        L0
bz       RXF       2024-08-05  Z          2        L0
c0-c4    RCF       2024-11-11  A          1        L0
d0       RY6       2024-03-04  99         1        L0   (before the period, still open)
=======  ========  ==========  =========  =======  ======

Ethnicity Z is "not stated", 99 "not known", blank None, INVALID invalid; sex X is "not
known" (sex has no "not stated" code). People referred in the period: 34 (a0-a9, b0-b17,
bz, c0-c4), each by their latest referral: a8 is A (August), a9 blank (RXF, August).
"""

from __future__ import annotations

import datetime as dt
import math
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from plan_store import LSOAS, lookup_rows, referral_rows, write_store
from scipy.stats import norm

from rehabdash.ingest import import_file, validate
from rehabdash.plan import parse_filter
from rehabdash.plan.access import access_indicators
from rehabdash.plan.breakdown import breakdown
from rehabdash.plan.disclosure import apply_disclosure
from rehabdash.plan.quality import (
    BELOW_CSDS,
    BELOW_TARGET,
    completeness,
    completeness_indicators,
    quality_indicators,
    rejections_indicator,
    warnings_indicator,
)
from rehabdash.plan.result import ALL, NOT_APPLICABLE, NOT_AVAILABLE, SUPPRESSED
from rehabdash.plan.scope import Scope, resolve_scope
from rehabdash.queries import rejections
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store

Z = norm.ppf(0.975)
L0 = LSOAS[0]
JUNE, AUGUST, NOVEMBER = date(2024, 6, 3), date(2024, 8, 5), date(2024, 11, 11)
# (person, provider, referral date, ethnicity, sex, lsoa)
ROWS: list[tuple[str, str, date, str | None, str | None, str | None]] = [
    ("a0", "RY6", JUNE, "A", "1", L0),
    ("a1", "RY6", JUNE, "A", "2", L0),
    ("a2", "RY6", JUNE, "A", "2", L0),
    ("a3", "RY6", JUNE, "J", "X", L0),
    ("a4", "RY6", JUNE, "Z", "1", None),
    ("a5", "RY6", JUNE, "99", None, None),
    ("a6", "RY6", JUNE, None, "1", L0),
    ("a7", "RY6", JUNE, "INVALID", "INVALID", L0),
    ("a8", "RY6", JUNE, None, "2", L0),
    ("a8", "RY6", AUGUST, "A", "2", L0),
    ("a9", "RY6", JUNE, "A", "1", L0),
    ("a9", "RXF", AUGUST, None, "1", L0),
    *((f"b{i}", "RXF", AUGUST, "A", "2", L0) for i in range(18)),
    ("bz", "RXF", AUGUST, "Z", "2", L0),
    *((f"c{i}", "RCF", NOVEMBER, "A", "1", L0) for i in range(5)),
    ("d0", "RY6", date(2024, 3, 4), "99", "1", L0),
]
KIND_CODES = ("valid", "not stated", "not known", "blank", "invalid")


def _scope(url: str, period: str = "2024-25") -> Scope:
    names = ("person_key", "provider_code", "referral_date", "ethnic_category", "sex", "lsoa")
    columns = {name: [row[i] for row in ROWS] for i, name in enumerate(names)}
    engine = write_store(url, referral_rows(**columns), lookup=lookup_rows({L0: 3, LSOAS[1]: 8}))
    return resolve_scope(ReferralSource(engine), parse_filter(period=period))


def _wilson(x: float, n: float) -> tuple[float, float]:
    centre, spread = 2 * x + Z**2, Z * math.sqrt(Z**2 + 4 * x * (1 - x / n))
    return 100 * (centre - spread) / (2 * (n + Z**2)), 100 * (centre + spread) / (2 * (n + Z**2))


def _frames(scope: Scope, by: str = "all") -> dict[str, pl.DataFrame]:
    return {i.key: i.frame for i in completeness_indicators(scope, by)}  # type: ignore[arg-type]


def _values(frame: pl.DataFrame, codes: list[str]) -> list[float]:
    got = dict(frame.select("level_code", "value").iter_rows())
    return [got[c] for c in codes]


def _row(frame: pl.DataFrame, code: str) -> dict[str, object]:
    return frame.filter(pl.col("level_code") == code).row(0, named=True)


def test_kinds_of_every_person_worked_by_hand(store_url: str) -> None:
    frames = _frames(_scope(store_url))
    ethnicity = frames["recorded_people/ethnicity"]
    assert ethnicity["level_code"].to_list() == [*KIND_CODES, ALL]
    assert ethnicity["level"].to_list() == [
        "Valid",
        "Not stated",
        "Not known",
        "Blank",
        "Invalid",
        ALL,
    ]
    # valid a0-a3, a8, b0-b17, c0-c4; not stated a4, bz; not known a5; blank a6, a9; a7.
    assert ethnicity["value"].to_list() == [28, 2, 1, 2, 1, 34]
    assert set(ethnicity["value_kind"]) == {"count"}
    # ethnic_group reads the same column with the same codes
    assert frames["recorded_people/ethnic_group"]["value"].to_list() == [28, 2, 1, 2, 1, 34]
    # sex: X is not known, a5 blank, a7 invalid; "not stated" is a true zero
    sex = frames["recorded_people/sex"]
    assert sex["value"].to_list() == [31, 0, 1, 1, 1, 34]
    assert _row(sex, "not stated")["flag"] is None
    # IMD: a4 and a5 have no LSOA, so no decile could be placed
    assert _values(frames["recorded_people/imd_decile"], ["valid", "blank"]) == [32, 2]
    assert _values(frames["recorded_people/imd_quintile"], ["valid", "blank"]) == [32, 2]
    # nothing else was recorded for anyone
    assert _values(frames["recorded_people/religion"], ["blank", ALL]) == [34, 34]
    share = frames["recorded_share/ethnicity"]
    valid = _row(share, "valid")
    assert valid["value"] == pytest.approx(100 * 28 / 34)
    assert (valid["lower"], valid["upper"]) == pytest.approx(_wilson(28, 34))
    assert (valid["numerator"], valid["denominator"]) == (28, 34)
    assert valid["method"] == "Wilson"
    assert valid["unit"] == "%"
    assert valid["value_kind"] == "ratio"
    assert valid["multiplier"] == 100
    assert valid["denominator_is_count"] is True
    assert valid["note"] == BELOW_TARGET  # 82.4%: below 95, not below 80
    assert _row(share, "blank")["value"] == pytest.approx(100 * 2 / 34)
    assert _row(share, "blank")["note"] is None
    assert _row(frames["recorded_share/sex"], "valid")["note"] == BELOW_TARGET  # 91.2%
    assert _row(frames["recorded_share/imd_decile"], "valid")["value"] == pytest.approx(
        100 * 32 / 34
    )


def test_flags_read_the_valid_share(tmp_path: Path) -> None:
    frames = _frames(_scope(f"sqlite:///{tmp_path / 's.db'}"))
    notes = {
        key.split("/")[1]: _row(frame, "valid")["note"]
        for key, frame in frames.items()
        if key.startswith("recorded_share/")
    }
    assert notes["ethnicity"] == BELOW_TARGET  # 28/34 = 82.4%
    assert notes["sex"] == BELOW_TARGET  # 31/34 = 91.2%
    assert notes["imd_decile"] == BELOW_TARGET  # 32/34 = 94.1%
    assert notes["religion"] == BELOW_CSDS  # 0%
    assert BELOW_CSDS == "below 80%: too incomplete to judge"


def test_thresholds_at_their_edges(tmp_path: Path) -> None:
    # sex valid for 4 of 5 people at P1 (80%), 19 of 24 at P2 (79.2%), 19 of 20 at P3 (95%)
    providers = ["P1"] * 5 + ["P2"] * 24 + ["P3"] * 20
    sex = ["1"] * 4 + ["X"] + ["2"] * 19 + ["X"] * 5 + ["1"] * 19 + [None]
    rows = referral_rows(provider_code=providers, sex=sex, lsoa=[L0] * len(sex))
    engine = write_store(f"sqlite:///{tmp_path / 's.db'}", rows, lookup=lookup_rows({L0: 3}))
    scope = resolve_scope(ReferralSource(engine), parse_filter(period="2024-25"))
    share = _frames(scope, "provider")["recorded_share/sex×provider"]
    assert _row(share, "valid|P1")["value"] == pytest.approx(80.0)
    assert _row(share, "valid|P1")["note"] == BELOW_TARGET
    assert _row(share, "valid|P2")["value"] == pytest.approx(100 * 19 / 24)
    assert _row(share, "valid|P2")["note"] == BELOW_CSDS
    assert _row(share, "valid|P3")["value"] == pytest.approx(95.0)
    assert _row(share, "valid|P3")["note"] is None


def test_by_provider_counts_each_persons_latest_referral_there(tmp_path: Path) -> None:
    frames = _frames(_scope(f"sqlite:///{tmp_path / 's.db'}"), "provider")
    people = frames["recorded_people/ethnicity×provider"]
    assert set(people["breakdown_key"]) == {"ethnicity×provider"}
    # RY6: a0-a9 (a8 by August's A, a9 by its RY6 referral, A)
    ry6 = [f"{k}|RY6" for k in KIND_CODES]
    assert _values(people, [*ry6, "All|RY6"]) == [6, 1, 1, 1, 1, 10]
    # RXF: b0-b17 valid, bz not stated, a9 blank
    rxf = [f"{k}|RXF" for k in KIND_CODES]
    assert _values(people, [*rxf, "All|RXF"]) == [18, 1, 0, 1, 0, 20]
    assert _values(people, ["valid|RCF", "All|RCF"]) == [5, 5]
    # the margins are everyone, as overall; a9 counts at both providers
    assert _values(people, [f"{k}|All" for k in KIND_CODES]) == [28, 2, 1, 2, 1]
    # a9 counts at both providers: the providers' people add up to more than All
    assert sum(_values(people, ["All|RY6", "All|RXF", "All|RCF"])) == 35
    assert _values(people, [ALL]) == [34]
    assert _row(people, "valid|RY6")["level"] == "Valid; RY6"
    assert _row(people, "blank|All")["level"] == "Blank; All providers"
    assert people["level_code"].to_list()[-1] == ALL
    share = frames["recorded_share/ethnicity×provider"]
    ry6_valid = _row(share, "valid|RY6")
    assert ry6_valid["value"] == pytest.approx(60.0)
    assert (ry6_valid["lower"], ry6_valid["upper"]) == pytest.approx(_wilson(6, 10))
    assert ry6_valid["denominator"] == 10
    assert ry6_valid["note"] == BELOW_CSDS
    assert _row(share, "valid|RXF")["value"] == pytest.approx(90.0)
    assert _row(share, "valid|RXF")["note"] == BELOW_TARGET
    assert _row(share, "valid|RCF")["note"] is None  # 100%
    assert _row(share, "not known|RXF")["value"] == 0.0


def test_by_month_of_referral(tmp_path: Path) -> None:
    frames = _frames(_scope(f"sqlite:///{tmp_path / 's.db'}"), "month")
    people = frames["recorded_people/ethnicity×month"]
    june = [f"{k}|2024-06" for k in KIND_CODES]
    # June: a0-a9 by their June referral (a8 blank then); d0 (March) is before the period
    assert _values(people, [*june, "All|2024-06"]) == [5, 1, 1, 2, 1, 10]
    august = [f"{k}|2024-08" for k in KIND_CODES]
    assert _values(people, [*august, "All|2024-08"]) == [19, 1, 0, 1, 0, 21]
    assert _values(people, ["valid|2024-11", "All|2024-11"]) == [5, 5]
    assert not people.filter(pl.col("level_code").str.contains("2024-03")).height
    periods = dict(people.select("level_code", "period").iter_rows())
    assert periods["valid|2024-06"] == "2024-06"
    assert periods["All|2024-08"] == "2024-08"
    assert periods["valid|All"] is None
    assert periods[ALL] is None
    assert _row(people, "invalid|2024-06")["level"] == "Invalid; Jun 2024"
    share = frames["recorded_share/ethnicity×month"]
    assert _row(share, "valid|2024-06")["note"] == BELOW_CSDS  # 50%
    assert _row(share, "valid|2024-08")["value"] == pytest.approx(100 * 19 / 21)
    assert _row(share, "valid|2024-08")["note"] == BELOW_TARGET


def test_completeness_for_findings(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}")
    assert completeness(scope, "ethnicity") == pytest.approx(100 * 28 / 34)
    assert completeness(scope, "imd_quintile") == pytest.approx(100 * 32 / 34)
    # both valid: a0-a2, a8, b0-b17, c0-c4 (a3's sex is X, bz's ethnicity Z)
    assert completeness(scope, "ethnicity×sex") == pytest.approx(100 * 27 / 34)
    assert completeness(scope, "All") == 100.0
    with pytest.raises(ValueError, match="unknown breakdown"):
        completeness(scope, "shoe_size")
    with pytest.raises(ValueError, match="by="):
        completeness_indicators(scope, "week")  # type: ignore[arg-type]


def test_the_unknown_kinds_are_the_breakdowns_unknown_levels(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}")
    quality = _frames(scope)["recorded_people/ethnicity"]
    access = next(
        i.frame
        for i in access_indicators(scope, breakdown("ethnicity"))
        if i.metric == "people_referred"
    )
    levels = ["Not stated", "Not known", "Blank", "Invalid", ALL]
    assert _values(quality, ["not stated", "not known", "blank", "invalid", ALL]) == _values(
        access, levels
    )


def test_nobody_referred_is_not_applicable(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}", period="2025-26")
    assert scope.people.height == 0
    frames = _frames(scope)
    assert frames["recorded_people/ethnicity"]["value"].to_list() == [0, 0, 0, 0, 0, 0]
    share = frames["recorded_share/ethnicity"]
    assert set(share["flag"]) == {NOT_APPLICABLE}
    assert share["value"].is_null().all()
    assert math.isnan(completeness(scope, "ethnicity"))


def test_disclosure_control_can_read_the_frames(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}")
    frames = _frames(scope, "provider")
    counts = frames["recorded_people/ethnicity×provider"]
    # counts carry no denominator, which disclosure control would publish unrounded
    assert counts["denominator"].is_null().all()
    people = apply_disclosure(counts, "hes")
    # RCF's 5 people are 1-7: suppressed, and so is its valid count (also 5)
    assert _row(people, "All|RCF")["flag"] == SUPPRESSED
    assert _row(people, "valid|RCF")["flag"] == SUPPRESSED
    assert _row(people, "valid|RXF")["value"] == 20  # 18 rounded to the nearest 5
    assert _row(people, ALL)["value"] == 35  # 34 rounded
    # RXF publishes its total (20), so its two 1s are both hidden, neither recoverable
    rxf = people.filter(pl.col("level_code").is_in([f"{k}|RXF" for k in KIND_CODES]))
    assert rxf.filter(pl.col("flag") == SUPPRESSED)["level_code"].to_list() == [
        "not stated|RXF",
        "blank|RXF",
    ]
    # shares overall: recomputed from the rounded counts (28 -> 30 of 34 -> 35)
    shares = apply_disclosure(_frames(scope)["recorded_share/ethnicity"], "hes")
    assert _row(shares, "valid")["value"] == pytest.approx(100 * 30 / 35)
    assert _row(shares, "blank")["flag"] == SUPPRESSED


def test_quality_indicators_keys_are_unique(tmp_path: Path) -> None:
    scope = _scope(f"sqlite:///{tmp_path / 's.db'}")
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    items = quality_indicators(scope, engine)
    keys = [i.key for i in items]
    assert len(keys) == len(set(keys)) == 12 * 2 * 3 + 2
    assert {i.definition.section for i in items} == {"quality"}
    rejected = next(i for i in items if i.key == "rows_rejected/batch")
    # the hand-built store was written without a single row issue: a true zero
    assert _values(rejected.frame, [ALL]) == [0]
    assert rejected.frame["flag"].is_null().all()
    # the scope read the lookup (batch 1) and the activity (batch 2): only the latter has rows
    assert scope.batches == (1, 2)
    assert rejected.definition.batches == (2,)
    assert _values(rejected.frame, ["2|All"]) == [0]
    people = next(i for i in items if i.key == "recorded_people/ethnicity")
    assert any("latest referral" in c for c in people.definition.caveats)


BAD_CSV = """Patient ID,Referral ID,Provider,Referral Date,Discharge Date,Ethnicity
P1,R1,RY1,01/03/2024,,A
P2,R2,RY1,notadate,,A
P3,,RY1,01/03/2024,,A
P4,R4,RY1,01/03/2099,,A
P5,R5,RY1,01/03/2099,01/04/2099,A
P6,R6,RY1,01/03/2024,,QQ
P7,R1,RY1,02/03/2024,,A
P8,,RY1,notadate,,A
P9,R9,RY1,05/03/2024,,A
P10,R10,RY1,05/03/2024,,QQ
"""
# Rows 1 and 7 share referral id R1 (duplicate_referral); 2 and 8 have no date
# (date_unparseable); 3 and 8 no referral id (missing_referral_id); 4 and 5 a referral
# date in the future, 5 a discharge date too (date_in_future); 6 and 10 a made-up
# ethnicity, kept as INVALID with a warning. Rejected rows: 1, 2, 3, 4, 5, 7, 8.
REJECTED = {"duplicate_referral": 2, "date_unparseable": 2, "missing_referral_id": 2}


def test_rows_rejected_per_rule_through_the_real_importer(store_url: str, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(BAD_CSV, encoding="utf-8")
    engine = open_store(store_url)
    result = import_file(engine, csv, "activity", today=dt.date(2025, 6, 30))
    batch = result.batch_id
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (10, 3, 7)
    by_rule = rejections.rejected_by_rule(engine, [batch], level="rule")
    rows = dict(by_rule.select("rule", "rows").iter_rows())
    assert rows == {**REJECTED, "date_in_future": 2, "invalid_code": 0}
    assert dict(by_rule.select("rule", "warnings").iter_rows())["invalid_code"] == 2
    by_column = rejections.rejected_by_rule(engine, [batch])
    future = by_column.filter(pl.col("rule") == "date_in_future")
    assert dict(future.select("column_name", "rows").iter_rows()) == {
        "Referral Date": 2,
        "Discharge Date": 1,
    }
    totals = rejections.rejected_by_rule(engine, [batch], level="batch").row(0, named=True)
    assert (totals["rows"], totals["warnings"]) == (7, 2)
    # only activity batches by default; no batch, no rows
    assert rejections.rejected_by_rule(engine, [batch], kinds=("population",)).height == 0
    assert rejections.rejected_by_rule(engine, []).height == 0

    indicator = rejections_indicator(engine, [batch, batch + 99])
    frame = indicator.frame
    assert indicator.key == "rows_rejected/batch"
    assert set(frame["breakdown_key"]) == {"batch"}
    got = dict(frame.select("level_code", "value").iter_rows())
    assert got == {
        f"{batch}|duplicate_referral": 2,
        f"{batch}|date_unparseable": 2,
        f"{batch}|missing_referral_id": 2,
        f"{batch}|date_in_future": 2,
        f"{batch}|All": 7,
        ALL: 7,
    }
    future_row = _row(frame, f"{batch}|date_in_future")
    assert future_row["denominator"] == 10
    assert future_row["note"] == "columns: Discharge Date, Referral Date"
    assert future_row["level"] == f"Batch {batch} (bad.csv): date_in_future"
    assert set(frame["value_kind"]) == {"count"}
    warned = dict(
        warnings_indicator(engine, [batch]).frame.select("level_code", "value").iter_rows()
    )
    assert warned == {f"{batch}|invalid_code": 2, f"{batch}|All": 2, ALL: 2}

    # from a frame already pulled: rows summed over columns, totals not available
    given = rejections_indicator(by_column, [batch]).frame
    assert _values(given, [f"{batch}|date_in_future", f"{batch}|missing_referral_id"]) == [3, 2]
    assert _row(given, ALL)["flag"] == NOT_AVAILABLE


def test_severities_are_the_importers() -> None:
    assert (rejections.REJECTED, rejections.WARNING) == (validate.REJECTED, validate.WARNING)
