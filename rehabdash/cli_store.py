"""The store-keeping commands of `rehabdash`: backup, restore, key export/import, and
withdrawing or reinstating a batch.

Backup, restore and key carry a store together with its pseudonymisation key (DESIGN 12),
which a SQLite store keeps outside its file; the logic is in rehabdash.store.backup.
`batches withdraw` and `batches reinstate` are rehabdash.store.withdrawal. Kept apart
from cli.py so each can change alone; heavy modules load only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_batch_actions", "add_store_parsers", "run_store_command"]


def add_store_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Add backup, restore and key to the `rehabdash` subcommands (``common``: --db)."""
    db = common
    backup = sub.add_parser(
        "backup",
        parents=[db],
        help="back up a SQLite store together with its pseudonymisation key",
        description="Write one zip (mode 0600) holding a consistent copy of the SQLite store "
        "and its pseudonymisation key, so a restored store links returning people to the "
        "same pseudonyms. It carries the key: keep it as securely as the store. A "
        "PostgreSQL store is backed up with pg_dump (its key is in store_secret).",
    )
    backup.add_argument("--out", type=Path, required=True, metavar="FILE", help="the zip to write")
    restore = sub.add_parser(
        "restore",
        parents=[db],
        help="restore a SQLite store and its key from a backup",
        description="Put the store from a `rehabdash backup` zip at --db and install its "
        "pseudonymisation key in your config folder. An existing store is not replaced "
        "unless --force is given.",
    )
    restore.add_argument("file", type=Path, metavar="FILE", help="a zip made by rehabdash backup")
    restore.add_argument("--force", action="store_true", help="replace the store at --db")
    key = sub.add_parser(
        "key",
        parents=[db],
        help="export or import the store's pseudonymisation key",
        description="Move just the pseudonymisation key: export it from a store, or install "
        "it for a store whose key file was lost (it is checked against the store first).",
    )
    actions = key.add_subparsers(dest="key_command", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        parents=[db],
        help="write the store's key to a file (mode 0600)",
        description="Write the store's pseudonymisation key (hex) to FILE, mode 0600.",
    )
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    imp = actions.add_parser(
        "import",
        parents=[db],
        help="install a key file (or a backup's key) for the store",
        description="Install the key in FILE (an exported key or a backup zip) where the "
        "store looks for it. A store that names a key accepts only that key.",
    )
    imp.add_argument("file", type=Path, metavar="FILE")


def add_batch_actions(batches: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """`rehabdash batches withdraw ID --reason TEXT` and `rehabdash batches reinstate ID`
    (``batches`` alone lists them; ``common``: --db)."""
    actions = batches.add_subparsers(dest="batch_command", metavar="[ACTION]")
    withdraw = actions.add_parser(
        "withdraw",
        parents=[common],
        help="take a batch out of analysis (it is kept for audit)",
        description="Withdraw a live batch: its rows stay in the store for audit but are no "
        "longer counted by any figure, page or export. Who, when and why are recorded with "
        "the batch (a reason is required; never write a patient identifier in it: anything "
        "like an NHS number, date or postcode is masked). A batch it replaced stays "
        "superseded. Undo with `rehabdash batches reinstate ID`.",
    )
    withdraw.add_argument("batch_id", type=int, metavar="ID", help="the batch (see `batches`)")
    withdraw.add_argument("--reason", required=True, metavar="TEXT", help="why, in a line")
    reinstate = actions.add_parser(
        "reinstate",
        parents=[common],
        help="count a withdrawn batch again",
        description="Reinstate a withdrawn batch: its rows are counted again. Refused if a "
        "live batch holds the same file or any of the same rows (they would count twice).",
    )
    reinstate.add_argument("batch_id", type=int, metavar="ID", help="the batch (see `batches`)")
    reinstate.add_argument("--reason", metavar="TEXT", help="why, in a line (optional)")


def _batch_action(args: argparse.Namespace, url: str) -> int:
    from rehabdash.store import open_store
    from rehabdash.store.withdrawal import reinstate_batch, withdraw_batch

    engine = open_store(url)
    out = sys.stdout.write
    try:
        if args.batch_command == "withdraw":
            change = withdraw_batch(engine, args.batch_id, args.reason)
            out(f"withdrew {change.summary.what}\n")
            out("it is kept for audit and no longer counted by any figure, page or export\n")
            out(f"recorded: withdrawn by {change.by}: {change.reason}\n")
            for old in change.summary.replaced:
                out(
                    f"note: batch {old}, which it had replaced, stays superseded and is not "
                    "counted either; import its file again to count it\n"
                )
        else:
            change = reinstate_batch(engine, args.batch_id, reason=args.reason)
            out(f"reinstated {change.summary.what}\n")
            out(f"it is counted again (recorded: reinstated by {change.by})\n")
    finally:
        engine.dispose()
    return 0


def _backup(args: argparse.Namespace, url: str) -> int:
    from rehabdash.store import describe_url, open_store
    from rehabdash.store.backup import backup_store
    from rehabdash.store.keys import ENV_VAR

    engine = open_store(url)
    try:
        result = backup_store(engine, args.out)
    finally:
        engine.dispose()
    out = sys.stdout.write
    out(f"backed up {describe_url(url)} to {result.path} ({result.size_bytes:,} bytes)\n")
    if result.key_included:
        out(
            f"the backup carries the pseudonymisation key {result.key_id}: keep it as "
            "securely as the store itself\n"
        )
    else:
        out(
            f"the key {result.key_id} comes from ${ENV_VAR} and is not in the backup: "
            "keep it with the backup in your vault\n"
        )
    return 0


def _restore(args: argparse.Namespace, url: str) -> int:
    from rehabdash.store.backup import restore_store
    from rehabdash.store.keys import ENV_VAR

    result = restore_store(args.file, url, force=args.force)
    out = sys.stdout.write
    out(f"restored {result.store} from {args.file}\n")
    if result.key_installed is not None:
        out(f"installed its pseudonymisation key {result.key_id} as {result.key_installed}\n")
    else:
        out(f"the backup carries no key: set ${ENV_VAR} to the key {result.key_id}\n")
    return 0


def _key(args: argparse.Namespace, url: str) -> int:
    from rehabdash.store import describe_url, open_store
    from rehabdash.store.backup import export_key, import_key

    engine = open_store(url)
    try:
        if args.key_command == "export":
            key_id = export_key(engine, args.out)
            sys.stdout.write(
                f"wrote the pseudonymisation key {key_id} of {describe_url(url)} to "
                f"{args.out}: keep it as securely as the store itself\n"
            )
        else:
            key_id = import_key(engine, args.file)
            where = describe_url(url)
            sys.stdout.write(f"installed the pseudonymisation key {key_id} for {where}\n")
    finally:
        engine.dispose()
    return 0


def run_store_command(args: argparse.Namespace, url: str) -> int | None:
    """Run backup, restore, key, or a batch action; None when ``args.command`` is none
    of them (``batches`` alone, the listing, is cli.py's)."""
    if args.command == "batches" and getattr(args, "batch_command", None):
        return _batch_action(args, url)
    if args.command == "backup":
        return _backup(args, url)
    if args.command == "restore":
        return _restore(args, url)
    if args.command == "key":
        return _key(args, url)
    return None
