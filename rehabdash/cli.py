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
from typing import TYPE_CHECKING

from rehabdash import __version__
from rehabdash.cli_mapping import add_mapping_parsers, run_mapping_command
from rehabdash.cli_plan import add_plan_parsers, run_plan_command
from rehabdash.cli_store import add_batch_actions, add_store_parsers, run_store_command
from rehabdash.errors import StoreError
from rehabdash.kinds import AREA_TYPES, IMPORT_KINDS, area_type_named
from rehabdash.logfile import install_file_logging
from rehabdash.paths import check_url, demo_db_url, resolve_db_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from rehabdash.ingest import ColumnMapping

__all__ = ["build_parser", "main"]

log = logging.getLogger(__name__)

OpenGui = Callable[[str, bool], int]


def _field_column(text: str) -> tuple[str, str]:
    field, sep, column = text.partition("=")
    if not sep or not field.strip() or not column.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not FIELD=COLUMN")
    return field.strip(), column.strip()


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
    # --db may come before or after the command: a subcommand leaves it unset unless
    # given there (argparse would otherwise overwrite the earlier value with a default).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=db_help)
    parser = argparse.ArgumentParser(
        prog="rehabdash",
        description="Community rehabilitation access dashboard for ICBs. "
        "With no command, opens the window.",
    )
    parser.add_argument("--db", metavar="URL", help=db_help)  # its own: default None
    parser.add_argument("--version", action="version", version=f"rehabdash {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser(
        "gui",
        parents=[common],
        help="open the window (the default)",
        description="Open the window on the store. An empty store opens a welcome page: "
        "open the demo (in a store of its own) or import your ICB's extract.",
    )
    gui.add_argument(
        "--demo",
        action="store_true",
        help="open the demo's own store (synthetic data; built on first use), never yours",
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
    demo.add_argument(
        "--no-inequities",
        action="store_true",
        help="plant none of the demo's inequities (need by age and sex and the recording gaps "
        "stay); the store's batches are named 'no-inequity demo'",
    )
    _add_import_parsers(sub, common)
    add_store_parsers(sub, common)  # backup, restore, key (rehabdash.cli_store)
    add_plan_parsers(sub, common)  # plan, export plan (rehabdash.cli_plan)
    add_mapping_parsers(sub, common)  # mapping suggest, mapping fields (rehabdash.cli_mapping)
    return parser


def _add_import_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    imp = sub.add_parser(
        "import",
        parents=[common],
        help="import an activity extract, population, IMD, need table, postcode directory, "
        "area lookup or service sites",
        description="Import a CSV or XLSX file into the store as one audited batch. "
        "An activity file's columns are mapped by a saved mapping whose headers match, "
        "else by --mapping, else by the suggested mapping when every required field is "
        "matched unambiguously. Rows that cannot be used are rejected and reported; "
        "referrals already held in a live batch are not counted twice.",
    )
    imp.add_argument("kind", choices=IMPORT_KINDS)
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--sheet", help="worksheet name or number (1 = first) of a workbook")
    imp.add_argument("--mapping", metavar="NAME", help="saved mapping to use (or a .json file)")
    imp.add_argument(
        "--save-mapping", metavar="NAME", help="save the mapping used under NAME (a new version)"
    )
    imp.add_argument("--provider", metavar="CODE", help="provider code for rows without one")
    imp.add_argument("--period", metavar="YYYY-MM", help="reporting month of the extract")
    imp.add_argument("--year", type=int, help="population: the mid-year, if the file lacks it")
    imp.add_argument("--edition", type=int, choices=(2019, 2025), help="IMD edition")
    imp.add_argument(
        "--area-type",
        type=_area_type,
        metavar="TYPE",
        help=f"areas: what the file groups LSOAs into ({', '.join(AREA_TYPES)}; default: "
        "from the name column's header, else neighbourhood)",
    )
    imp.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    imp.add_argument(
        "--replace",
        metavar="BATCH_ID",
        type=int,
        action="append",
        default=[],
        help="this file replaces that batch (superseded, kept for audit); repeatable",
    )
    imp.add_argument(
        "--yes",
        action="store_true",
        help="with --replace: go ahead even though the file lacks some of the replaced "
        "batch's rows (they leave live data; the command says how many first)",
    )
    imp.add_argument(
        "--map",
        metavar="FIELD=COLUMN",
        action="append",
        default=[],
        type=_field_column,
        help="map COLUMN to FIELD, by its key or label (first_contact_date='Date Seen' or "
        "'First attended contact date=Date Seen'), on top of the saved or suggested "
        "mapping; repeatable (rehabdash mapping fields lists the fields)",
    )
    imp.add_argument(
        "--drop",
        metavar="COLUMN",
        action="append",
        default=[],
        help="leave COLUMN out even though it looks like a field; repeatable",
    )
    imp.add_argument(
        "--rejects",
        type=Path,
        metavar="PATH",
        help="write rejected rows to PATH (.xlsx: a workbook; any other name: CSV); the file "
        "holds the rows as they were, identifiers included, so it can be fixed",
    )
    batches = sub.add_parser(
        "batches",
        parents=[common],
        help="list import batches; withdraw or reinstate one",
        description="With no ACTION, list every import batch, newest first (the note says "
        "who withdrew or reinstated a batch, when and why, or which batch superseded it). "
        "ACTION withdraws a batch from analysis (kept for audit) or reinstates a withdrawn one.",
    )
    add_batch_actions(batches, common)  # withdraw, reinstate (rehabdash.cli_store)
    roles = sub.add_parser(
        "roles",
        parents=[common],
        help="set up reader and importer roles on a PostgreSQL store",
        description="Create the rehabdash_reader and rehabdash_importer group roles with "
        "their rights on this store and grant them to existing login roles. Readers "
        "cannot see the pseudonymisation key; nobody but the owner can delete or alter. "
        "Run as the database owner.",
    )
    roles.add_argument("--reader", action="append", default=[], metavar="LOGIN")
    roles.add_argument("--importer", action="append", default=[], metavar="LOGIN")


def _area_type(text: str) -> str:
    try:
        return area_type_named(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    data = generate(icb=args.icb, rows=args.rows, seed=args.seed, plant=not args.no_inequities)
    sys.stdout.write(
        f"generated {data.referrals.height:,} referrals for {data.icb.name} "
        f"{'' if data.planted else '(no inequities planted) '}"
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


def sheet_arg(text: str | None) -> str | int | None:
    if text is None:
        return None
    return int(text) - 1 if text.strip().isdigit() else text


def _mapping(engine: Engine, args: argparse.Namespace) -> ColumnMapping | None:
    """--mapping (a saved name or a .json file), with --map and --drop on top; only
    --map/--drop: a partial mapping, added to the saved or suggested one."""
    from rehabdash.ingest import ColumnMapping
    from rehabdash.ingest.header_match import field_named
    from rehabdash.store.mappings import get_mapping

    choices = {field_named(name): column for name, column in args.map}
    if args.mapping is None:
        if not choices and not args.drop:
            return None
        return ColumnMapping("activity", choices, dropped=list(args.drop), partial=True)
    path = Path(args.mapping)
    if path.suffix.lower() == ".json" and path.is_file():
        mapping = ColumnMapping.from_json(path.read_text(encoding="utf-8"))
        # Written by hand (no header signature): it adds to the suggestion, as --map does.
        mapping.partial = mapping.partial or not mapping.header_signature
    else:
        mapping = get_mapping(engine, args.mapping)
    if choices or args.drop:
        fields = {f: c for f, c in mapping.fields.items() if c not in choices.values()}
        mapping.fields = {**fields, **choices}
        mapping.dropped = sorted({*mapping.dropped, *args.drop})
    return mapping


def _check_replacement(
    engine: Engine, prepared: object, replace: Sequence[int], yes: bool
) -> str | None:
    """Say what --replace would take out of live data; refuse it without --yes."""
    from rehabdash.ingest.pipeline import ActivitySource, PreparedImport
    from rehabdash.ingest.refusals import expected_loss, loss_message

    if not replace or not isinstance(prepared, ActivitySource | PreparedImport):
        return None
    message = loss_message(
        prepared.source_name, prepared.kind, expected_loss(engine, prepared, replace)
    )
    if message is not None and not yes:
        raise StoreError(f"{message}; nothing was imported. To replace anyway, add --yes")
    return message


def _import(args: argparse.Namespace, url: str) -> int:
    from rehabdash.ingest import ImportCancelled, ImportFileError

    try:
        return _run_import(args, url)
    except (ImportFileError, ImportCancelled) as exc:  # one line, never a traceback
        raise StoreError(str(exc)) from None


def _run_import(args: argparse.Namespace, url: str) -> int:
    from rehabdash.ingest import import_prepared, prepare_file
    from rehabdash.ingest.importer import audit_failure
    from rehabdash.ingest.rejects import REJECTS_WARNING, RejectsCollector
    from rehabdash.ingest.store_rows import check_period, check_provider
    from rehabdash.store import describe_url, open_store
    from rehabdash.store.mappings import save_mapping

    out = sys.stdout.write
    check_period(args.period)  # before the long prepare
    args.provider = check_provider(args.provider)
    engine = open_store(url)
    started = time.perf_counter()
    out(f"importing {args.kind} from {args.file} into {describe_url(url)}\n")
    try:  # a refusal before prepare_file (which audits its own) leaves its audit row
        if args.rejects is not None and not args.rejects.parent.exists():
            raise StoreError(
                f"cannot write {args.rejects}: folder {args.rejects.parent} does not exist"
            )
        mapping = _mapping(engine, args)
    except (StoreError, ValueError) as exc:
        audit_failure(engine, args.file, args.kind, args.provider, exc)
        raise
    prepared = prepare_file(
        engine,
        args.file,
        args.kind,
        sheet=sheet_arg(args.sheet),
        mapping=mapping,
        provider_code=args.provider,
        year=args.year,
        edition=args.edition,
        area_type=args.area_type,
        audit=True,
        stream=True,
        replace=args.replace,
        progress=_progress(out),
    )
    if prepared.mapping is not None and args.kind == "activity":
        how = "given" if args.mapping else "saved or suggested from the headers"
        out(f"mapping: {len(prepared.mapping.fields)} fields mapped ({how})\n")
        from rehabdash.ingest.coverage import missing_for_store

        for gap in missing_for_store(engine, prepared.mapping.fields):
            out(f"note: {gap}\n")
    if prepared.header_row > 1:
        out(f"note: the header is on row {prepared.header_row:,}; the rows above it were skipped\n")
    for note in [*prepared.notes, *([prepared.footer_note] if prepared.footer_note else [])]:
        out(f"note: {note}\n")
    try:
        loss = _check_replacement(engine, prepared, args.replace, args.yes)
    except StoreError as exc:
        audit_failure(engine, args.file, args.kind, args.provider, exc)
        raise
    if loss is not None:
        out(f"note: {loss} (--yes given)\n")
    rejects = RejectsCollector(args.file) if args.rejects is not None else None
    try:
        result = import_prepared(
            engine,
            prepared,
            provider_code=args.provider,
            period=args.period,
            strict=args.strict,
            replace=args.replace,
            allow_loss=args.yes,
            progress=_progress(out),
            collect=rejects,
        )
    finally:
        if rejects is not None:
            written = rejects.write(args.rejects)
            out(f"wrote {written:,} rejected row(s) to {args.rejects}\n")
            out(f"note: {REJECTS_WARNING}\n")
    out(f"rows read: {result.rows_read:,}\n")
    out(f"imported: {result.rows_accepted:,} (batch {result.batch_id})\n")
    out(f"rejected: {result.rows_rejected:,}\n")
    for rule, severity, count in result.rule_counts.iter_rows():
        out(f"  {severity:<8}  {rule:<32} {count:>10,}\n")
    for old in result.superseded:
        out(f"superseded batch {old}\n")
    for note in result.notes:  # what the import found as it went (e.g. contacts rolled up)
        if note not in prepared.notes and not note.startswith("superseded batch"):
            out(f"note: {note}\n")
    if args.save_mapping and prepared.mapping is not None:
        if args.kind != "activity":
            raise ValueError("--save-mapping applies to activity files")
        version = save_mapping(engine, prepared.mapping, args.save_mapping)
        out(f"saved mapping {args.save_mapping!r} version {version}\n")
    out(f"done in {time.perf_counter() - started:.1f} s\n")
    return 0


def _batches(url: str) -> int:
    from rehabdash.store import open_store
    from rehabdash.store.batches import list_batches

    frame = list_batches(open_store(url))
    out = sys.stdout.write
    if frame.height == 0:
        out("no import batches yet\n")
        return 0
    header = (
        "id",
        "kind",
        "status",
        "file",
        "read",
        "accepted",
        "rejected",
        "period",
        "provider",
        "finished",
        "user",
        "note",
    )
    rows = [
        (
            str(r["id"]),
            r["kind"],
            r["status"],
            r["source_name"],
            f"{r['rows_read']:,}",
            f"{r['rows_accepted']:,}",
            f"{r['rows_rejected']:,}",
            r["period"] or "",
            r["provider_code"] or "",
            f"{r['finished_at']:%Y-%m-%d %H:%M}" if r["finished_at"] else "",
            r["user_name"] or "",
            _note(r["status"], r["status_text"]),  # who withdrew it, when and why
        )
        for r in frame.iter_rows(named=True)
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        out("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")
    return 0


def _note(status: str, words: str) -> str:
    """The status in words less the status: "01/12/2026 by ann: a test file" (withdrawn),
    "by batch 9" (superseded), "reinstated 02/12/2026 by bob" (committed); else blank."""
    if words == status or not words.startswith(status):
        return "" if words == status else words
    rest = words.removeprefix(status).strip()
    return rest[1:-1] if rest.startswith("(") and rest.endswith(")") else rest


def _roles(args: argparse.Namespace, url: str) -> int:
    from rehabdash.store import open_store
    from rehabdash.store.roles import IMPORTER, READER, setup_roles

    setup_roles(open_store(url), readers=args.reader, importers=args.importer)
    out = sys.stdout.write
    out(f"roles {READER} and {IMPORTER} are set up on this store\n")
    for group, members in ((READER, args.reader), (IMPORTER, args.importer)):
        for member in members:
            out(f"granted {group} to {member}\n")
    return 0


def main(argv: Sequence[str] | None = None, open_gui: OpenGui | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = resolve_db_url(args.db)
    logfile = install_file_logging()
    try:
        if args.command in (None, "gui"):
            if open_gui is None:
                raise StoreError("the window is not available in this build")
            demo = bool(getattr(args, "demo", False))
            url = demo_db_url() if demo else url
            check_url(url)
            return open_gui(url, demo)
        if (stored := run_store_command(args, url)) is not None:
            return stored
        if (planned := run_plan_command(args, url)) is not None:
            return planned
        if (mapped := run_mapping_command(args)) is not None:
            return mapped
        if args.command == "demo":
            return _demo(args, url)
        if args.command == "import":
            return _import(args, url)
        if args.command == "batches":
            return _batches(url)
        if args.command == "roles":
            return _roles(args, url)
    except (StoreError, ValueError) as exc:
        sys.stderr.write(f"rehabdash: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("rehabdash: interrupted; nothing was committed\n")
        return 130
    except Exception as exc:
        log.exception("rehabdash %s failed", args.command or "gui")
        where = f"; details in {logfile}" if logfile else ""
        from rehabdash.ingest.scrub import scrub  # a library's text may quote the data

        sys.stderr.write(
            f"rehabdash: unexpected error: {type(exc).__name__}: {scrub(str(exc))}{where}\n"
        )
        return 1
    return 0
