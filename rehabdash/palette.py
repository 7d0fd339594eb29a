"""The Analysis Function chart palette (DESIGN 10), defined once for the window's charts
and the workbook's: colours with markers or patterns as well, never colour alone."""

from __future__ import annotations

__all__ = ["COMMON", "DARK_BLUE", "DARK_PINK", "GREY", "LIGHT_GREY", "ORANGE", "TURQUOISE"]

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
GREY = "#3D3D3D"
COMMON = "#6F6F6F"  # SPC common cause: 5.0:1 on white
LIGHT_GREY = "#BFBFBF"  # chart limits and guide lines
