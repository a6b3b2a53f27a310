"""``fixtures/service/``: one project spread over modules, linted as a project.

Every capability of the project-wide evaluation has a ``bad_*`` case there (each marked line is
reported; test_fixtures.py checks the exact marks) and a ``clean_*`` twin (nothing reported).
Here: the twins are what they say, and the answer does not depend on the order the files are
linted in, on the number of worker processes, or on the cache.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import libcst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider

from bedrockcache.config import Settings
from bedrockcache.lint import runner
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.project import Project
from bedrockcache.lint.runner import lint_paths

from .test_fixtures import expected

SERVICE = Path(__file__).resolve().parents[2] / "fixtures" / "service"
FILES = sorted(SERVICE.glob("*.py"))


def _cases(path: Path) -> dict[str, tuple[int, int]]:
    """Each top-level ``bad_*``/``clean_*`` function or ``Bad*``/``Clean*`` class: its lines.
    (libcst, not ast: a case uses Python 3.12 syntax the running interpreter may not know.)"""
    wrapper = MetadataWrapper(libcst.parse_module(path.read_text(encoding="utf-8")))
    positions = wrapper.resolve(PositionProvider)
    return {
        node.name.value: (positions[node].start.line, positions[node].end.line)
        for node in wrapper.module.body
        if isinstance(node, libcst.FunctionDef | libcst.ClassDef)
        and node.name.value.lower().startswith(("bad", "clean"))
    }


def test_every_capability_has_bad_cases_and_clean_twins() -> None:
    modules = {p.stem for p in FILES if _cases(p)}
    assert modules == {
        "shared",  # names imported from other modules, re-exports, module attributes
        "bots",  # clients and model ids on self, parameter defaults
        "builders_use",  # helpers returning blocks and tools, a factory of framework objects
        "routes",  # a thin wrapper audited at each caller
        "branching",  # known alternatives
        "files",  # prompts read from repository files
        "loops",  # cache points that accumulate, and a rotation
        "stamps",  # per-call values from a helper of another module
        "precision",  # nothing lost, or nothing known: silence
    }
    for path in FILES:
        names = _cases(path)
        if names:
            assert any(n.lower().startswith("bad") for n in names), path.name
            assert any(n.lower().startswith("clean") for n in names), path.name


@pytest.mark.parametrize("path", [p for p in FILES if _cases(p)], ids=lambda p: p.name)
def test_bad_cases_are_reported_and_clean_twins_are_not(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found = {line for line, _ in expected(source)}
    reported = {d.line for d in check_source(path.read_bytes(), str(path)).diagnostics}
    assert reported == found
    for name, (first, last) in _cases(path).items():
        inside = {line for line in reported if first <= line <= last}
        if name.lower().startswith("clean"):
            assert not inside, f"{name} is a clean twin but lines {sorted(inside)} are reported"
        else:
            assert inside, f"{name} is a bad case but nothing in it is reported"


def _findings(paths: list[Path], project: Project) -> set[tuple[str, int, str]]:
    found = set()
    for path in paths:
        result = check_source(path.read_bytes(), str(path), Settings(), project=project)
        found |= {(path.name, d.line, d.code) for d in result.diagnostics}
    return found


BASELINE = _findings(FILES, Project(Path.cwd()))


@settings(max_examples=10, deadline=None)
@given(st.permutations(FILES))
def test_findings_do_not_depend_on_the_order_files_are_linted(order: list[Path]) -> None:
    # One project for the whole run, as a worker process has: modules parsed for one file are
    # reused for the next, and must answer the same.
    assert _findings(order, Project(Path.cwd())) == BASELINE


@pytest.fixture
def service_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SERVICE, tmp_path / "service", ignore=shutil.ignore_patterns("*.fixed"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(root: Path, **options: object) -> set[tuple[str, int, str]]:
    result = lint_paths([root / "service"], Settings(root=root), **options)  # type: ignore[arg-type]
    return {(Path(d.path).name, d.line, d.code) for d in result.diagnostics}


def test_findings_do_not_depend_on_the_number_of_jobs(
    service_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "_PARALLEL_BYTES", 0)  # worker processes even for a small tree
    one = _run(service_copy, jobs=1, use_cache=False)
    assert one == BASELINE
    assert _run(service_copy, jobs=2, use_cache=False) == one


def test_a_warm_run_answers_as_a_cold_one(service_copy: Path) -> None:
    cold = _run(service_copy, jobs=1)
    assert cold == BASELINE
    assert _run(service_copy, jobs=1) == cold
    # A shared prompt gains its cache point: every module built on it changes its answer.
    prompts = service_copy / "service" / "prompts.py"
    text = prompts.read_text()
    prompts.write_text(
        text.replace('SYSTEM = [{"text": POLICY}]', "SYSTEM = [{'text': POLICY}, CP]")
    )
    warm = _run(service_copy, jobs=1)
    assert ("shared.py", 12, "BC101") in cold and ("shared.py", 12, "BC101") not in warm
    assert warm == _run(service_copy, jobs=1, use_cache=False)


def test_a_point_that_piles_up_in_a_loop_says_after_how_many_turns() -> None:
    path = SERVICE / "loops.py"
    [diagnostic] = check_source(path.read_bytes(), str(path)).diagnostics
    assert diagnostic.code == "BC306"
    expected = "7 breakpoints; Bedrock allows at most 4, after 6 turns of the loop"
    assert expected in diagnostic.message
