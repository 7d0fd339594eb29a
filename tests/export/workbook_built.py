"""A small demo ICB, its plans and workbooks, made once for the workbook tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from rehabdash.demo import build_demo
from rehabdash.plan import parse_filter
from rehabdash.plan.engine import Plan, PlanEngine
from rehabdash.plan.export.workbook import write_plan_workbook
from rehabdash.queries.periods import previous_period
from rehabdash.queries.referrals import ReferralSource
from rehabdash.store import open_store
from rehabdash.store.batches import BatchRecord, batch_records

ROWS = 20_000  # small enough to build in seconds, large enough for every section


@dataclass(frozen=True)
class Built:
    url: str
    plan: Plan
    previous: Plan
    batches: list[BatchRecord]
    folder: Path

    def workbook(self, disclosure: str, name: str | None = None, **options: object) -> Path:
        path = self.folder / (name or f"plan-{disclosure}.xlsx")
        if not path.exists():
            write_plan_workbook(
                self.plan, path, disclosure, self.batches, previous=self.previous, **options
            )  # type: ignore[arg-type]
        return path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp("workbook")
    url = f"sqlite:///{folder / 'demo.db'}"
    engine = open_store(url)
    build_demo(engine, rows=ROWS, seed=7)
    plans = PlanEngine(ReferralSource(engine))
    flt = parse_filter(period="2024-25")
    plan = plans.plan(flt)
    previous = plans.plan(replace(flt, period=previous_period(flt.period)))
    yield Built(url, plan, previous, batch_records(engine, plan.scope.batches), folder)
    engine.dispose()
