"""What a name holds at a call: straight-line bindings are followed, anything else is Unknown.

The precision rule behind these tests: a value the evaluator returns as known must be the value
the program has at run time. Where code could change it in a way the evaluator does not replay,
the answer must be Unknown (a missed finding), never the stale value (a false "no cachePoint").
"""

from __future__ import annotations

import textwrap
from typing import Any

import libcst as cst
import pytest

from bedrockcache.lint.bindings import TURNS, Binding, Parameter, resolve
from bedrockcache.lint.evaluate import Evaluator
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.lint.layers import constants, constructors, functions
from bedrockcache.unknown import PartialText, Unknown

CP = {"cachePoint": {"type": "default"}}


def _index_and_call(source: str) -> tuple[ModuleIndex, cst.Call]:
    index = ModuleIndex.build(cst.parse_module(textwrap.dedent(source)))
    call = next(c for c in index.calls if isinstance(c.func, cst.Name) and c.func.value == "target")
    return index, call


def evaluate(source: str) -> Any:
    """The value of the first argument of ``target(...)`` in ``source``."""
    index, call = _index_and_call(source)
    evaluator = Evaluator(index, constructors(), functions(), constants())
    return evaluator.value(call.args[0].value, index.statement_of[call])


def binding_of(source: str, name: str) -> Binding | Parameter | Unknown | None:
    index, call = _index_and_call(source)
    return resolve(index, name, index.statement_of[call])


