"""A synthetic but realistic ICB for trying rehabdash, testing it and benchmarking it.

The demo stands on real geography: by default NHS West Yorkshire ICB (QWO, 1,417 LSOAs
of 2011, about 2.4 million people at mid-2020), with each LSOA's real IMD 2019 decile
and ONS population. Only the activity is synthetic: referral-level community rehab
episodes with every field of DESIGN 4.1, over the financial years 2023-24 and 2024-25,
seeded and deterministic (same --seed and --rows, same data).

Ground truth (the numbers live in rehabdash.demo.truth; tests check the analysis finds them):

1. Deprivation gradient: age-sex adjusted referral rate in IMD decile 1 is 0.70 times
   decile 10, linear across deciles (access factor 0.70 + 0.30 (d - 1) / 9).
2. Ethnic under-referral: Pakistani people (NHS code J) are referred at 0.60 times the
   rate of others of the same age and sex living in the same LSOA.
3. Longer waits: people with any disability recorded wait 1.5 times as long (median)
   from referral to first contact; the median for others is 28 days (longer for MSK and
   physiotherapy, days for urgent response and reablement).
4. A worsening trend: in January-March 2025 referrals from IMD deciles 1-2 fall by a
   further 20% (factor 0.80), widening the gap in the last quarter.
5. Need rises with age (BASE_RATE_PER_1000, 8 per 1,000 a year at 5-14 to 210 at 90+);
   women are referred 10% more often than men of the same age.
6. Recording: ethnicity is valid for 74% (Kirklees provider NLO, below the 80% CSDS
   threshold) to 90% of people by provider, the rest split between Z (not stated),
   99 (not known), blank and a few invalid values; likewise sex, disability, religion,
   sexual orientation, marital status, gender identity, with a few invalid values.
   Sexual orientation and marital status of children (under 16) are not known or blank.
7. Repeat referrals: about 15% of referrals are a further referral of someone already
   referred (each person has 1 + Geometric referrals, alike in every group and area), so
   people per referral is the same, in expectation, for every group (the plan counts
   people).

The no-inequity demo (``generate(plant=False)``, ``build_demo(plant=False)``,
``rehabdash demo --no-inequities``) plants none of 1-4 (nor the softer deprivation
patterns of the pathway): only need (5), recording (6) and repeat referrals (7) remain;
its store batches are named "rehabdash no-inequity demo".

Assumptions, stated: LSOA population is split by sex with England-like male shares by
age band (truth.MALE_SHARE). Each person's ethnic category, religion, disability, and
(aged 16+) sexual orientation and partnership status are drawn from their LSOA's Census
2021 shares (rehabdash.demo.census_mix; the data plan's denominators), independently of
each other and of age and sex within the LSOA: the plan's own stated assumption (Census
2021 has no group's age structure by LSOA, so each group is taken to share its LSOA's
age-sex structure). Disability follows it too: drawn at the LSOA's all-ages census share
at every age (in life it rises with age; a demo that did so would make disabled people
look over-served in an analysis that cannot know it). Religion in Census 2021 groups
maps to one legacy letter each ("Not stated" to M, declined); sexual orientation "not
answered" to Z. NHS numbers are from the 999 test range, never issued to patients.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from rehabdash.demo.build import DEMO_KINDS, DEMO_SOURCE, store_demo
from rehabdash.demo.generate import DemoData, generate
from rehabdash.store.batches import live_batches
from rehabdash.store.bulk import Progress
from rehabdash.store.schema import import_batch, referral

__all__ = [
    "DemoData",
    "build_demo",
    "generate",
    "is_demo_store",
    "store_demo",
    "store_has_activity",
]


def store_has_activity(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(referral.c.id).limit(1)).first() is not None


def is_demo_store(engine: Engine) -> bool:
    """Whether the store's live batches include the demo's (synthetic data)."""
    name = import_batch.c.source_name
    demo = or_(*(name.like(f"{DEMO_SOURCE} {kind}%") for kind in DEMO_KINDS))
    ids = live_batches().scalar_subquery()
    query = select(import_batch.c.id).where(import_batch.c.id.in_(ids), demo).limit(1)
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def build_demo(
    engine: Engine,
    *,
    icb: str = "QWO",
    rows: int = 200_000,
    seed: int = 2025,
    plant: bool = True,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> DemoData:
    """Generate the demo ICB and write it into the store at ``engine``; ``plant=False``
    builds the no-inequity demo."""
    report = progress or (lambda _f, _m: None)
    report(0.05, f"Generating {rows:,} synthetic referrals…")
    data = generate(icb=icb, rows=rows, seed=seed, plant=plant)
    report(0.35, "Writing the demo store…")
    store_demo(engine, data, progress=lambda f, m: report(0.35 + 0.6 * f, m), cancel=cancel)
    return data
