"""A small store for the waits and outcomes page tests: two IMD quintiles (LSOA 0 is
decile 1, quintile 1; LSOA 1 decile 9, quintile 5), waits in every week band, DNAs,
cancellations, referrals still waiting, and MSK-HQ scores (none of EQ-5D-5L).
Quintile 1 waits longer and improves less (its mean MSK-HQ change is negative)."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plan"))
from plan_store import LSOAS, lookup_rows, population_rows, referral_rows, write_store

from rehabdash.ui.session import Session

__all__ = ["session"]

END = date(2025, 3, 31)
WAITS = [3, 10, 20, 50, 100, 200, 400]  # one in each band, shortest first


def session(tmp_path: Path, seen: bool = True) -> Session:
    """The store's session; ``seen=False``: nobody has a first contact (no waits)."""
    n = 84
    referral = [date(2024, 4 + i % 6, 1) for i in range(n)]
    waits = [WAITS[i % 7] + (15 if i % 2 == 0 else 0) for i in range(n)]
    first = [
        referral[i] + timedelta(days=waits[i]) if seen and i % 4 != 3 else None for i in range(n)
    ]
    discharged = [
        f + timedelta(days=20) if f and f + timedelta(days=20) <= END else None for f in first
    ]
    scored = [d is not None for d in discharged]
    change = [(-2.0 if i % 2 == 0 else 9.0) + (i % 3) for i in range(n)]
    rows = referral_rows(
        sex=["1", "2"] * (n // 2),
        age=[72] * n,
        age_band=["70-74"] * n,
        lsoa=[LSOAS[i % 2] for i in range(n)],
        referral_date=referral,
        first_contact_date=first,
        discharge_date=discharged,
        contacts_attended=[2 if f else 0 for f in first],
        contacts_dna=[i % 3 for i in range(n)],
        contacts_cancelled=[i % 2 for i in range(n)],
        outcome_tool=["MSK-HQ" if s else None for s in scored],
        outcome_start=[20.0 if s else None for s in scored],
        outcome_end=[20.0 + c if s else None for s, c in zip(scored, change, strict=True)],
    )
    pop = population_rows({(lsoa, sex, "70-74"): 400 for lsoa in LSOAS[:2] for sex in ("1", "2")})
    url = f"sqlite:///{tmp_path / 's.db'}"
    engine = write_store(url, rows, people=pop, lookup=lookup_rows({LSOAS[0]: 1, LSOAS[1]: 9}))
    out = Session(url)
    out.opened(engine)
    return out
