"""Time the data plan on a large demo store against its floor, same run (issue 10).

For each store (a SQLite file; PostgreSQL: $REHABDASH_BENCH_PG_URL or a throwaway
cluster), holding the demo ICB with --rows referrals:

* floor: a fresh process that pulls the same columns the plan reads
  (rehabdash.queries.referrals.pull_referrals) and runs one polars group-by (people by
  IMD decile and sex); timed from the process's start, imports included;
* plan, cold: a fresh process that computes the full plan (every single characteristic
  and the default pairs, area tables, trends, recording quality, findings) for the
  financial year 2024-25; timed from the process's start, imports included;
* warm: in that process, the same plan again (kept) and the whole plan recomputed for
  a new filter on the rows already in memory;
* new breakdown after a filter change: in that process, the filter changes (one
  provider) and one breakdown (religion) is computed: scope and indicators of the
  three sections (access, consequences, need by group); then, each for a filter of its
  own, one section's indicators of it, as a dashboard page asks for them;
* another breakdown on that filter (ethnicity, all three sections): the scope is made,
  so only the breakdown's own indicators are computed;
* the breakdown's floor: the kept rows filtered to that provider and one polars
  group-by (people referred by religion), the least any breakdown of the new filter
  could cost;
* peak: the plan process's peak resident memory (VmHWM) up to the new breakdown, and
  after the pages (the engine then holds four scopes, as a dashboard session would).

Targets: cold plan <= 3x the floor, warm <= 0.5 s, new breakdown <= 150 ms, peak
<= 1.5 GB. With --ten-million, a 10M-referral PostgreSQL store too (cold plan and peak).

    .venv/bin/python benchmarks/bench_plan.py [--rows 1000000] [--runs 3] [--no-pg]
        [--ten-million] [--keep DIR]

--keep DIR keeps the SQLite store in DIR and the PostgreSQL databases (bench_plan_*) for
the next run. PostgreSQL stores are vacuumed and analysed before they are timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

STARTED = time.perf_counter()
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


_PAGES = ("page_access", "page_consequences", "page_need")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---------------------------------------------------------------- child process side


def _child_floor(url: str) -> dict[str, float]:
    import polars as pl

    from rehabdash.plan import parse_filter
    from rehabdash.plan.scope import pull_scope
    from rehabdash.queries.referrals import pull_referrals
    from rehabdash.store import open_store

    engine = open_store(url)
    flt = parse_filter(period="2024-25")
    frame = pull_referrals(engine, pull_scope(flt, engine.dialect.name))
    frame.group_by("imd_decile", "sex").agg(pl.col("person_key").n_unique())
    return {"seconds": time.perf_counter() - STARTED, "rows": frame.height}


def _child_plan(url: str) -> dict[str, float]:
    import polars as pl

    from rehabdash.plan import parse_filter
    from rehabdash.plan.engine import SECTIONS, PlanEngine
    from rehabdash.queries.referrals import ReferralSource
    from rehabdash.store import open_store

    engine = PlanEngine(ReferralSource(open_store(url)))
    flt = parse_filter(period="2024-25")
    plan = engine.plan(flt)
    cold = time.perf_counter() - STARTED
    t = time.perf_counter()
    engine.plan(flt)
    kept = time.perf_counter() - t
    t = time.perf_counter()
    engine.plan(parse_filter(period="2024-25", age="0-120", team_types="rehab", imd_edition="2019"))
    warm = time.perf_counter() - t
    provider = plan.scope.people["provider_code"].mode().sort()[0]
    t = time.perf_counter()
    engine.breakdown(parse_filter(period="2024-25", providers=provider), "religion")
    breakdown = time.perf_counter() - t
    t = time.perf_counter()
    engine.breakdown(parse_filter(period="2024-25", providers=provider), "ethnicity")
    another = time.perf_counter() - t
    t = time.perf_counter()
    (
        plan.scope.referrals.lazy()
        .filter(pl.col("provider_code") == provider, pl.col("in_period"))
        .group_by("religion")
        .agg(pl.col("person_key").n_unique())
        .collect()
    )
    breakdown_floor = time.perf_counter() - t
    peak = _peak_mb()  # the plan, warm and breakdown figures' peak, before the pages
    # One section, as a dashboard page asks after a filter change: the largest provider,
    # aged 0-89, 0-88 and 0-87. Each filter selects other rows (no scope can lend its
    # own), so each page pays for its scope, people and populations.
    pages = {}
    for oldest, section in zip((89, 88, 87), SECTIONS, strict=True):
        flt = parse_filter(period="2024-25", providers=provider, age=f"0-{oldest}")
        t = time.perf_counter()
        engine.breakdown(flt, "religion", (section,))
        pages[f"page_{section}"] = time.perf_counter() - t
    return {
        "seconds": cold,
        "kept": kept,
        "warm": warm,
        "breakdown": breakdown,
        "another": another,
        "breakdown_floor": breakdown_floor,
        **pages,
        "plan_peak_mb": peak,
        "indicators": len(plan.indicators),
        "findings": len(plan.findings),
        "people": plan.scope.people.height,
    }


def _child(argv: list[str]) -> None:
    what, url = argv
    result = _child_floor(url) if what == "floor" else _child_plan(url)
    result["peak_mb"] = _peak_mb()
    sys.stdout.write(json.dumps(result) + "\n")


# ---------------------------------------------------------------- parent side


def _run_child(what: str, url: str, env: dict[str, str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, url],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{what} child failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _pg_store(server: str, tag: str, rows: int, keep: bool) -> str:
    """A PostgreSQL demo store of ``rows`` referrals: kept from an earlier run (--keep,
    when it holds them), else built afresh."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_plan_{tag}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if keep and exists.first():
            held = create_engine(url)
            with held.connect() as store:
                count = store.execute(text("SELECT count(*) FROM referral")).scalar()
            held.dispose()
            if count == rows:
                admin.dispose()
                _vacuum(url)
                return url
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    sys.stderr.write(f"building a {rows:,}-referral PostgreSQL demo store...\n")
    built = _build(url, rows)
    sys.stderr.write(f"built in {built:.0f} s\n")
    _vacuum(url)
    return url


