"""Colours and pens shared by every chart: the Analysis Function palette (DESIGN 10).

Text contrast meets WCAG AA (4.5:1): the navigation is white on dark blue (10.3:1), its
selected item dark blue on white (10.3:1), the demo banner white on dark pink (9.7:1)."""

from __future__ import annotations

from rehabdash.palette import DARK_BLUE, DARK_PINK, GREY, ORANGE, TURQUOISE

__all__ = ["DARK_BLUE", "DARK_PINK", "GREY", "ORANGE", "STYLE", "TURQUOISE"]

STYLE = """
QListWidget#nav { background: #12436D; color: white; border: none; font-size: 14px; }
QListWidget#nav::item { padding: 10px 14px; }
QListWidget#nav::item:selected { background: white; color: #12436D; font-weight: 600; }
QListWidget#nav::item:focus { border: 2px solid #F46A25; }
QLabel#demoBanner { background: #801650; color: white; font-weight: 600; padding: 3px 8px;
                    border-radius: 3px; }
QFrame#tile { background: white; border: 1px solid #d0d7de; border-radius: 6px; }
QLabel#tileValue { font-size: 26px; font-weight: 600; color: #12436D; }
QLabel#tileTitle { font-size: 12px; color: #3D3D3D; }
QLabel#tileNote { font-size: 11px; color: #555555; }
QLabel#pageTitle { font-size: 20px; font-weight: 600; color: #12436D; }
"""
