"""Lint sees a project, not a file: names imported from the project's other modules are followed.

Each test writes a small project to a temporary directory and lints it as a user would (the
project root is the working directory, as with ruff without a config file).
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from bedrockcache.config import Settings
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.diagnostic import LintResult
from bedrockcache.lint.runner import lint_paths

PROMPTS = """\
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
SYSTEM = [{"text": POLICY}]
CACHED_SYSTEM = [{"text": POLICY}, {"cachePoint": {"type": "default"}}]
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
"""

CALL = """
def ask(question: str):
    return client.converse(
        modelId={model},
        system={system},
        messages=[{{"role": "user", "content": [{{"text": question}}]}}],
    )
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def service(imports: str, model: str = "MODEL", system: str = "SYSTEM") -> str:
    client = '\nclient = boto3.client("bedrock-runtime")\n'
    head = "import boto3\n" + textwrap.dedent(imports) + client
    return head + CALL.format(model=model, system=system)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint_file(root: Path, name: str) -> list[tuple[int, str]]:
    path = root / name
    result = check_source(path.read_bytes(), str(path), Settings(root=root))
    assert not result.unresolved, result.unresolved
    return [(d.line, d.code) for d in result.diagnostics]


def lint_tree(root: Path, **options: object) -> LintResult:
    options.setdefault("jobs", 1)
    return lint_paths([root], Settings(root=root), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("imports", "model", "system"),
    [
        ("from app.prompts import MODEL, SYSTEM", "MODEL", "SYSTEM"),
        ("from .prompts import MODEL, SYSTEM", "MODEL", "SYSTEM"),
        ("from . import prompts", "prompts.MODEL", "prompts.SYSTEM"),
        ("import app.prompts", "app.prompts.MODEL", "app.prompts.SYSTEM"),
        ("import app.prompts as p", "p.MODEL", "p.SYSTEM"),
        ("from app import MODEL, SYSTEM", "MODEL", "SYSTEM"),  # re-exported by __init__
        ("from app import prompts", "prompts.MODEL", "prompts.SYSTEM"),
    ],
    ids=["absolute", "relative", "relative-module", "import", "import-as", "reexport", "submodule"],
)
def test_names_from_other_modules_of_the_project_are_known(
    project: Path, imports: str, model: str, system: str
) -> None:
    write(
        project,
        {
            "app/__init__.py": "from .prompts import MODEL, SYSTEM\n",
            "app/prompts.py": PROMPTS,
            "app/service.py": service(imports, model, system),
        },
    )
    assert lint_file(project, "app/service.py") == [(6, "BC101")]


def test_a_cached_system_from_another_module_is_clean(project: Path) -> None:
    write(
        project,
        {
            "app/__init__.py": "",
            "app/prompts.py": PROMPTS,
            "app/service.py": service(
                "from .prompts import MODEL, CACHED_SYSTEM", system="CACHED_SYSTEM"
            ),
        },
    )
    assert lint_file(project, "app/service.py") == []


def test_src_layout_and_namespace_packages(project: Path) -> None:
    write(
        project,
        {
            "src/app/prompts.py": PROMPTS,  # no __init__.py: a namespace package
            "src/app/service.py": service("from app.prompts import MODEL, SYSTEM"),
        },
    )
    assert lint_file(project, "src/app/service.py") == [(6, "BC101")]


def test_modules_outside_the_project_stay_unknown(project: Path) -> None:
    # A virtual environment inside the project is not the project's code.
    write(
        project,
        {
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            ".venv/lib/site-packages/vendor/prompts.py": PROMPTS,
            "app.py": service("from vendor.prompts import MODEL, SYSTEM"),
        },
    )
    os.symlink(project / ".venv/lib/site-packages/vendor", project / "vendor")
    path = project / "app.py"
    result = check_source(path.read_bytes(), str(path), Settings(root=project))
    assert result.diagnostics == []
    assert result.unresolved  # the model and system are not known: listed, not guessed


def test_an_import_cycle_ends(project: Path) -> None:
    write(
        project,
        {
            "app/__init__.py": "",
            "app/a.py": "from app.b import SYSTEM\nMODEL = 'x'\n",
            "app/b.py": "from app.a import SYSTEM\n",
            "app/service.py": service("from app.a import SYSTEM\nfrom app.prompts import MODEL"),
            "app/prompts.py": PROMPTS,
        },
    )
    path = project / "app/service.py"
    result = check_source(path.read_bytes(), str(path), Settings(root=project))
    assert result.diagnostics == []
    assert any("SYSTEM" in r for u in result.unresolved for r in u.reasons)


def test_the_result_names_the_files_it_depends_on(project: Path) -> None:
    write(
        project,
        {
            "app/__init__.py": "",
            "app/prompts.py": PROMPTS,
            "app/service.py": service("from .prompts import MODEL, SYSTEM"),
        },
    )
    path = project / "app/service.py"
    result = check_source(path.read_bytes(), str(path), Settings(root=project))
    assert [os.path.relpath(p, project) for p, _ in result.dependencies] == ["app/prompts.py"]


def test_changing_an_imported_constant_relints_its_dependents_with_the_cache_on(
    project: Path,
) -> None:
    write(
        project,
        {
            "app/__init__.py": "",
            "app/prompts.py": PROMPTS,
            "app/service.py": service("from .prompts import MODEL, SYSTEM"),
        },
    )
    first = lint_tree(project)
    assert [(d.path, d.code) for d in first.diagnostics] == [("app/service.py", "BC101")]
    # The shared prompt gains its cachePoint; service.py itself does not change.
    prompts = project / "app/prompts.py"
    prompts.write_text(
        PROMPTS.replace(
            'SYSTEM = [{"text": POLICY}]',
            'SYSTEM = [{"text": POLICY}, {"cachePoint": {"type": "default"}}]',
        )
    )
    assert lint_tree(project).diagnostics == []
    # ... and back: the cached clean result of service.py must not be served either.
    prompts.write_text(PROMPTS)
    assert [d.code for d in lint_tree(project).diagnostics] == ["BC101"]


def test_a_caller_is_linted_again_when_an_imported_module_gains_a_wrapper(project: Path) -> None:
    # routes.py has no Bedrock call and does not change; llm.py becomes a wrapper around one.
    write(
        project,
        {
            "app/__init__.py": "",
            "app/prompts.py": PROMPTS,
            "app/llm.py": "def call_claude(system, question):\n    return None\n",
            "app/routes.py": """\
                from .llm import call_claude
                from .prompts import POLICY


                def refund(question: str):
                    return call_claude([{"text": POLICY}], question)
                """,
        },
    )
    assert lint_tree(project).diagnostics == []
    (project / "app/llm.py").write_text(
        "import boto3\nfrom .prompts import MODEL\n\n"
        'client = boto3.client("bedrock-runtime")\n\n\n'
        "def call_claude(system, question):\n"
        "    return client.converse(\n"
        "        modelId=MODEL,\n"
        "        system=system,\n"
        '        messages=[{"role": "user", "content": [{"text": question}]}],\n'
        "    )\n"
    )
    found = [(d.path, d.line, d.code) for d in lint_tree(project).diagnostics]
    assert found == [("app/routes.py", 6, "BC101")]
