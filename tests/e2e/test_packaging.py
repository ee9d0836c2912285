"""A wheel built from the checkout carries every data file the application reads at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_contains_the_data_files(tmp_path: Path) -> None:
    # build from the tracked files only: a local *.egg-info would list data files by itself
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    for name in tracked:
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, target)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(source)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("profilewatch-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(REPO)) for pattern in (
        "storage/migrations/versions/*.py", "storage/migrations/env.py",
        "storage/migrations/script.py.mako", "profilewatch/samples/*.html",
        "profilewatch/web/templates/*.html", "profilewatch/web/static/*.css",
        "pipeline/data/*.toml")
        for p in REPO.glob(pattern)}
    assert expected and expected <= names, sorted(expected - names)
