"""The `rehabdash` command: everything headless that a BI team scripts (DESIGN 1).

``rehabdash`` alone opens the window; subcommands work without a display. The store is
--db URL, else REHABDASH_DB, else a SQLite file in the user's data folder. Problems a
user can fix are reported as one line on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rehabdash import __version__
from rehabdash.errors import StoreError
from rehabdash.logfile import install_file_logging
from rehabdash.paths import default_db_url, resolve_db_url

__all__ = ["build_parser", "main"]

log = logging.getLogger(__name__)

OpenGui = Callable[[str, bool], int]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    db_help = (
        "database URL: sqlite:///path/file.db or postgresql+psycopg://user@host:port/db "
        "(default: $REHABDASH_DB, else a SQLite file in your data folder)"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", help=db_help)
    parser = argparse.ArgumentParser(
        prog="rehabdash",
        description="Community rehabilitation access dashboard for ICBs. "
        "With no command, opens the window.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"rehabdash {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser(
        "gui",
        parents=[common],
        help="open the window (the default)",
        description="Open the window on the store.",
    )
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="build a demo store from a synthetic ICB",
        description="Build a demo store: a real ICB's LSOAs, deprivation and population with "
        "synthetic referral-level rehab activity (ground truth in rehabdash.demo).",
    )
    demo.add_argument(
        "--icb", default="QWO", help="ICB ODS code, ONS code or name (default QWO, West Yorkshire)"
    )
    demo.add_argument("--seed", type=int, default=2025, help="random seed (default 2025)")
    demo.add_argument(
        "--rows", type=_positive, default=200_000, help="referrals to generate (default 200,000)"
    )
    demo.add_argument(
        "--csv", type=Path, metavar="PATH", help="also write the activity as a CSV extract"
    )
    demo.add_argument(
        "--xlsx", type=Path, metavar="PATH", help="also write the activity as an XLSX extract"
    )
    demo.add_argument("--no-store", action="store_true", help="only write the extract files")
    return parser


def _progress(out: Callable[[str], object]) -> Callable[[float, str], None]:
    last = [-1]

    def report(fraction: float, message: str) -> None:
        step = int(fraction * 10)
        if step != last[0]:
            last[0] = step
            out(f"{fraction:4.0%}  {message}\n")

    return report


def _demo(args: argparse.Namespace, url: str) -> int:
    from rehabdash.demo import generate, store_demo, store_has_activity
    from rehabdash.demo.extract import write_extract
    from rehabdash.store import describe_url, open_store

    for target in (args.csv, args.xlsx):
        if target is not None and not target.parent.exists():
            raise StoreError(f"cannot write {target}: folder {target.parent} does not exist")
    started = time.perf_counter()
    engine = None if args.no_store else open_store(url)
    if engine is not None and store_has_activity(engine):
        raise StoreError(
            f"{describe_url(url)} already holds activity; build the demo in a new store"
        )
    data = generate(icb=args.icb, rows=args.rows, seed=args.seed)
    sys.stdout.write(
        f"generated {data.referrals.height:,} referrals for {data.icb.name} "
        f"({data.areas.height:,} LSOAs) in {time.perf_counter() - started:.1f} s\n"
    )
    if engine is not None:
        batches = store_demo(engine, data, progress=_progress(sys.stdout.write))
        sys.stdout.write(f"stored in {describe_url(url)} (batches {batches})\n")
    for target in (args.csv, args.xlsx):
        if target is not None:
            try:
                rows = write_extract(data, target)
            except OSError as exc:
                raise StoreError(f"cannot write {target}: {exc.strerror}") from None
            sys.stdout.write(f"wrote {rows:,} rows to {target}\n")
    sys.stdout.write(f"done in {time.perf_counter() - started:.1f} s\n")
    return 0


def main(argv: Sequence[str] | None = None, open_gui: OpenGui | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = resolve_db_url(args.db)
    logfile = install_file_logging()
    try:
        if args.command in (None, "gui"):
            if open_gui is None:
                raise StoreError("the window is not available in this build")
            return open_gui(url, url == default_db_url())
        if args.command == "demo":
            return _demo(args, url)
    except (StoreError, ValueError) as exc:
        sys.stderr.write(f"rehabdash: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("rehabdash: interrupted; nothing was committed\n")
        return 130
    except Exception as exc:
        log.exception("rehabdash %s failed", args.command or "gui")
        where = f"; details in {logfile}" if logfile else ""
        sys.stderr.write(f"rehabdash: unexpected error: {type(exc).__name__}: {exc}{where}\n")
        return 1
    return 0
