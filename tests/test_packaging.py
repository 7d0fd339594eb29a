"""Packaging and layering: what pyproject.toml promises matches the tree."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MAPPED = PYPROJECT["tool"]["setuptools"]["package-dir"]


def _package_dirs() -> set[str]:
    found = set()
    for name, folder in MAPPED.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            found.add(".".join([name, *rel.parts]))
    return found


def test_package_list_names_every_package_folder() -> None:
    assert sorted(PYPROJECT["tool"]["setuptools"]["packages"]) == sorted(_package_dirs())


def test_qt_free_contract_covers_every_core_module() -> None:
    contract = PYPROJECT["tool"]["importlinter"]["contracts"][0]
    core = {
        f"rehabdash.{p.stem}"
        for p in (ROOT / "rehabdash").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
    }
    core.add("rehabdash.queries")
    assert set(contract["source_modules"]) == core
    assert (
        PYPROJECT["tool"]["importlinter"]["contracts"][1]["source_modules"]
        == contract["source_modules"]
    )


def test_wheel_keeps_ui_and_queries_inside_the_package(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("rehabdash-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"rehabdash", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    for expected in (
        "rehabdash/ui/app.py",
        "rehabdash/queries/overview.py",
        "rehabdash/resources/imd2019_lsoa11.parquet",
        "rehabdash/resources/esp2013.parquet",
        "rehabdash/store/migrations/env.py",
        "rehabdash/store/migrations/script.py.mako",
        "rehabdash/store/migrations/versions/v0001_initial.py",
        "rehabdash/py.typed",
    ):
        assert expected in names
