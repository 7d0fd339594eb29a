"""Where rehabdash keeps its data and configuration, and which store it opens by default.

REHABDASH_HOME overrides both folders (tests and portable installs); otherwise the
platform's user data and config folders are used (platformdirs).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import platformdirs

__all__ = [
    "SUPPORTED_SCHEMES",
    "check_url",
    "config_dir",
    "data_dir",
    "default_db_url",
    "hide_password",
    "make_private_dir",
    "resolve_db_url",
    "restrict_to_user",
]

APP = "rehabdash"


def _home() -> Path | None:
    home = os.environ.get("REHABDASH_HOME")
    return Path(home) if home else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(platformdirs.user_config_dir(APP, appauthor=False))


def restrict_to_user(path: Path) -> None:
    """Make ``path`` readable by its owner only: 0600 for a file, 0700 for a folder.

    A no-op where chmod cannot express that (Windows) or is refused (some network
    shares); DESIGN 12 asks for it wherever the platform allows.
    """
    if os.name != "posix":
        return
    with contextlib.suppress(OSError, NotImplementedError):
        os.chmod(path, 0o700 if path.is_dir() else 0o600)


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents; each folder created here is 0700.

    Folders that already exist are left as they are (they may be the user's own).
    """
    missing: list[Path] = []
    current = path
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # another process made it first
            continue
        restrict_to_user(folder)  # mkdir's mode is masked by the umask


def default_db_url() -> str:
    """The single-user default store: a SQLite file in the user's data folder."""
    return f"sqlite:///{data_dir() / 'rehabdash.db'}"


def demo_db_url() -> str:
    """The demo's own store, apart from the user's data (issue 11 item 5)."""
    return f"sqlite:///{data_dir() / 'demo.db'}"


def resolve_db_url(explicit: str | None) -> str:
    """--db wins, then REHABDASH_DB, then the default SQLite file."""
    return explicit or os.environ.get("REHABDASH_DB") or default_db_url()


SUPPORTED_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")


def check_url(url: str) -> None:
    """Refuse a URL that is not a supported store before anything slow is loaded.

    Raises StoreError with one plain line; reachability is checked when the store opens.
    """
    from rehabdash.errors import StoreError

    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not scheme:
        raise StoreError(
            f"'{url}' is not a database URL (expected sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host:port/dbname)"
        )
    if scheme not in SUPPORTED_SCHEMES:
        raise StoreError(
            f"unsupported database '{scheme}' in {hide_password(url)} "
            "(use sqlite:/// or postgresql+psycopg://)"
        )


def hide_password(url: str) -> str:
    """The URL with any password replaced by ***, safe to show or log."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return url
