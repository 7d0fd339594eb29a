"""Guard: PySide6 6.12.0 decrements None's refcount on void QPainter calls under Python < 3.12.

pyqtgraph then aborts with none_dealloc after a few thousand paints. pyproject pins
PySide6-Essentials <6.12 for Python < 3.12; this test fails if a broken build slips in.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QLineF
from PySide6.QtGui import QImage, QPainter


def test_void_qpainter_calls_keep_none_refcount(qapp: object) -> None:
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(5_000):
        painter.drawLine(QLineF(0, 0, 10, 10))
        painter.save()
        painter.restore()
    after = sys.getrefcount(None)
    painter.end()
    # Immortal None (3.12+) never changes; on 3.11 a leak shows as a fall of ~15,000.
    assert after >= before - 100, f"None lost {before - after} references over 15,000 void calls"
