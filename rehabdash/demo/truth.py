"""The demo ICB's ground truth: every inequity the generator builds in, as numbers.

Tests (and later dashboards) check that the analysis finds exactly these. Rates are
per person per year before recording noise; "access" means referral.
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
    "ETHNIC_MIX_LEAST_DEPRIVED",
    "ETHNIC_MIX_MOST_DEPRIVED",
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

# The generator's population ethnic mix (NHS codes), interpolated linearly by IMD decile
# between the least (10) and most (1) deprived areas. An assumption shaped like West
# Yorkshire's census profile, not census data.
ETHNIC_MIX_LEAST_DEPRIVED: dict[str, float] = {
    "A": 0.860,
    "B": 0.006,
    "C": 0.030,
    "D": 0.005,
    "E": 0.002,
    "F": 0.006,
    "G": 0.004,
    "H": 0.025,
    "J": 0.025,
    "K": 0.002,
    "L": 0.006,
    "M": 0.003,
    "N": 0.006,
    "P": 0.002,
    "R": 0.008,
    "S": 0.010,
}
ETHNIC_MIX_MOST_DEPRIVED: dict[str, float] = {
    "A": 0.600,
    "B": 0.004,
    "C": 0.045,
    "D": 0.012,
    "E": 0.004,
    "F": 0.008,
    "G": 0.008,
    "H": 0.030,
    "J": 0.190,
    "K": 0.020,
    "L": 0.012,
    "M": 0.012,
    "N": 0.030,
    "P": 0.006,
    "R": 0.004,
    "S": 0.015,
}
