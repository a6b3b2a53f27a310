"""The README's capture example runs offline and fails with exactly the message the README shows."""

from __future__ import annotations

from pathlib import Path

import pytest

for library in ("boto3", "litellm", "strands"):
    pytest.importorskip(library)

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> tuple[str, list[str]]:
    after = README.read_text().split("<!-- capture-example -->\n", 1)[1]
    code = after.split("```python\n", 1)[1].split("```\n", 1)[0]
    shown = after.split("```\n", 2)[2].split("```\n", 1)[0]
    return code, shown.splitlines()


def test_the_readme_example_fails_with_the_message_shown(pytester: pytest.Pytester) -> None:
    code, shown = _example()
    pytester.makepyfile(test_stack=code)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore::UserWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"E   *{line.strip()}" for line in shown], consecutive=True)
