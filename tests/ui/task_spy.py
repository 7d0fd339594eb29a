"""What the page tests watch the task runner for: each task started, its kind and lane."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from rehabdash.ui.tasks import TaskRunner

__all__ = ["Started", "watch"]


@dataclass
class Started:
    """The kinds and lanes of the tasks started, in order."""

    kinds: list[str] = field(default_factory=list)
    lanes: list[str] = field(default_factory=list)


def watch(runner: TaskRunner, monkeypatch: pytest.MonkeyPatch) -> Started:
    """Record every task ``runner`` starts (it still runs them)."""
    started = Started()
    start = runner.start

    def spy(kind: str, *args: Any, lane: str = "database", **kwargs: Any) -> None:
        started.kinds.append(kind)
        started.lanes.append(lane)
        start(kind, *args, lane=lane, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "start", spy)
    return started
