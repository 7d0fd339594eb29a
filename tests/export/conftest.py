"""The workbook tests' shared fixture (made once per session: see workbook_built), and
the workbooks they read let go after each module."""

from collections.abc import Iterator

import pytest
from workbook_built import built
from workbook_read import forget

__all__ = ["built"]


@pytest.fixture(autouse=True, scope="module")
def _forget_workbooks() -> Iterator[None]:
    yield
    forget()
