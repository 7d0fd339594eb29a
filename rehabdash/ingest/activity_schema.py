"""The activity schema: which failures reject a referral and which only warn.

A row is rejected only when a required field is missing or impossible: no person,
referral id, provider or referral date; a date that does not parse, is in the
future or before 1900, or out of order (referral <= first contact <= discharge,
rejection not before referral); an age outside 0-120; a provider + referral id that
appears more than once in the file. A characteristic that is not a valid code only
warns: the row is kept with ``INVALID`` and the original value is listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from rehabdash.codes import INVALID
from rehabdash.ingest.fields import (
    CODE_FIELDS,
    FREE_TEXT_FIELDS,
    IDENTIFIER_FIELDS,
    MAX_CELL_CHARACTERS,
)
from rehabdash.ingest.normalise import raw
from rehabdash.ingest.pseudonymise import nhs_number_valid
from rehabdash.ingest.readers import MISALIGNED
from rehabdash.ingest.scrub import CONTROL_CHARACTERS, IDENTIFYING
from rehabdash.ingest.validate import REJECTED, WARNING, Rule, Schema
from rehabdash.store.schema import referral

__all__ = ["EVENT_DATE_RULES", "KEY_COUNT", "REFERRAL_ID_NHS", "ActivitySchema"]

#: Optional working column: rows of the whole file sharing a row's provider + referral
#: id, for a file validated in parts (otherwise counted within the frame).
KEY_COUNT = "__key_n"
#: Optional working column: True where the referral id held an NHS number (and so is
#: stored as its pseudonym).
REFERRAL_ID_NHS = "__ref_nhs"

_MIN_DATE = dt.date(1900, 1, 1)
#: Fields stored as given, in the clear: a control character makes them unusable.
_KEY_TEXT = ("person_id", "referral_id", "provider_code")
#: Fields whose text is stored as is in a column of fixed width: the same limit on
#: both stores (PostgreSQL would refuse the file, SQLite would keep it).
_STORED_WIDTH = {
    f: int(getattr(referral.c[f].type, "length", 0)) for f in ("referral_id", "provider_code")
}
_ORDER = (
    (
        "first_contact_date",
        "referral_date",
        "first_contact_before_referral",
        "first contact date is before the referral date",
    ),
    (
        "discharge_date",
        "referral_date",
        "discharge_before_referral",
        "discharge date is before the referral date",
    ),
    (
        "discharge_date",
        "first_contact_date",
        "discharge_before_first_contact",
        "discharge date is before the first contact date",
    ),
    (
        "rejection_date",
        "referral_date",
        "rejection_before_referral",
        "rejection date is before the referral date",
    ),
)

#: Rules whose failing value is an event date (a referral, contact, discharge or
#: rejection date), kept when failures are stored; a date of birth's are redacted.
EVENT_DATE_RULES = frozenset(
    {"date_unparseable", "date_in_future", "date_before_1900", "seen_after_rejection"}
    | {rule for _later, _earlier, rule, _message in _ORDER}
)


def _thousands(number: pl.Expr) -> pl.Expr:
    """1048576 -> "1,048,576" (a plain run of digits would be masked as an identifier)."""
    text = number.cast(pl.Utf8).str.reverse().str.replace_all(r"([0-9]{3})", "$1,")
    return text.str.reverse().str.strip_chars_start(",")


@dataclass
class ActivitySchema(Schema):
    """Rules for one activity file; only fields present in the frame are checked."""

    today: dt.date
    known_lsoas: frozenset[str] | None = None

    def rules(self, frame: pl.DataFrame) -> Sequence[Rule]:
        have = {c[: -len("__raw")] for c in frame.columns if c.endswith("__raw")}
        rules: list[Rule] = []
        if MISALIGNED in frame.columns:
            rules.append(
                Rule(
                    "row_misaligned",
                    REJECTED,
                    pl.lit(None, dtype=pl.Utf8),
                    pl.col(MISALIGNED),
                    "the row has more cells than the header (an unquoted comma in a value?): "
                    "its values would land in the wrong columns",
                )
            )
        rules += self._required(have, frame)
        rules += self._text(have, frame)
        rules += self._dates(have)
        rules += self._age(have)
        if {"referral_id"} <= have:
            key = [pl.col("provider_code"), pl.col("referral_id")]
            count = pl.col(KEY_COUNT) if KEY_COUNT in frame.columns else pl.len().over(key)
            dup = count > 1
            rules.append(
                Rule(
                    "duplicate_referral",
                    REJECTED,
                    "referral_id",
                    dup
                    & pl.col("referral_id").is_not_null()
                    & pl.col("provider_code").is_not_null(),
                    pl.format(
                        "referral id appears {} times for provider {}",
                        count,
                        pl.col("provider_code"),
                    ),
                )
            )
        rules += self._codes(have, frame)
        rules += self._numbers(have)
        return rules

    def _required(self, have: set[str], frame: pl.DataFrame) -> list[Rule]:
        out = []
        for field in ("person_id", "referral_id", "referral_date"):
            if field in have:
                out.append(
                    Rule(
                        f"missing_{field}",
                        REJECTED,
                        field,
                        pl.col(raw(field)).is_null(),
                        f"{field.replace('_', ' ')} is blank (required)",
                        redact=field in IDENTIFIER_FIELDS,
                    )
                )
        out.append(
            Rule(
                "missing_provider_code",
                REJECTED,
                "provider_code",
                pl.col("provider_code").is_null(),
                "provider code is blank (required)",
                value=pl.col("provider_code"),
            )
        )
        out.append(
            Rule(
                "provider_code_identifier",
                REJECTED,
                "provider_code",
                nhs_number_valid(pl.col("provider_code")),
                "provider code is an NHS number, not an organisation code",
                value=pl.col("provider_code"),
                redact=True,
            )
        )
        if REFERRAL_ID_NHS in frame.columns:
            out.append(
                Rule(
                    "referral_id_identifier",
                    WARNING,
                    "referral_id",
                    pl.col(REFERRAL_ID_NHS),
                    "referral id holds what looks like an NHS number: stored as its pseudonym",
                    redact=True,
                )
            )
        out.append(
            Rule(
                "provider_code_unusual",
                WARNING,
                "provider_code",
                ~pl.col("provider_code").str.contains(r"^[A-Z0-9]{3,6}$"),
                "provider code does not look like an ODS code",
                value=pl.col("provider_code"),
            )
        )
        return out

    def _text(self, have: set[str], frame: pl.DataFrame) -> list[Rule]:
        """Over-long cells and control characters, checked only where a column has any
        (one parallel pass finds them), so a clean 1M-row file pays almost nothing."""
        fields = sorted(have)
        suspect = [f for f in (*_KEY_TEXT, *FREE_TEXT_FIELDS) if f in have]
        free = [f for f in FREE_TEXT_FIELDS if f in have]
        found = frame.select(
            *(pl.col(raw(f)).str.len_chars().max().alias(f"len:{f}") for f in fields),
            *(
                pl.col(raw(f)).str.contains(CONTROL_CHARACTERS).any().alias(f"ctl:{f}")
                for f in suspect
            ),
            *(pl.col(raw(f)).str.contains(IDENTIFYING).any().alias(f"ids:{f}") for f in free),
        ).row(0, named=True)
        out = []
        for field in fields:
            name, hide = field.replace("_", " "), field in IDENTIFIER_FIELDS
            length = pl.col(raw(field)).str.len_chars()
            longest = found[f"len:{field}"] or 0
            if longest > MAX_CELL_CHARACTERS:
                out.append(
                    Rule(
                        "value_too_long",
                        REJECTED,
                        field,
                        length > MAX_CELL_CHARACTERS,
                        pl.format(
                            f"{name} is {{}} characters long: at most {MAX_CELL_CHARACTERS:,} "
                            "are read (a broken export?)",
                            _thousands(length),
                        ),
                        redact=hide,
                    )
                )
            width = _STORED_WIDTH.get(field)
            if width is not None and longest > width:
                out.append(
                    Rule(
                        "value_too_long",
                        REJECTED,
                        field,
                        (pl.col(field).str.len_chars() > width) & (length <= MAX_CELL_CHARACTERS),
                        pl.format(
                            f"{name} is {{}} characters long: at most {width} are kept", length
                        ),
                    )
                )
            if found.get(f"ids:{field}"):
                out.append(
                    Rule(
                        "identifier_masked",
                        WARNING,
                        field,
                        pl.col(raw(field)).str.contains(IDENTIFYING),
                        f"{name} held what looks like an NHS number, postcode or other "
                        "identifier; it was masked before storing",
                        redact=True,
                    )
                )
            if not found.get(f"ctl:{field}"):
                continue
            control = pl.col(raw(field)).str.contains(CONTROL_CHARACTERS)
            if field in _KEY_TEXT:
                message = f"{name} contains a control character (such as NUL): not a usable id"
                out.append(
                    Rule("control_character", REJECTED, field, control, message, redact=hide)
                )
            else:
                message = f"{name} contains control characters; they were removed"
                out.append(Rule("control_character", WARNING, field, control, message))
        return out

    def _dates(self, have: set[str]) -> list[Rule]:
        out = []
        for field in (
            "referral_date",
            "first_contact_date",
            "discharge_date",
            "rejection_date",
            "date_of_birth",
        ):
            if field not in have:
                continue
            name, hide = field.replace("_", " "), field in IDENTIFIER_FIELDS
            col = pl.col(field)
            out += [
                Rule(
                    "date_unparseable",
                    REJECTED,
                    field,
                    pl.col(raw(field)).is_not_null() & col.is_null(),
                    f"{name} is not a date (expected e.g. 31/01/2024 or 2024-01-31)",
                    redact=hide,
                ),
                Rule(
                    "date_in_future",
                    REJECTED,
                    field,
                    col > pl.lit(self.today),
                    f"{name} is in the future",
                    redact=hide,
                ),
                Rule(
                    "date_before_1900",
                    REJECTED,
                    field,
                    col < pl.lit(_MIN_DATE),
                    f"{name} is before 1900",
                    redact=hide,
                ),
            ]
        for later, earlier, rule_id, message in _ORDER:
            if {later, earlier} <= have:
                out.append(Rule(rule_id, REJECTED, later, pl.col(later) < pl.col(earlier), message))
        if {"rejection_date", "first_contact_date"} <= have:
            out.append(
                Rule(
                    "seen_after_rejection",
                    WARNING,
                    "rejection_date",
                    pl.col("rejection_date").is_not_null()
                    & pl.col("first_contact_date").is_not_null(),
                    "referral has both a rejection date and a first contact date",
                )
            )
        return out

    def _age(self, have: set[str]) -> list[Rule]:
        out = []
        if "age" in have:
            out.append(
                Rule(
                    "age_unparseable",
                    REJECTED,
                    "age",
                    pl.col(raw("age")).is_not_null() & pl.col("age").is_null(),
                    "age is not a number",
                )
            )
        column = "date_of_birth" if "date_of_birth" in have else "age"
        if have & {"age", "date_of_birth"}:
            out.append(
                Rule(
                    "age_out_of_range",
                    REJECTED,
                    column,
                    ~pl.col("age").is_between(0, 120),
                    pl.format("age at referral is {} (must be 0-120)", pl.col("age")),
                    redact=column in IDENTIFIER_FIELDS,
                )
            )
        return out

    def _codes(self, have: set[str], frame: pl.DataFrame) -> list[Rule]:
        out = []
        for field in (*CODE_FIELDS, "gp_practice"):
            if field in have:
                out.append(
                    Rule(
                        "invalid_code",
                        WARNING,
                        field,
                        (pl.col(field) == INVALID),
                        f"not a valid {field.replace('_', ' ')} code; kept as INVALID",
                    )
                )
        if "nhs_number" in have:
            bad = pl.col(raw("nhs_number")).is_not_null() & pl.col("nhs_number").is_null()
            out.append(
                Rule(
                    "nhs_number_invalid",
                    WARNING,
                    "nhs_number",
                    bad,
                    "NHS number fails the modulus-11 check; not used",
                    redact=True,
                )
            )
        if "lsoa" in have:
            wales = pl.col("__lsoa_wales")
            out.append(
                Rule(
                    "lsoa_wales",
                    WARNING,
                    "lsoa",
                    wales,
                    "LSOA is in Wales, not England; kept as INVALID",
                )
            )
            out.append(
                Rule(
                    "lsoa_malformed",
                    WARNING,
                    "lsoa",
                    (pl.col("lsoa") == INVALID) & ~wales,
                    "not an LSOA code (E01 + 6 digits); kept as INVALID",
                )
            )
        if "lsoa" in frame.columns and self.known_lsoas is not None:
            known = sorted(self.known_lsoas)
            value = pl.col(raw("lsoa")) if "lsoa" in have else pl.col("lsoa")
            out.append(
                Rule(
                    "lsoa_unknown",
                    WARNING,
                    "lsoa" if "lsoa" in have else "postcode",
                    (pl.col("lsoa") != INVALID) & ~pl.col("lsoa").is_in(known),
                    "LSOA is not in the area lookup",
                    value=value,
                )
            )
        if "__pc_unknown" in frame.columns:
            out.append(
                Rule(
                    "postcode_unknown",
                    WARNING,
                    "postcode",
                    pl.col("__pc_unknown"),
                    "postcode not found in the postcode lookup",
                    redact=True,
                )
            )
        return out

    def _numbers(self, have: set[str]) -> list[Rule]:
        out = []
        if "imd_decile" in have:
            bad = pl.col(raw("imd_decile")).is_not_null() & pl.col("imd_decile").is_null()
            out.append(
                Rule(
                    "imd_decile_invalid",
                    WARNING,
                    "imd_decile",
                    bad,
                    "IMD decile must be a whole number 1-10; left blank",
                )
            )
        for field in ("contacts_attended", "contacts_dna", "contacts_cancelled"):
            if field in have:
                unparsed = pl.col(raw(field)).is_not_null() & pl.col(field).is_null()
                negative = unparsed & pl.col(raw(field)).str.starts_with("-")
                out.append(
                    Rule(
                        "contacts_negative",
                        WARNING,
                        field,
                        negative,
                        "contact count is negative; left blank",
                    )
                )
                out.append(
                    Rule(
                        "contacts_not_a_count",
                        WARNING,
                        field,
                        unparsed & ~negative,
                        "contact count is not a whole number; left blank",
                    )
                )
        for field in ("outcome_start", "outcome_end"):
            if field in have:
                out.append(
                    Rule(
                        "outcome_not_a_number",
                        WARNING,
                        field,
                        pl.col(raw(field)).is_not_null() & pl.col(field).is_null(),
                        "outcome score is not a number; left blank",
                    )
                )
                if "outcome_tool" in have:
                    out.append(
                        Rule(
                            "outcome_without_tool",
                            WARNING,
                            field,
                            pl.col(field).is_not_null() & pl.col("outcome_tool").is_null(),
                            "outcome score given without an outcome tool",
                        )
                    )
        return out
