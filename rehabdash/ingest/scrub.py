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

#: C0 control characters other than tab, line feed and carriage return, and DEL:
#: SQLite cuts text at a NUL and PostgreSQL refuses it, so none may reach the store.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL = re.compile(CONTROL_CHARACTERS)
# Driver messages quote the offending value: invalid input syntax for type date: "x"
_QUOTED = re.compile(r"(:\s*)(\"[^\"]*\"|'[^']*')")
_DRIVER_CONTEXT = re.compile(r"\b(DETAIL|CONTEXT|LINE \d+)\b.*", re.DOTALL)

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# What an identifier looks like, as patterns both Python's re and polars (Rust regex,
# no look-around) read the same way; each with its mask, in the order they apply.
_ALWAYS = (
    (r"[\w.+-]+@[\w-]+\.[\w.-]+", "[e-mail]"),
    (r"\d{3}[ -]?\d{3}[ -]?\d{4}", "[number]"),  # NHS numbers, grouped 3-3-4 or not
    (r"\d{6,}", "[number]"),  # other long ids, yyyymmdd dates of birth
)
_DATES = (
    (r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}[/.-]\d{1,2}[/.-]\d{1,2})\b", "[date]"),
    (rf"(?i)\b\d{{1,2}}(?:st|nd|rd|th)?[ /.-]*{_MONTH}[ /.,-]*\d{{2,4}}\b", "[date]"),
    (rf"(?i)\b{_MONTH}[ /.-]*\d{{1,2}}(?:st|nd|rd|th)?,?[ /.-]*\d{{4}}\b", "[date]"),
)
# A postcode in one case: "LS1 4DY" or "ls1 4dy", not "Room A1 2nd floor".
_POSTCODES = (
    (r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", "[postcode]"),
    (r"\b[a-z]{1,2}[0-9][a-z0-9]? ?[0-9][a-z]{2}\b", "[postcode]"),
)
_COMPILED = tuple(
    (re.compile(p), mask, (p, mask) in _DATES) for p, mask in (*_ALWAYS, *_DATES, *_POSTCODES)
)
#: Anything scrub_expr masks (dates aside), as one pattern: for "does this text hold one?"
IDENTIFYING = "|".join(f"(?:{p})" for p, _mask in (*_ALWAYS, *_POSTCODES))


def scrub(text: str) -> str:
    """``text`` with anything shaped like an identifier masked, on one line."""
    text = _CONTROL.sub("?", text)
    for pattern, mask, _is_date in _COMPILED:
        text = pattern.sub(mask, text)
    return " ".join(text.split())


def scrub_expr(expr: pl.Expr, *, dates: bool = True) -> pl.Expr:
    """:func:`scrub` as a polars expression, for values stored about failures.

    ``dates=False`` keeps dates: the value of a failing referral or contact date is an
    event date the officer needs to see, not a date of birth (those are redacted by
    their rules).
    """
    out = expr.cast(pl.Utf8).str.replace_all(CONTROL_CHARACTERS, "?")
    for pattern, mask, is_date in _COMPILED:
        if dates or not is_date:
            out = out.str.replace_all(pattern.pattern, mask)
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
