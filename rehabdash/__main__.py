"""`python -m rehabdash` and the `rehabdash` command.

The GUI is imported only when the window is asked for, so headless commands need no Qt
libraries (import-linter allows this one door from the core to rehabdash.ui).
"""

from __future__ import annotations

import sys

from rehabdash.cli import main as cli_main

__all__ = ["main"]


def _open_gui(db_url: str, demo: bool) -> int:
    """``demo``: the URL is the demo's own store, built on first use."""
    from rehabdash.ui.app import run

    return run(db_url, build_demo_if_empty=demo)


def main() -> int:
    return cli_main(sys.argv[1:], open_gui=_open_gui)


if __name__ == "__main__":
    sys.exit(main())
