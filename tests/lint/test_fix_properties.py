"""Properties of ``--fix`` on generated Bedrock calls (the templates of test_lint_properties):
the fixed text always parses, a second pass changes nothing, code without findings is never
changed, and no fix leaves its own finding behind where it applied."""

from __future__ import annotations

import ast

from hypothesis import find, given, settings
from hypothesis import strategies as st

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text

from .test_lint_properties import HEAD, SETTINGS, converse_call, invoke_call, litellm_call

CALLS = st.one_of(converse_call(), invoke_call(), litellm_call())

# Directive values the fixers rewrite, swapped into the generated source.
MUTATIONS = st.sampled_from(
    [
        ("", ""),
        ('{"type": "default"}', '{"type": "ephemeral"}'),
        ('{"type": "default"}', '{"type": "default", "ttl": "2h"}'),
        ('{"type": "ephemeral"}', '{"type": "persistent"}'),
        ('{"type": "ephemeral"}', '{"type": "ephemeral", "ttl": "1h"}'),
    ]
)


def _fix(text: str) -> tuple[str, int]:
    outcome = fix_text(text, lambda t: check_source(t, "fuzz.py").diagnostics, unsafe=True)
    assert not outcome.rejected, [d.code for d in outcome.rejected]
    return outcome.text, sum(outcome.fixed.values())


@SETTINGS
@given(CALLS, MUTATIONS)
def test_fixes_parse_and_are_stable(drawn, mutation) -> None:
    body, _ = drawn
    old, new = mutation
    source = HEAD + (body.replace(old, new, 1) if old else body)
    diagnostics = check_source(source, "fuzz.py").diagnostics
    text, count = _fix(source)
    ast.parse(text)
    if not diagnostics:
        assert text == source  # code without findings is never changed
    if count == 0:
        assert text == source
    again, more = _fix(text)
    assert again == text and more == 0
    assert not [d for d in check_source(text, "fuzz.py").diagnostics if d.autofix]


def test_the_generated_calls_reach_every_kind_of_fix() -> None:
    """The property above is not vacuous: generated code gets fixes, safe and unsafe."""

    def fixes(applicability: str):
        def holds(drawn) -> bool:
            (body, _), (old, new) = drawn
            source = HEAD + (body.replace(old, new, 1) if old else body)
            diagnostics = check_source(source, "fuzz.py").diagnostics
            return any(d.autofix and d.autofix.applicability == applicability for d in diagnostics)

        return holds

    for applicability in ("safe", "unsafe"):
        find(
            st.tuples(CALLS, MUTATIONS),
            fixes(applicability),
            settings=settings(max_examples=300, derandomize=True, database=None, deadline=None),
        )
