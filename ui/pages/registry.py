"""Every dashboard page, once: its key (its module under ``rehabdash.ui.pages``, which
also opens it alone), its title in the navigation, and how the window makes it. The
navigation and the smoke test both read :data:`PAGES` (issue 11 item 2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtWidgets import QWidget

from rehabdash.ui.pages.deprivation import DeprivationPage
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.pages.need import NeedPage
from rehabdash.ui.pages.outcomes import OutcomesPage
from rehabdash.ui.pages.overview import OverviewPage
from rehabdash.ui.pages.plan_page import PlanPage
from rehabdash.ui.pages.quality import QualityPage
from rehabdash.ui.pages.trends import TrendsPage
from rehabdash.ui.pages.waits import WaitsPage
from rehabdash.ui.pages.who_accesses import WhoAccessesPage
from rehabdash.ui.session import Session
from rehabdash.ui.settings import Settings
from rehabdash.ui.tasks import TaskRunner

__all__ = ["PAGES", "PageHost", "PageSpec", "plan_pages"]


class PageHost(Protocol):
    """What a page is made with: the window's session, runner, settings and store."""

    session: Session
    runner: TaskRunner
    settings: Settings
    engine: Any


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    make: Callable[[PageHost], QWidget]


def _plan_page(page: type[PlanPage], title: str) -> PageSpec:
    """A dashboard page made the one way (:class:`PlanPage`): its key is its class's."""
    return PageSpec(page.key, title, lambda h: page(h.session, h.runner, h.settings))


PAGES: tuple[PageSpec, ...] = (
    PageSpec("overview", "Overview", lambda _host: OverviewPage()),
    _plan_page(WhoAccessesPage, "Who accesses"),
    _plan_page(DeprivationPage, "Deprivation"),
    _plan_page(NeedPage, "Need"),
    _plan_page(WaitsPage, "Waits & DNA"),
    _plan_page(OutcomesPage, "Outcomes"),
    _plan_page(TrendsPage, "Trends"),
    _plan_page(QualityPage, "Data quality"),
    PageSpec("import_page", "Import", lambda h: ImportPage(lambda: h.engine, h.runner, h.settings)),
)


def plan_pages(widgets: dict[str, QWidget]) -> list[PlanPage]:
    """The dashboard pages among the window's page widgets (they share the filter)."""
    return [w for w in widgets.values() if isinstance(w, PlanPage)]
