"""Small activity files with the same people, to check pseudonyms link across imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from rehabdash.store.schema import referral

TODAY = dt.date(2025, 6, 30)
HEADER = "Patient ID,Referral ID,Provider,Referral Date"
PEOPLE = [f"P{i}" for i in range(1, 6)]


def write_csv(path: Path, first_referral: int, day: int) -> Path:
    """The same five people, each with a new referral (ids from ``first_referral``)."""
    rows = [
        f"{person},R{first_referral + i},RY1,{day:02d}/03/2024" for i, person in enumerate(PEOPLE)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def pseudonyms(engine: Engine) -> dict[str, str]:
    """referral id -> person_key."""
    with engine.connect() as conn:
        rows = conn.execute(select(referral.c.referral_id, referral.c.person_key))
        return {row[0]: row[1] for row in rows}


def same_people(keys: dict[str, str], first: int, second: int) -> list[bool]:
    """For each person, whether their referrals in the two files share one pseudonym."""
    return [keys[f"R{first + i}"] == keys[f"R{second + i}"] for i in range(len(PEOPLE))]
