"""Take identifiers out of text that is shown to a user or stored about a failure.

Messages are written in our own words, but some carry text that came from a file or a
library: a header row that was really a data row, a driver's "invalid input syntax
for type date: "12/05/1950"", a parse error quoting the offending line. DESIGN 12:
error messages and stored failure details never carry an identifier, so everything
that may hold file content passes through :func:`scrub` first. It masks what an
identifier looks like (NHS numbers and other long digit runs, dates, postcodes,
e-mail addresses), quoted driver values, and control characters.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = [
    "CONTROL_CHARACTERS",
    "IDENTIFYING",
    "scrub",
    "scrub_driver_message",
    "scrub_expr",
    "unexpected_reason",
]

# 10 digits, optionally grouped 3-3-4 (NHS numbers); any other run of 9+ digits.
_NHS = re.compile(r"(?<![\w.])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w.])")
_DIGITS = re.compile(r"\d{6,}")  # long ids and yyyymmdd dates of birth
_DATE = re.compile(
    r"(?<!\w)(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?!\w)"
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
#: C0 control characters other than tab, line feed and carriage return, and DEL:
#: SQLite cuts text at a NUL and PostgreSQL refuses it, so none may reach the store.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)
# Driver messages quote the offending value: invalid input syntax for type date: "x"
_QUOTED = re.compile(r"(:\s*)(\"[^\"]*\"|'[^']*')")
_DRIVER_CONTEXT = re.compile(r"\b(DETAIL|CONTEXT|LINE \d+)\b.*", re.DOTALL)


def scrub(text: str) -> str:
    """``text`` with anything shaped like an identifier masked, on one line."""
    text = _CONTROL.sub("?", text)
    text = _EMAIL.sub("[e-mail]", text)
    text = _NHS.sub("[number]", text)
    text = _DIGITS.sub("[number]", text)
    text = _DATE.sub("[date]", text)
    text = _POSTCODE.sub("[postcode]", text)
    return " ".join(text.split())


# The same rules for a column of values (polars' regex has no look-around, so a digit
# run is masked whole, and a little more eagerly than by scrub()).
_EXPR_RULES = (
    (r"[\w.+-]+@[\w-]+\.[\w.-]+", "[e-mail]"),
    (r"\d{3}[ -]?\d{3}[ -]?\d{4}", "[number]"),
    (r"\d{6,}", "[number]"),
)
_EXPR_DATES = (
    r"\b(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2})\b",
    "[date]",
)
_EXPR_POSTCODE = (r"(?i)\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", "[postcode]")
#: Anything scrub_expr masks (dates aside), as one pattern: for "does this text hold one?"
IDENTIFYING = "|".join(f"(?:{p})" for p, _mask in (*_EXPR_RULES, _EXPR_POSTCODE))


def scrub_expr(expr: pl.Expr, *, dates: bool = True) -> pl.Expr:
    """:func:`scrub` as a polars expression, for values stored about failures.

    ``dates=False`` keeps dates: the value of a failing referral or contact date is an
    event date the officer needs to see, not a date of birth (those are redacted by
    their rules).
    """
    rules = (*_EXPR_RULES, *((_EXPR_DATES,) if dates else ()), _EXPR_POSTCODE)
    out = expr.cast(pl.Utf8).str.replace_all(CONTROL_CHARACTERS, "?")
    for pattern, mask in rules:
        out = out.str.replace_all(pattern, mask)
    return out


def scrub_driver_message(text: str) -> str:
    """The first line of a database driver's message, its quoted values removed."""
    text = _DRIVER_CONTEXT.sub("", text).strip()
    first = text.splitlines()[0] if text else ""
    return scrub(_QUOTED.sub(r"\1[value]", first))


def unexpected_reason(exc: BaseException) -> str:
    """What is stored and shown for an error we did not foresee: its kind only, since
    a library's message may quote the data it choked on (the log file has the rest)."""
    return f"unexpected error ({type(exc).__name__}); the details are in the log file"
