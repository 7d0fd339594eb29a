"""rehabdash: who is and isn't accessing community rehabilitation in an ICB, and why.

The Qt-free core: code lists, import, the store, statistics and the data plan.
The GUI lives in ``rehabdash.ui`` (the repository's ``ui/`` folder) and the named
queries in ``rehabdash.queries`` (``queries/``).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
