"""A wheel built from the checkout carries every data file the application reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_contains_the_data_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(tmp_path), str(REPO)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("profilewatch-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(REPO)) for pattern in (
        "storage/migrations/versions/*.py", "storage/migrations/env.py",
        "storage/migrations/script.py.mako", "profilewatch/samples/*.html",
        "profilewatch/web/templates/*.html", "profilewatch/web/static/*.css")
        for p in REPO.glob(pattern)}
    assert expected and expected <= names, sorted(expected - names)
