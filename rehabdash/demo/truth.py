"""The demo ICB's ground truth: every inequity the generator builds in, as numbers.

Tests (and later dashboards) check that the analysis finds exactly these. Rates are
per person per year before recording noise; "access" means referral.

Planted inequities (``generate(plant=True)``, the default): the deprivation gradient
(access_factor), Pakistani under-referral (UNDER_REFERRAL_FACTOR), longer waits for
disabled people (DISABILITY_WAIT_FACTOR), the last-quarter shock in deciles 1-2
(SHOCK_FACTOR), and the softer deprivation patterns of rehabdash.demo.pathway (more
drop-outs and DNAs, less self-referral, smaller outcome gains in deprived areas).

The no-inequity demo (``generate(plant=False)``, ``rehabdash demo --no-inequities``)
plants none of them: access 1 in every decile, no ethnic factor, no disability wait
factor, no shock, and the pathway's deprivation patterns set to one middling level for
everyone. What stays is need, which is not an inequity: referral rates rising with age
(BASE_RATE_PER_1000), women referred FEMALE_FACTOR times as often, the team mix by age,
and the recording noise (rehabdash.demo.recording), which is the same in both. So are
repeat referrals: about 15% of referrals are a further referral of someone already
referred (rehabdash.demo.activity.REPEAT_SHARE), drawn alike for every person, so the
number of referrals per person depends on no group (the data plan counts people).

The people's characteristics come from Census 2021 (rehabdash.demo.census_mix): each
person's ethnic category, religion, disability, sexual orientation (16+) and partnership
status (16+) is drawn from their LSOA's census shares, independently of each other and of
age and sex within the LSOA. That is the data plan's stated assumption for its group
denominators (rehabdash.plan.populations: Census 2021 gives no group's age structure by
LSOA, so each group is taken to share its LSOA's age-sex structure). Disability too is
drawn at the LSOA's all-ages census share whatever the person's age. In life disability
rises with age, but a demo that made it so would show disabled people as over-served (seen
observed / expected about 1.4 in the no-inequity demo when the chance rose as
0.06 + 0.005 x age) purely because the plan's denominators cannot see that age pattern.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from rehabdash.refdata.census import SEX_SPLIT_SEED_MALE_SHARE

__all__ = [
    "BASE_RATE_PER_1000",
    "DECILE1_TO_DECILE10_ACCESS",
    "DISABILITY_WAIT_FACTOR",
    "END",
    "EXTRACT_DATE",
    "FEMALE_FACTOR",
    "MALE_SHARE",
    "MEDIAN_WAIT_DAYS",
    "SHOCK_DECILES",
    "SHOCK_FACTOR",
    "SHOCK_QUARTER_START",
    "START",
    "UNDER_REFERRAL_FACTOR",
    "UNDER_REFERRED_ETHNICITY",
    "access_factor",
]

# Two financial years of referrals: 2023-24 and 2024-25; the extract is taken a month later.
START = date(2023, 4, 1)
END = date(2025, 3, 31)
EXTRACT_DATE = date(2025, 4, 30)

# Referrals per 1,000 people per year by ESP band (0-4 ... 90+): need rises steeply with age.
BASE_RATE_PER_1000: tuple[float, ...] = (
    10,
    8,
    8,
    12,
    15,
    18,
    20,
    24,
    30,
    38,
    48,
    58,
    70,
    85,
    105,
    130,
    160,
    190,
    210,
)
FEMALE_FACTOR = 1.10  # women referred 10% more often than men of the same age

# Age-sex adjusted access in IMD decile 1 is this fraction of decile 10, linear between.
DECILE1_TO_DECILE10_ACCESS = 0.70


def access_factor(decile: np.ndarray) -> np.ndarray:
    """Relative referral rate for an IMD decile (1 most deprived): 0.70 ... 1.00."""
    return DECILE1_TO_DECILE10_ACCESS + (1 - DECILE1_TO_DECILE10_ACCESS) * (decile - 1) / 9


# Pakistani (NHS code J) people are referred at 0.6 times the rate of others of the same
# age, sex and area deprivation.
UNDER_REFERRED_ETHNICITY = "J"
UNDER_REFERRAL_FACTOR = 0.60

# Median wait from referral to first contact; people with any disability recorded wait
# 1.5 times as long.
MEDIAN_WAIT_DAYS = 28.0
DISABILITY_WAIT_FACTOR = 1.5


# A worsening trend: in the last quarter (Jan-Mar 2025) referrals from IMD deciles 1-2
# fall by a further 20%, widening the deprivation gap.
SHOCK_QUARTER_START = date(2025, 1, 1)
SHOCK_DECILES = (1, 2)
SHOCK_FACTOR = 0.80

# Assumption (ONS LSOA estimates by sex are not shipped): the male share of each 5-year
# band, close to England's mid-2020 figures, applied to every LSOA; the same shares seed
# the census-fitted sex split (rehabdash.refdata.census).
MALE_SHARE: tuple[float, ...] = SEX_SPLIT_SEED_MALE_SHARE
