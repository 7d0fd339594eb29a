"""``rehabdash mapping suggest|fields``: column mapping without the window (issue 13).

``suggest FILE`` reads an activity extract, prints the field each column was matched
to with the reason and how sure, what is left to ask, and which measures will be
empty; ``--json PATH`` writes the suggestion as an editable mapping file for
``rehabdash import activity FILE --mapping PATH``. ``fields`` lists every field's key
and label (either may be given to ``--map``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["add_mapping_parsers", "run_mapping_command"]


def add_mapping_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    mapping = sub.add_parser(
        "mapping",
        parents=[common],
        help="suggest a column mapping for an activity file; list the fields",
        description="Map an activity extract's columns without the window: `suggest` "
        "shows what each column was matched to and why, `fields` lists the fields.",
    )
    actions = mapping.add_subparsers(dest="mapping_action", metavar="ACTION", required=True)
    suggest = actions.add_parser(
        "suggest",
        parents=[common],
        help="print the suggested mapping of FILE, with reasons",
        description="Read FILE (CSV or XLSX), match its columns to the activity fields by "
        "their names and values, and print each match with its reason and how sure it is. "
        "Matches below 80%% are asked, never taken. --json writes an editable mapping.",
    )
    suggest.add_argument("file", type=Path, metavar="FILE")
    suggest.add_argument("--sheet", help="worksheet name or number (1 = first) of a workbook")
    suggest.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="write the suggestion as a mapping file to edit and give to import --mapping",
    )
    actions.add_parser(
        "fields",
        parents=[common],
        help="list the activity fields: key, label, required",
        description="Every field an activity column can be mapped to. Give --map the key "
        "or the label.",
    )


def run_mapping_command(args: argparse.Namespace) -> int | None:
    """Run ``mapping``; None when the command is another."""
    if args.command != "mapping":
        return None
    if args.mapping_action == "fields":
        return _fields()
    return _suggest(args)


def _fields() -> int:
    from rehabdash.ingest.fields import INPUT_FIELDS, REQUIRED_FIELDS, field_label

    out = sys.stdout.write
    width = max(len(f) for f in INPUT_FIELDS)
    out(f"{'key':<{width}}  {'required':<8}  label\n")
    for name in INPUT_FIELDS:
        need = "yes" if name in REQUIRED_FIELDS else ""
        out(f"{name:<{width}}  {need:<8}  {field_label(name)}\n")
    return 0


def _suggest(args: argparse.Namespace) -> int:
    from rehabdash.cli import sheet_arg
    from rehabdash.ingest.coverage import missing_measures
    from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, describe_field, vocabulary
    from rehabdash.ingest.mapping import suggest_mapping
    from rehabdash.ingest.prepared import read_bytes
    from rehabdash.ingest.readers import read_table

    if args.json is not None and not args.json.parent.exists():
        raise ValueError(f"cannot write {args.json}: folder {args.json.parent} does not exist")
    data, _sha = read_bytes(args.file)
    table = read_table(
        args.file, data, sheet=sheet_arg(args.sheet), vocabulary=vocabulary(ACTIVITY_SYNONYMS)
    )
    suggestion = suggest_mapping(table.frame, table.headers)
    out = sys.stdout.write
    where = f", sheet {table.sheet!r}" if table.sheet else ""
    out(
        f"{args.file.name}{where}: {len(table.headers)} columns, header on row {table.header_row}\n"
    )
    out("\nmapped:\n")
    for fld, cand in sorted(suggestion.reasons.items(), key=lambda kv: kv[1].header):
        out(
            f"  {cand.header!r} -> {describe_field(fld)}\n"
            f"      {cand.confidence:.0%} sure: {cand.reason}\n"
        )
    if suggestion.questions or suggestion.ambiguous:
        out("\nto decide (never taken without you: --map FIELD=COLUMN or --drop COLUMN):\n")
    for cand in suggestion.questions:
        out(f"  {cand.describe()}\n")
    for fld, headers in suggestion.ambiguous.items():
        names = ", ".join(map(repr, headers))
        out(f"  {describe_field(fld)}: equally likely in {names}\n")
    asked = {c.header for c in suggestion.questions}
    left = [h for h in suggestion.unmapped if h not in asked]
    if left:
        out("\nnot used: " + ", ".join(map(repr, left)) + "\n")
    gaps = missing_measures(suggestion.mapping.fields)
    if gaps:
        out("\nwill be empty for this file:\n")
        for gap in gaps:
            out(f"  {gap.describe()}\n")
    if args.json is not None:
        template = json.loads(suggestion.mapping.to_json())
        template["columns"] = list(table.headers)  # for reference: the file's headers
        template["to_decide"] = [
            {"column": c.header, "field": c.field, "sure": round(c.confidence, 2), "why": c.reason}
            for c in suggestion.questions
        ]
        args.json.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")
        out(
            f'\nwrote {args.json}: edit its "fields" (field key -> column), then '
            f"rehabdash import activity {args.file} --mapping {args.json}\n"
        )
    return 0
