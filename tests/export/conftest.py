"""The workbook tests' shared fixture (made once per session): see workbook_built."""

from workbook_built import built

__all__ = ["built"]
