"""NHS code lists (NHS Data Dictionary, DESIGN 5) and their normalisers.

Each list exposes its codes with labels, its "not stated"/"not known" codes and a
``normalise(expr) -> expr`` that maps codes or labels in their common variants to
the NHS code: null for blank, ``INVALID`` for a value that is not a code.
:data:`NORMALISERS` maps each canonical activity field to its normaliser.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from rehabdash.codes import (
    disability,
    ethnicity,
    marital,
    pregnancy,
    religion,
    sex_gender,
    sexual_orientation,
    team_type,
)
from rehabdash.codes._normalise import INVALID, CodeList

__all__ = ["CODE_LISTS", "INVALID", "NORMALISERS", "CodeList"]

#: Canonical activity field -> vectorised normaliser.
NORMALISERS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "team_type": team_type.normalise,
    "sex": sex_gender.normalise_sex,
    "gender_identity": sex_gender.normalise_gender_identity,
    "gender_same_at_birth": sex_gender.normalise_gender_same_at_birth,
    "ethnic_category": ethnicity.normalise,
    "disability": disability.normalise,
    "religion": religion.normalise,
    "sexual_orientation": sexual_orientation.normalise,
    "marital_status": marital.normalise,
    "pregnancy": pregnancy.normalise,
}

#: Canonical activity field -> its code list (labels, not stated, not known).
CODE_LISTS: dict[str, CodeList] = {
    "team_type": team_type.TEAM_TYPE,
    "sex": sex_gender.SEX,
    "gender_identity": sex_gender.GENDER_IDENTITY,
    "gender_same_at_birth": sex_gender.GENDER_SAME_AT_BIRTH,
    "ethnic_category": ethnicity.ETHNICITY,
    "disability": disability.DISABILITY,
    "religion": religion.RELIGION,
    "sexual_orientation": sexual_orientation.SEXUAL_ORIENTATION,
    "marital_status": marital.MARITAL_STATUS,
    "pregnancy": pregnancy.PREGNANCY,
}
