"""The PySide6 + pyqtgraph desktop interface (the only part of rehabdash that imports Qt)."""