def _vacuum(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum leaves a store in use: a freshly loaded table's first
    reads also write its hint bits, which would slow the floor and flatter the ratio."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _build(url: str, rows: int) -> float:
    from rehabdash.demo import build_demo
    from rehabdash.store import open_store

    started = time.perf_counter()
    build_demo(open_store(url), rows=rows, seed=2025)
    return time.perf_counter() - started


def _measure(label: str, url: str, runs: int, env: dict[str, str]) -> dict[str, object]:
    floors, plans = [], []
    for run in range(runs):
        floors.append(_run_child("floor", url, env))
        plans.append(_run_child("plan", url, env))
        sys.stderr.write(
            f"{label} run {run + 1}: floor {floors[-1]['seconds']:.2f} s, "
            f"plan {plans[-1]['seconds']:.2f} s, warm {plans[-1]['warm']:.3f} s, "
            f"breakdown {plans[-1]['breakdown'] * 1000:.0f} ms (pages: "
            + ", ".join(f"{k[5:]} {plans[-1][k] * 1000:.0f} ms" for k in _PAGES)
            + f"), another {plans[-1]['another'] * 1000:.0f} ms, "
            f"floor {plans[-1]['breakdown_floor'] * 1000:.0f} ms, "
            f"peak {plans[-1]['plan_peak_mb']:.0f} MB "
            f"({plans[-1]['peak_mb']:.0f} MB after the pages)\n"
        )

    def med(items: list[dict[str, float]], key: str) -> float:
        return statistics.median(i[key] for i in items)

    return {
        "store": label,
        "floor": med(floors, "seconds"),
        "plan": med(plans, "seconds"),
        "kept": med(plans, "kept"),
        "warm": med(plans, "warm"),
        "breakdown": med(plans, "breakdown"),
        "another": med(plans, "another"),
        "breakdown_floor": med(plans, "breakdown_floor"),
        **{k: med(plans, k) for k in _PAGES},
        "peak": max(p["plan_peak_mb"] for p in plans),
        "peak_pages": max(p["peak_mb"] for p in plans),
        "indicators": plans[-1]["indicators"],
        "findings": plans[-1]["findings"],
    }


def _table(results: list[dict[str, object]], rows: int) -> str:
    lines = [
        f"| store ({rows:,} referrals) | floor (pull + group-by) | full plan, fresh process "
        "| ratio | warm (kept / recomputed) | new breakdown after filter change: all "
        "sections (access / consequences / need page) | another breakdown on that filter "
        "| the breakdown's floor (filter + group-by) | peak (after the pages) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        floor, plan = float(r["floor"]), float(r["plan"])  # type: ignore[arg-type]
        pages = " / ".join(f"{float(r[k]) * 1000:.0f}" for k in _PAGES)  # type: ignore[arg-type]
        lines.append(
            f"| {r['store']} | {floor:.2f} s | {plan:.2f} s | {plan / floor:.2f}x "
            f"| {float(r['kept']) * 1000:.0f} ms / {float(r['warm']):.2f} s "  # type: ignore[arg-type]
            f"| {float(r['breakdown']) * 1000:.0f} ms ({pages} ms) "  # type: ignore[arg-type]
            f"| {float(r['another']) * 1000:.0f} ms "  # type: ignore[arg-type]
            f"| {float(r['breakdown_floor']) * 1000:.0f} ms "  # type: ignore[arg-type]
            f"| {float(r['peak']) / 1024:.2f} GB ({float(r['peak_pages']) / 1024:.2f} GB) |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--ten-million", action="store_true")
    parser.add_argument("--keep", type=Path, help="reuse/keep the SQLite demo store here")
    args = parser.parse_args()
    with ExitStack() as stack:
        folder = args.keep or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-plan-"))
        )
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "REHABDASH_HOME": str(folder / "home")}
        os.environ["REHABDASH_HOME"] = env["REHABDASH_HOME"]
        results = []
        path = folder / f"demo-{args.rows}.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            sys.stderr.write(f"building a {args.rows:,}-referral SQLite demo store...\n")
            _build(url, args.rows)
        results.append(_measure("SQLite", url, args.runs, env))
        server = None
        if not args.no_pg or args.ten_million:
            server = os.environ.get("REHABDASH_BENCH_PG_URL")
            if not server:
                sys.path.insert(0, str(ROOT / "tests"))
                from pg_cluster import throwaway_cluster

                server = stack.enter_context(throwaway_cluster())
        if server and not args.no_pg:
            pg = _pg_store(server, str(args.rows), args.rows, args.keep is not None)
            results.append(_measure("PostgreSQL", pg, args.runs, env))
        sys.stdout.write(_table(results, args.rows) + "\n")
        if server and args.ten_million:
            pg10 = _pg_store(server, "10m", 10_000_000, args.keep is not None)
            floor = _run_child("floor", pg10, env)
            plan = _run_child("plan", pg10, env)
            sys.stdout.write(
                f"\n10M referrals, PostgreSQL: floor {floor['seconds']:.1f} s "
                f"({floor['rows']:,} rows pulled); full plan from a fresh process "
                f"{plan['seconds']:.1f} s, peak {plan['peak_mb'] / 1024:.2f} GB, "
                f"{plan['people']:,} people referred in 2024-25\n"
            )


if __name__ == "__main__":
    main()
