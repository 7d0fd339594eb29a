"""Wizard page 3 (activity): which column feeds which field, suggested or saved, and its name.

The header is read on the task runner. A mapping saved earlier for the same headers (same
header signature) is applied and the page says so; otherwise the suggestion from the
column names and values is shown. Unmapped source columns are listed as "will be dropped".
At the top, the page names what must not pass unseen (issue 9): a header the file has
twice, and unmapped columns that look like a field ("Discharged"); those must be mapped,
or left out by ticking a box, before Next.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from rehabdash.ingest import ColumnMapping, MappingSuggestion
from rehabdash.ingest.fields import REQUIRED_FIELDS
from rehabdash.ingest.header_match import Candidate
from rehabdash.ingest.mapping_checks import unmapped_lookalikes
from rehabdash.ui.import_wizard.base import BasePage, Failure, PageId, is_workbook
from rehabdash.ui.import_wizard.mapping_table import MappingTable, field_label
from rehabdash.ui.import_wizard.task_status import TaskStatus
from rehabdash.ui.theme import DARK_PINK

__all__ = ["HeaderInfo", "MappingPage", "read_header"]

_HEAD_BYTES = 512 * 1024  # enough text rows to suggest from; the whole file is read later


@dataclass
class HeaderInfo:
    headers: list[str]
    samples: dict[str, str]
    suggestion: MappingSuggestion
    saved: ColumnMapping | None
    head: pl.DataFrame  # the first rows, to tell what an unmapped column looks like
    duplicates: dict[str, list[str]]  # header text the file has twice -> its columns


def read_header(engine: Any, path: Path, sheet: str | None) -> HeaderInfo:
    """The file's headers, an example value each, the suggestion and any saved mapping."""
    from rehabdash.ingest import suggest_mapping
    from rehabdash.ingest.fields import ACTIVITY_SYNONYMS, vocabulary
    from rehabdash.ingest.readers import read_table
    from rehabdash.store.mappings import find_mapping

    data = path.read_bytes()
    if not is_workbook(path) and len(data) > _HEAD_BYTES:
        data = data[: data.rfind(b"\n", 0, _HEAD_BYTES) + 1] or data
    table = read_table(path, data, sheet=sheet, vocabulary=vocabulary(ACTIVITY_SYNONYMS))
    suggestion = suggest_mapping(table.frame, table.headers)
    saved = find_mapping(engine, suggestion.mapping.header_signature, "activity")
    if saved is not None and saved.missing_headers(table.headers):
        saved = None
    head = table.frame.head(200)
    samples = {}
    for name in table.headers:
        values = head[name].drop_nulls()
        samples[name] = str(values[0]) if values.len() else ""
    return HeaderInfo(
        list(table.headers), samples, suggestion, saved, head, dict(table.duplicate_headers)
    )


def _reasons(info: HeaderInfo) -> dict[str, tuple[str, str]]:
    """Field -> (the column suggested for it, why and how sure)."""
    return {
        f: (c.header, f"{c.reason} ({c.confidence:.0%} sure)")
        for f, c in info.suggestion.reasons.items()
    }


