"""Window layout and last choices, behind typed accessors (DESIGN 2).

Stored as an INI file in rehabdash's config folder (REHABDASH_HOME in tests), with a
version number so a future layout change can reset stale values cleanly.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from rehabdash.paths import config_dir

__all__ = ["Settings"]

VERSION = 2  # 2: the last page by its key (pages come from a registry), last choices


class Settings:
    def __init__(self) -> None:
        path = config_dir() / "settings.ini"
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)
        if self._qs.value("version", 0, int) != VERSION:
            self._qs.clear()
            self._qs.setValue("version", VERSION)

    def geometry(self) -> QByteArray | None:
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, value: QByteArray) -> None:
        self._qs.setValue("window/geometry", value)

    def last_page(self) -> str:
        """The key of the page open when the window last closed ("" if none yet)."""
        return str(self._qs.value("window/page", "", str))

    def set_last_page(self, key: str) -> None:
        self._qs.setValue("window/page", key)

    def last_choice(self, name: str, default: str) -> str:
        """A page's last choice ``name`` (such as a breakdown), else ``default``."""
        return str(self._qs.value(f"choices/{name}", default, str))

    def set_last_choice(self, name: str, value: str) -> None:
        self._qs.setValue(f"choices/{name}", value)

    def filters(self) -> dict[str, str]:
        """The dashboard filter bar's last choices, field by field (text, as parsed)."""
        self._qs.beginGroup("filters")
        try:
            return {k: str(self._qs.value(k, "", str)) for k in self._qs.childKeys()}
        finally:
            self._qs.endGroup()

    def set_filters(self, values: dict[str, str]) -> None:
        self._qs.remove("filters")
        for key, value in values.items():
            self._qs.setValue(f"filters/{key}", value)

    def reset_layout(self) -> None:
        """Forget the window's geometry and last page (the "Reset layout" action)."""
        self._qs.remove("window")

    def last_folder(self, purpose: str) -> str:
        """The folder last used for ``purpose`` ("import", "rejects", ...); "" if none yet."""
        return str(self._qs.value(f"folders/{purpose}", "", str))

    def set_last_folder(self, purpose: str, folder: str) -> None:
        self._qs.setValue(f"folders/{purpose}", folder)

    def sync(self) -> None:
        self._qs.sync()
