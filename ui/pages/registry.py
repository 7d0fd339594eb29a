"""Every dashboard page, once: its key (its module under ``rehabdash.ui.pages``, which
also opens it alone), its title in the navigation, and how the window makes it. The
navigation and the smoke test both read :data:`PAGES` (issue 11 item 2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtWidgets import QWidget

from rehabdash.ui.pages.deprivation import DeprivationPage
from rehabdash.ui.pages.export import ExportPage
from rehabdash.ui.pages.import_page import ImportPage
from rehabdash.ui.pages.links import NAV_TITLES
from rehabdash.ui.pages.need import NeedPage
from rehabdash.ui.pages.neighbourhoods import NeighbourhoodsPage
from rehabdash.ui.pages.outcomes import OutcomesPage
from rehabdash.ui.pages.overview import OverviewPage
from rehabdash.ui.pages.pcns import PcnsPage
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


def _plan_page(page: type[PlanPage]) -> PageSpec:
    """A dashboard page made the one way (:class:`PlanPage`): its key is its class's."""
    return PageSpec(page.key, NAV_TITLES[page.key], lambda h: page(h.session, h.runner, h.settings))


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "overview", NAV_TITLES["overview"], lambda h: OverviewPage(h.session, h.runner, h.settings)
    ),
    _plan_page(WhoAccessesPage),
    _plan_page(DeprivationPage),
    _plan_page(NeedPage),
    _plan_page(WaitsPage),
    _plan_page(OutcomesPage),
    _plan_page(TrendsPage),
    _plan_page(QualityPage),
    _plan_page(NeighbourhoodsPage),
    _plan_page(PcnsPage),
    PageSpec(
        "import_page",
        NAV_TITLES["import_page"],
        lambda h: ImportPage(lambda: h.engine, h.runner, h.settings),
    ),
    _plan_page(ExportPage),
)


def plan_pages(widgets: dict[str, QWidget]) -> list[PlanPage]:
    """The dashboard pages among the window's page widgets, and the plan parts of other
    pages (the Overview's findings): they share the session's filter."""
    pages = [w for w in widgets.values() if isinstance(w, PlanPage)]
    return pages + [p for w in widgets.values() for p in getattr(w, "plan_parts", [])]
