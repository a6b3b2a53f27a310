"""The refresh routine (README, "Development"): `nox -s latest` runs the conformance suite against
the newest releases; `.ci/run` stays on the pins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_nox_lists_the_latest_and_pinned_sessions() -> None:
    pytest.importorskip("nox")
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--noxfile", str(ROOT / "noxfile.py")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    sessions = {line.split()[1] for line in listed.splitlines() if line[:2] in ("* ", "- ")}
    assert {"latest", "pinned"} <= sessions


def test_latest_installs_without_the_pins_and_runs_the_conformance_suite() -> None:
    text = (ROOT / "noxfile.py").read_text()
    latest = text[text.index("def latest") :]
    assert "constraints/conformance.txt" not in latest
    assert "tests/conformance" in latest and '"-U"' in latest


def test_ci_runs_the_pinned_suite_and_not_the_refresh() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "-c constraints/conformance.txt" in ci and "nox" not in ci
    assert "nox -s latest" in (ROOT / "README.md").read_text()
