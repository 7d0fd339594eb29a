"""Attendance status and consultation mechanism (CSDS care contacts); DESIGN 5.7.

Used when an extract is contact-level: attendance codes are grouped into attended,
did not attend (DNA) and cancelled, which give the referral-level contact counts.
"""

from __future__ import annotations

import polars as pl

from rehabdash.codes._normalise import CodeList

__all__ = [
    "ATTENDANCE",
    "CONSULTATION_MECHANISM",
    "OUTCOME_OF",
    "attendance_outcome",
    "normalise_attendance",
    "normalise_mechanism",
]

ATTENDANCE = CodeList(
    name="attendance",
    codes={
        "5": "Attended on time or, if late, before the relevant care professional was ready",
        "6": "Arrived late, after the relevant care professional was ready, but was seen",
        "7": "Arrived late and could not be seen",
        "2": "Appointment cancelled by, or on behalf of, the patient",
        "3": "Did not attend - no advance warning given",
        "4": "Appointment cancelled or postponed by the health care provider",
    },
    synonyms={
        "5": ("attended", "seen", "attended on time", "05"),
        "6": ("arrived late but seen", "late seen", "06"),
        "7": ("arrived late not seen", "late not seen", "07"),
        "3": ("dna", "did not attend", "no show", "03"),
        "2": ("cancelled by patient", "patient cancelled", "02"),
        "4": ("cancelled by provider", "provider cancelled", "hospital cancelled", "04"),
    },
)

#: Attendance code -> outcome group used for the referral-level counts.
OUTCOME_OF: dict[str, str] = {
    "5": "attended",
    "6": "attended",
    "7": "dna",
    "3": "dna",
    "2": "cancelled",
    "4": "cancelled",
}

CONSULTATION_MECHANISM = CodeList(
    name="consultation_mechanism",
    codes={
        "01": "Face to face",
        "02": "Telephone",
        "04": "Talk type for a person unable to speak",
        "05": "Email",
        "09": "Text message (asynchronous)",
        "10": "Instant messaging (synchronous)",
        "11": "Video consultation",
        "12": "Message board (asynchronous)",
        "13": "Chat room (synchronous)",
        "98": "Other",
    },
    synonyms={
        "01": ("1", "f2f", "face to face", "in person"),
        "02": ("2", "phone", "telephone call"),
        "04": ("4", "talk type"),
        "05": ("5", "e mail"),
        "09": ("9", "text", "sms"),
        "10": ("instant message", "im"),
        "11": ("video", "video call"),
        "12": ("message board",),
        "13": ("chat room",),
        "98": ("other",),
    },
)


def normalise_attendance(expr: pl.Expr) -> pl.Expr:
    """Attendance code 2-7; null for blank; INVALID otherwise."""
    return ATTENDANCE.normalise(expr)


def normalise_mechanism(expr: pl.Expr) -> pl.Expr:
    """Consultation mechanism code; null for blank; INVALID otherwise."""
    return CONSULTATION_MECHANISM.normalise(expr)


def attendance_outcome(expr: pl.Expr) -> pl.Expr:
    """'attended', 'dna' or 'cancelled' for a normalised attendance code, else null."""
    return expr.replace_strict(OUTCOME_OF, default=None, return_dtype=pl.Utf8)