class MappingPage(BasePage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Match the columns")
        self.setSubTitle(
            "Choose the column in the file for each field. Fields marked * are required."
        )
        self.status = TaskStatus("Reading the header")
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Where this mapping came from")
        self.attention = QLabel("")
        self.attention.setWordWrap(True)
        self.attention.setStyleSheet(f"color: {DARK_PINK};")
        self.attention.setAccessibleName("Columns to check before going on")
        self.leave_out = QCheckBox("&Leave these columns out: they are not what they look like")
        self.leave_out.setAccessibleName("Leave out the columns that look like fields")
        self.leave_out.toggled.connect(lambda _on: self.completeChanged.emit())
        self.leave_out.hide()
        self.checked_repeats = QCheckBox(
            "I have &checked which of the repeated columns each field uses"
        )
        self.checked_repeats.setAccessibleName(
            "Confirm the repeated headers are mapped as intended"
        )
        self.checked_repeats.toggled.connect(lambda _on: self.completeChanged.emit())
        self.checked_repeats.hide()
        self._lookalikes: list[Candidate] = []
        self._repeats_mapped = False  # a repeated header feeds a field: the officer must confirm
        self.table = MappingTable()
        self.table.changed.connect(self._changed)
        self.dropped = QLabel("")
        self.dropped.setWordWrap(True)
        self.dropped.setAccessibleName("Columns that will be dropped")
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #801650;")
        self.problem.setAccessibleName("What still needs a choice")
        self.save_as = QLineEdit()
        self.save_as.setAccessibleName("Save this mapping as")
        self.save_as.setPlaceholderText("e.g. SystmOne monthly extract — blank to use it once")
        form = QFormLayout()
        form.addRow("&Save this mapping as:", self.save_as)
        label = form.labelForField(self.save_as)
        if isinstance(label, QLabel):
            label.setBuddy(self.save_as)
        layout = QVBoxLayout(self)
        for widget in (
            self.status,
            self.banner,
            self.attention,
            self.checked_repeats,
            self.leave_out,
        ):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        for widget in (self.dropped, self.problem):
            layout.addWidget(widget)
        layout.addLayout(form)
        self._info: HeaderInfo | None = None
        self._key: tuple[Path | None, str | None] | None = None

    def initializePage(self) -> None:
        state = self.state
        key = (state.path, state.sheet)
        if key == self._key and self._info is not None:  # back again: keep the choices
            info = self._info
            fields = self.table.fields()
            self.table.load(info.headers, info.samples, fields, self._required(), _reasons(info))
            return
        self._info = None
        self._clear()  # nothing of the previous file may stay on screen
        path, sheet, engine = state.path, state.sheet, state.engine
        assert path is not None
        self.status.start(f"Reading the columns of {path.name}…", cancellable=False)
        self.wiz.start("header", lambda _r, _c: read_header(engine, path, sheet), self._read)
        self._key = key

    def _clear(self) -> None:
        for label in (self.banner, self.attention, self.dropped, self.problem):
            label.setText("")
        self.attention.hide()
        self.leave_out.hide()
        self.leave_out.setChecked(False)
        self.checked_repeats.hide()
        self.checked_repeats.setChecked(False)
        self._lookalikes = []
        self._repeats_mapped = False
        self.save_as.setText("")
        self.table.load([], {}, {}, self._required())

    def _read(self, result: Any) -> None:
        if isinstance(result, Failure):
            self._key = None
            self.status.done(result.message, error=True)
            return
        info: HeaderInfo = result
        self._info = info
        self.state.headers, self.state.samples = info.headers, info.samples
        self.state.suggestion, self.state.saved = info.suggestion, info.saved
        self.status.done("")
        if info.saved is not None:
            self.banner.setText(
                f"Applied your saved mapping “{info.saved.name}” (version {info.saved.version}): "
                "its header signature matches this file's columns. Check it and press Next."
            )
            fields = info.saved.fields
            self.save_as.setText(info.saved.name or "")
        else:
            fields = info.suggestion.mapping.fields
            lines = [
                "Suggested from the column names and values (the last column says why); "
                "check each field."
            ]
            for field, headers in info.suggestion.ambiguous.items():
                names = ", ".join(f"“{h}”" for h in headers)
                lines.append(f"Several columns could be {field_label(field)}: {names}. Choose one.")
            self.banner.setText(" ".join(lines))
        self.table.load(info.headers, info.samples, fields, self._required(), _reasons(info))
        if info.saved is not None and self._lookalikes:  # left out before, by this mapping
            shown = {f.header for f in self._lookalikes}
            self.leave_out.setChecked(shown <= set(info.saved.dropped))
        self.table.setFocus()

    def _required(self) -> list[str]:
        skip = {"provider_code"} if self.state.provider_code else set()
        return [f for f in REQUIRED_FIELDS if f not in skip]

    def _changed(self) -> None:
        if self._info is None:
            return
        fields = self.table.fields()
        dropped = [h for h in self._info.headers if h not in set(fields.values())]
        self.dropped.setText(
            "Will be dropped (not mapped): " + ", ".join(f"“{h}”" for h in dropped)
            if dropped
            else "Every column in the file is used."
        )
        self.problem.setText(self._problems(fields))
        self._show_attention(fields)
        self.completeChanged.emit()

    def _show_attention(self, fields: dict[str, str]) -> None:
        """Duplicated headers and unmapped lookalike columns, at the top of the page."""
        info = self._info
        assert info is not None
        found = unmapped_lookalikes(info.head, info.headers, fields)
        if [f.header for f in found] != [f.header for f in self._lookalikes]:
            self.leave_out.setChecked(False)  # a new set of columns needs a new decision
        self._lookalikes = found
        lines = []
        for name, columns in info.duplicates.items():
            listed = " and ".join(f"“{c}”" for c in columns)
            lines.append(
                f"The header “{name}” appears {len(columns)} times (read as {listed}): check "
                "which column each field should use."
            )
        if found:
            items = "; ".join(
                f"“{f.header}” (probably {field_label(f.field)}: {f.reason}; "
                f"{f.confidence:.0%} sure)"
                for f in found
            )
            lines.append(
                f"Not mapped, but may be a field (not sure enough to choose it for you): "
                f"{items}. Choose it above for that field, or tick the box to leave it out."
            )
        self.attention.setText("\n".join(lines))
        self.attention.setVisible(bool(lines))
        self.leave_out.setVisible(bool(found))
        repeated = {c for columns in info.duplicates.values() for c in columns}
        mapped = bool(repeated & set(fields.values()))
        if mapped != self._repeats_mapped:
            self.checked_repeats.setChecked(False)
        self._repeats_mapped = mapped
        self.checked_repeats.setVisible(mapped)

    def _problems(self, fields: dict[str, str]) -> str:
        problems = []
        missing = [field_label(f) for f in self._required() if f not in fields]
        if missing:
            hint = ""
            if "provider_code" in self._required() and "provider_code" not in fields:
                hint = " (or type a provider code on the first page)"
            problems.append("Choose a column for " + ", ".join(missing) + hint + ".")
        for header, n in Counter(fields.values()).items():
            if n > 1:
                used = [field_label(f) for f, h in fields.items() if h == header]
                problems.append(f"Column “{header}” is chosen for {' and '.join(used)}.")
        return " ".join(problems)

    def isComplete(self) -> bool:
        if self._info is None or self._problems(self.table.fields()):
            return False
        if self._repeats_mapped and not self.checked_repeats.isChecked():
            return False  # a guess between repeated headers could store the wrong column
        return not self._lookalikes or self.leave_out.isChecked()

    def dropped_columns(self) -> list[str]:
        """The lookalike columns the officer chose to leave out."""
        return [f.header for f in self._lookalikes] if self.leave_out.isChecked() else []

    def validatePage(self) -> bool:
        info = self._info
        if info is None:
            return False
        saved = self.state.saved  # as found on reading, or as saved by the preview since
        signature = info.suggestion.mapping.header_signature
        name = self.save_as.text().strip()
        dropped = self.dropped_columns()
        same = (
            saved is not None
            and saved.name == name
            and saved.fields == self.table.fields()
            and sorted(saved.dropped) == sorted(dropped)
        )
        self.state.mapping = ColumnMapping(
            kind="activity",
            fields=self.table.fields(),
            header_signature=signature,
            name=name or None,
            version=saved.version if same and saved is not None else 1,
            dropped=dropped,
        )
        self.state.save_as = "" if same else name
        self.state.prepared = None
        return True

    def nextId(self) -> int:
        return PageId.PREVIEW