def may_hold_cache_point(value: Any) -> bool:
    """Whether a cachePoint could be in ``value`` at run time, as far as the evaluator knows."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return "cachePoint" in value or any(may_hold_cache_point(v) for v in value.values())
    if isinstance(value, list):
        return any(may_hold_cache_point(v) for v in value)
    return False


# ---- resolve() ---------------------------------------------------------------------------------


def test_resolve_returns_the_binding_statement_and_value() -> None:
    found = binding_of("def f():\n    x = [1]\n    target(x)", "x")
    assert isinstance(found, Binding)
    assert isinstance(found.value, cst.List)
    assert not found.mutations and not found.escapes


def test_resolve_records_mutations_in_source_order() -> None:
    found = binding_of(
        "def f():\n    x = []\n    x.append(1)\n    x += [2]\n    x[0] = 3\n    target(x)", "x"
    )
    assert isinstance(found, Binding)
    assert [m.kind for m in found.mutations] == ["append", "+=", "setitem"]


def test_resolve_a_parameter_with_its_annotation() -> None:
    assert binding_of("def f(p: str):\n    target(p)", "p") == Parameter("p", "str")
    assert binding_of("def f(p):\n    target(p)", "p") == Parameter("p", None)
    assert binding_of("def f(*, p: list[str]):\n    target(p)", "p") == Parameter("p", "list[str]")


def test_resolve_an_unbound_name_is_none() -> None:
    assert binding_of("def f():\n    target(x)", "x") is None


def test_resolve_reports_an_escape() -> None:
    found = binding_of("def f():\n    x = [1]\n    mystery(x)\n    target(x)", "x")
    assert isinstance(found, Binding) and found.escapes


# ---- names in a function -----------------------------------------------------------------------


def test_a_name_bound_in_the_function() -> None:
    assert evaluate('def f():\n    x = {"a": 1}\n    target(x)') == {"a": 1}


def test_an_annotated_assignment() -> None:
    assert evaluate("def f():\n    x: list[int] = [1]\n    target(x)") == [1]


def test_the_last_assignment_before_the_call_wins() -> None:
    assert evaluate("def f():\n    x = [1]\n    x = [2]\n    target(x)\n    x = [3]") == [2]


def test_a_name_reassigned_from_itself() -> None:
    assert evaluate("def f():\n    x = [1]\n    x = x + [2]\n    target(x)") == [1, 2]


def test_a_chain_of_names() -> None:
    assert evaluate('def f():\n    a = "t"\n    b = [{"text": a}]\n    target(b)') == [
        {"text": "t"}
    ]


def test_a_name_bound_before_an_enclosing_if_is_seen_inside_it() -> None:
    assert evaluate("def f(c):\n    x = [1]\n    if c:\n        target(x)") == [1]


def test_mutations_inside_the_same_branch_before_the_call_are_replayed() -> None:
    source = "def f(c):\n    x = [1]\n    if c:\n        x.append(2)\n        target(x)"
    assert evaluate(source) == [1, 2]


def test_mutations_in_a_sibling_branch_do_not_apply() -> None:
    source = "def f(c):\n    x = [1]\n    if c:\n        x.append(2)\n    else:\n        target(x)"
    assert evaluate(source) == [1]


def test_a_with_block_is_straight_line_code() -> None:
    source = "def f():\n    x = [1]\n    with lock:\n        x.append(2)\n    target(x)"
    assert evaluate(source) == [1, 2]


# ---- replayed mutations ------------------------------------------------------------------------


def test_append_extend_insert_and_plus_equals_are_replayed_in_order() -> None:
    source = """
    def f():
        x = [1]
        x.append(2)
        x.extend([3, 4])
        x += [5]
        x.insert(0, 0)
        target(x)
    """
    assert evaluate(source) == [0, 1, 2, 3, 4, 5]


def test_item_assignment_and_update_are_replayed() -> None:
    source = """
    def f():
        x = {"a": 1}
        x["b"] = 2
        x.update({"c": 3})
        x["a"] = 0
        target(x)
    """
    assert evaluate(source) == {"a": 0, "b": 2, "c": 3}


def test_list_item_assignment_by_index() -> None:
    assert evaluate("def f():\n    x = [1, 2]\n    x[-1] = 9\n    target(x)") == [1, 9]


def test_several_mutations_on_one_line() -> None:
    assert evaluate("def f():\n    x = []\n    x.append(1); x.append(2)\n    target(x)") == [1, 2]


def test_text_plus_equals() -> None:
    assert evaluate('def f():\n    s = "a"\n    s += "b"\n    target(s)') == "ab"


def test_extending_with_something_unknown_leaves_a_hole() -> None:
    value = evaluate("def f(more):\n    x = [1]\n    x.extend(more)\n    target(x)")
    assert value[0] == 1
    assert isinstance(value[1], Unknown)


def test_appending_something_unknown_keeps_an_unknown_element() -> None:
    value = evaluate("def f(m):\n    x = [1]\n    x.append(m)\n    target(x)")
    assert value[0] == 1 and isinstance(value[1], Unknown)


@pytest.mark.parametrize(
    ("initial", "mutation"),
    [
        ("{}", "x[k] = 1"),  # unknown key
        ("[1]", "x[5] = 1"),  # out of range
        ("{}", "x.setdefault('a', 1)"),  # not replayed
        ("{}", "x.update(a=1)"),  # keyword form
        ("{}", "x.update(more)"),  # unknown mapping
        ("{'a': 1}", "x.pop('a')"),
        ("[1]", "x.pop()"),
        ("[1]", "x.clear()"),
        ("[2, 1]", "x.sort()"),
        ("[1]", "x.remove(1)"),
        ("[1]", "x -= [1]"),
        ("[1]", "x *= 2"),
    ],
)
def test_changes_that_are_not_replayed_make_the_value_unknown(initial: str, mutation: str) -> None:
    source = f"def f(k, more):\n    x = {initial}\n    {mutation}\n    target(x)"
    assert isinstance(evaluate(source), Unknown)


# ---- what makes a name Unknown -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "x = [1]\nif c:\n    x = [2]",
        "x = [1]\nif c:\n    x.append(2)",
        "if c:\n    x = [1]\nelse:\n    x = [2]",
        "x = [1]\ntry:\n    x.append(2)\nexcept ValueError:\n    pass",
        "x = [1]\nmatch c:\n    case 1:\n        x = [2]",
    ],
)
def test_an_assignment_or_change_in_a_branch_is_unknown(body: str) -> None:
    source = "def f(c):\n" + textwrap.indent(body, "    ") + "\n    target(x)"
    assert isinstance(evaluate(source), Unknown)


@pytest.mark.parametrize(
    "body",
    [
        "x = [1]\nfor i in c:\n    x.append(i)",
        "x = [1]\nwhile c:\n    x += [2]",
        "x = [1]\nfor x in c:\n    pass",
    ],
)
def test_a_loop_that_changes_the_name_is_unknown(body: str) -> None:
    source = "def f(c):\n" + textwrap.indent(body, "    ") + "\n    target(x)"
    assert isinstance(evaluate(source), Unknown)


def test_a_loop_that_does_not_touch_the_name_is_transparent() -> None:
    source = "def f(c):\n    x = [1]\n    for i in c:\n        print(i)\n    target(x)"
    assert evaluate(source) == [1]


def test_a_call_inside_a_loop_sees_what_the_earlier_turns_appended() -> None:
    # The second iteration sees the append of the first: the list is followed through TURNS
    # turns of a loop of unknown length, never read as the empty list it starts as.
    source = "def f(c):\n    x = []\n    for i in c:\n        target(x)\n        x.append(i)"
    value = evaluate(source)
    assert isinstance(value, list) and len(value) == TURNS - 1
    assert all(isinstance(item, Unknown) for item in value)
    bounded = source.replace("in c:", "in range(3):")
    assert len(evaluate(bounded)) == 2


@pytest.mark.parametrize(
    "change",
    ["x.pop(0)", "del x[0]", "x = x[-4:]", "x.clear()", "trim(x)", "x[0] = 1"],
)
def test_a_loop_that_may_bound_the_list_is_unknown(change: str) -> None:
    # A rotation (drop the oldest, keep the last few) is never guessed at.
    source = (
        "def f(c):\n    x = []\n    for i in c:\n"
        f"        {change}\n        x.append(i)\n        target(x)"
    )
    assert isinstance(evaluate(source), Unknown)


@pytest.mark.parametrize(
    "statement",
    [
        "mystery(x)",
        "mystery(data=x)",
        "obj.register(x)",
        "x.custom_method()",
        "result = transform(x)",
    ],
)
def test_a_list_handed_to_unknown_code_before_the_call_is_unknown(statement: str) -> None:
    source = f"def f(obj):\n    x = [1]\n    {statement}\n    target(x)"
    value = evaluate(source)
    assert isinstance(value, Unknown)
    assert "passed to a function" in value.source


@pytest.mark.parametrize(
    "statement",
    [
        "print(x)",
        "len(x)",
        "logger.info('%s', x)",
        "json.dumps(x)",
        "copy.deepcopy(x)",
        "y = x.copy()",
        "n = x.count(1)",
    ],
)
def test_reading_a_list_is_not_an_escape(statement: str) -> None:
    source = f"import json, copy\ndef f(logger):\n    x = [1]\n    {statement}\n    target(x)"
    assert evaluate(source) == [1]


def test_text_handed_to_a_function_is_still_known() -> None:
    # A str cannot be changed in place, so passing it anywhere changes nothing.
    assert evaluate('def f():\n    s = "abc"\n    mystery(s)\n    target(s)') == "abc"


@pytest.mark.parametrize(
    "rebinding",
    [
        "x, y = [2], [3]",
        "[x] = [[2]]",
        "del x",
        "global x",
        "(x := [2])",
        "with open(p) as x:\n        pass",
        "def x():\n        pass",
        "class x:\n        pass",
    ],
)
def test_rebindings_that_are_not_followed_are_unknown(rebinding: str) -> None:
    source = f"def f(p):\n    x = [1]\n    {rebinding}\n    target(x)"
    assert isinstance(evaluate(source), Unknown)


def test_a_name_assigned_after_its_use_in_the_function_is_unknown() -> None:
    # Python makes ``x`` local to the function: the module's X is never read here.
    source = "x = [1]\ndef f():\n    target(x)\n    x = [2]"
    assert isinstance(evaluate(source), Unknown)


def test_a_name_from_an_enclosing_function_is_unknown() -> None:
    source = "def outer():\n    x = [1]\n    def inner():\n        target(x)"
    assert isinstance(evaluate(source), Unknown)


def test_a_class_attribute_is_not_visible_from_a_method() -> None:
    source = "class C:\n    x = [1]\n    def m(self):\n        target(x)"
    value = evaluate(source)
    assert value != [1]
    assert isinstance(value, Unknown)


def test_an_unbound_name_is_unknown() -> None:
    assert isinstance(evaluate("def f():\n    target(nowhere)"), Unknown)


# ---- module names ------------------------------------------------------------------------------


def test_a_module_constant_read_in_a_function() -> None:
    assert evaluate('SYSTEM = [{"text": "x"}]\ndef f():\n    target(SYSTEM)') == [{"text": "x"}]


def test_a_module_constant_defined_after_the_function() -> None:
    # The function runs after the module is loaded, so the module's only binding is what it sees.
    assert evaluate("def f():\n    target(SYSTEM)\nSYSTEM = [1]") == [1]


def test_module_level_mutations_of_a_constant_are_replayed() -> None:
    source = "X = [1]\nX.append(2)\ndef f():\n    target(X)"
    assert evaluate(source) == [1, 2]


@pytest.mark.parametrize(
    "change",
    [
        "X = [2]",  # reassigned
        "if c:\n    X = [2]",  # bound in a branch
        "def g():\n    X.append(2)",  # mutated in a function
        "def g():\n    global X\n    X = [2]",  # rebound through global
        "for i in c:\n    X.append(i)",  # changed in a loop
    ],
)
def test_a_module_name_that_is_reassigned_or_changed_is_unknown(change: str) -> None:
    source = f"X = [1]\n{change}\ndef f():\n    target(X)"
    assert isinstance(evaluate(source), Unknown)


def test_a_module_list_handed_to_unknown_code_is_unknown() -> None:
    source = "X = [1]\nregister(X)\ndef f():\n    target(X)"
    assert isinstance(evaluate(source), Unknown)


def test_a_module_level_call_sees_the_module_assignments_before_it() -> None:
    assert evaluate("X = [1]\nX = [2]\ntarget(X)\nX = [3]") == [2]


# ---- parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize("annotation", ["str", "Text", "typing.Text", "LiteralString"])
def test_a_text_parameter_is_text_of_unknown_content(annotation: str) -> None:
    value = evaluate(f"import typing\ndef f(p: {annotation}):\n    target(p)")
    assert isinstance(value, PartialText)
    assert str(value) == ""
    assert len(value.unknown_parts) == 1


@pytest.mark.parametrize(
    "parameter", ["p", "p: list", "p: list[dict]", "p: str | None", "p: Optional[str]"]
)
def test_other_parameters_are_unknown(parameter: str) -> None:
    value = evaluate(f"def f({parameter}):\n    target(p)")
    assert isinstance(value, Unknown)
    assert not isinstance(value, str)


def test_a_default_holds_when_no_caller_in_the_module_overrides_it() -> None:
    assert evaluate("def f(p=[1]):\n    target(p)\n\nf()\nf(q=2)") == [1]


@pytest.mark.parametrize("call", ["f([2])", "f(p=[2])", "f(*args)"])
def test_a_default_overridden_by_a_caller_in_the_module_is_unknown(call: str) -> None:
    value = evaluate(f"def f(p=[1]):\n    target(p)\n\n{call}")
    assert isinstance(value, Unknown)


@pytest.mark.parametrize("parameter", ["*p: str", "**p: str"])
def test_star_parameters_annotated_str_are_not_text(parameter: str) -> None:
    # ``*p: str`` is a tuple of str, ``**p: str`` a dict: neither is one piece of text.
    assert isinstance(evaluate(f"def f({parameter}):\n    target(p)"), Unknown)


def test_a_parameter_reassigned_in_the_body_is_unknown() -> None:
    source = "def f(p):\n    if p:\n        p = [1]\n    target(p)"
    assert isinstance(evaluate(source), Unknown)


def test_a_parameter_replaced_before_the_call_takes_the_new_value() -> None:
    assert evaluate("def f(p):\n    p = [1]\n    target(p)") == [1]


# ---- precision bugs: the evaluator returns a stale value where code changed it ------------------
# Each of these must come out Unknown (or with the change applied). As they stand, a linter run
# reports "no cachePoint" on a request that carries one at run time.


def test_append_through_a_subscript_is_followed() -> None:
    source = """
    CP = {"cachePoint": {"type": "default"}}
    def f():
        msgs = [{"role": "user", "content": [{"text": "q"}]}]
        msgs[-1]["content"].append(CP)
        target(msgs)
    """
    assert may_hold_cache_point(evaluate(source))


def test_nested_item_assignment_is_followed() -> None:
    source = """
    def f():
        system = [{"type": "text", "text": "policy"}]
        system[0]["cache_control"] = {"type": "ephemeral"}
        target(system)
    """
    value = evaluate(source)
    assert isinstance(value, Unknown) or "cache_control" in value[0]


def test_nested_plus_equals_is_followed() -> None:
    source = 'def f():\n    x = [{"text": "a"}]\n    x[0]["text"] += "bbbb"\n    target(x)'
    value = evaluate(source)
    assert isinstance(value, Unknown) or value == [{"text": "abbbb"}]


def test_deleting_an_item_is_followed() -> None:
    source = 'def f():\n    x = {"a": 1, "b": 2}\n    del x["a"]\n    target(x)'
    value = evaluate(source)
    assert isinstance(value, Unknown) or value == {"b": 2}


def test_a_mutation_through_an_alias_is_followed() -> None:
    source = """
    CP = {"cachePoint": {"type": "default"}}
    def f():
        system = [{"text": "policy"}]
        alias = system
        alias.append(CP)
        target(system)
    """
    assert may_hold_cache_point(evaluate(source))


def test_a_mutation_through_an_element_alias_is_followed() -> None:
    source = """
    CP = {"cachePoint": {"type": "default"}}
    def f():
        msgs = [{"role": "user", "content": [{"text": "q"}]}]
        last = msgs[-1]
        last["content"].append(CP)
        target(msgs)
    """
    assert may_hold_cache_point(evaluate(source))


def test_a_loop_that_changes_the_elements_is_unknown() -> None:
    source = """
    def f():
        system = [{"type": "text", "text": "policy"}]
        for block in system:
            block["cache_control"] = {"type": "ephemeral"}
        target(system)
    """
    value = evaluate(source)
    assert isinstance(value, Unknown) or "cache_control" in value[0]


def test_a_list_changed_after_it_was_put_in_a_request_dict() -> None:
    source = """
    CP = {"cachePoint": {"type": "default"}}
    def f():
        system = [{"text": "policy"}]
        request = {"system": system}
        system.append(CP)
        target(request)
    """
    assert may_hold_cache_point(evaluate(source))


@pytest.mark.parametrize("statement", ["mark(system[0])", "helper([system])", "store.s = system"])
def test_an_element_or_wrapped_list_handed_to_unknown_code_is_unknown(statement: str) -> None:
    source = f"""
    def f(store):
        system = [{{"text": "policy"}}]
        {statement}
        store.flush()
        target(system)
    """
    assert isinstance(evaluate(source), Unknown)


@pytest.mark.parametrize(
    "statement", ["[x.append(CP) for _ in range(1)]", "ok = x.append(CP)", "print(x.append(CP))"]
)
def test_a_mutator_call_inside_an_expression_is_followed(statement: str) -> None:
    source = f"""
    CP = {{"cachePoint": {{"type": "default"}}}}
    def f():
        x = [{{"text": "policy"}}]
        {statement}
        target(x)
    """
    assert may_hold_cache_point(evaluate(source))


def test_a_module_level_call_after_a_function_that_mutates_the_list() -> None:
    source = """
    CP = {"cachePoint": {"type": "default"}}
    SYSTEM = [{"text": "policy"}]
    def setup():
        SYSTEM.append(CP)
    setup()
    target(SYSTEM)
    """
    assert may_hold_cache_point(evaluate(source))


def test_a_module_list_mutated_through_a_subscript_in_a_function() -> None:
    source = """
    CP = {"cachePoint": {"type": "default"}}
    MSGS = [{"role": "user", "content": [{"text": "q"}]}]
    def setup():
        MSGS[0]["content"].append(CP)
    def f():
        target(MSGS)
    """
    assert may_hold_cache_point(evaluate(source))
