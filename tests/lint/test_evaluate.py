"""The partial evaluator on expressions: what the source determines is computed, the rest Unknown.

Each test parses a small module, finds the call ``target(...)`` and evaluates its first argument
at the statement that holds the call, with the evaluator tables the linter itself uses. Names and
their bindings are tested in ``test_bindings.py``.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import libcst as cst
import pytest

from bedrockcache.lint.evaluate import Dumped, Evaluator
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.lint.layers import constants, constructors, functions
from bedrockcache.unknown import Alternatives, PartialText, Unknown


def _target(index: ModuleIndex) -> cst.Call:
    return next(c for c in index.calls if isinstance(c.func, cst.Name) and c.func.value == "target")


def evaluate(source: str, **tables: Any) -> Any:
    """The value of the first argument of ``target(...)`` in ``source``."""
    index = ModuleIndex.build(cst.parse_module(textwrap.dedent(source)))
    call = _target(index)
    evaluator = Evaluator(
        index,
        tables.get("constructors", constructors()),
        tables.get("functions", functions()),
        tables.get("constants", constants()),
    )
    return evaluator.value(call.args[0].value, index.statement_of[call])


def arguments(source: str, positional: tuple[str, ...] = ()) -> tuple[dict[str, Any], Any]:
    index = ModuleIndex.build(cst.parse_module(textwrap.dedent(source)))
    call = _target(index)
    evaluator = Evaluator(index, constructors(), functions(), constants())
    return evaluator.arguments(call, index.statement_of[call], positional)


def is_partial(value: object) -> bool:
    return isinstance(value, PartialText) and bool(value.unknown_parts)


# ---- literals and containers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"text"', "text"),
        ("'single'", "single"),
        ('"implicit " "concatenation"', "implicit concatenation"),
        ('"""triple"""', "triple"),
        (r'"escape\tsequence"', "escape\tsequence"),
        ("42", 42),
        ("2.5", 2.5),
        ("-3", -3),
        ("-2.5", -2.5),
        ("True", True),
        ("False", False),
        ("None", None),
    ],
)
def test_literals(expression: str, expected: object) -> None:
    value = evaluate(f"target({expression})")
    assert value == expected
    assert type(value) is type(expected)


def test_nested_containers_and_tuples_become_lists() -> None:
    value = evaluate('target({"a": [1, {"b": ("x", None)}], "c": {}})')
    assert value == {"a": [1, {"b": ["x", None]}], "c": {}}


def test_negating_something_unknown_is_unknown() -> None:
    assert isinstance(evaluate("def f(n):\n    target(-n)"), Unknown)


def test_a_key_that_is_not_known_makes_the_dict_unknown() -> None:
    assert isinstance(evaluate("def f(k):\n    target({k: 1})"), Unknown)


def test_a_partly_known_text_key_makes_the_dict_unknown() -> None:
    assert isinstance(evaluate('def f(k: str):\n    target({f"x{k}": 1})'), Unknown)


def test_unknown_values_stay_holes_in_a_known_container() -> None:
    value = evaluate('def f(p):\n    target({"role": "user", "content": p})')
    assert value["role"] == "user"
    assert isinstance(value["content"], Unknown)


# ---- spreads -----------------------------------------------------------------------------------


def test_dict_spread_of_a_known_dict_is_merged_in_order() -> None:
    value = evaluate('BASE = {"a": 1, "b": 2}\ntarget({**BASE, "b": 3, "c": 4})')
    assert value == {"a": 1, "b": 3, "c": 4}


def test_dict_spread_of_an_unknown_makes_the_whole_dict_unknown() -> None:
    # The spread may hold any key, so no key of the result can be trusted.
    value = evaluate('def f(extra):\n    target({"a": 1, **extra})')
    assert isinstance(value, Unknown)
    assert "extra" in value.source


def test_list_spread_of_a_known_list_is_inlined() -> None:
    assert evaluate("HEAD = [1, 2]\ntarget([0, *HEAD, 3])") == [0, 1, 2, 3]


def test_list_spread_of_an_unknown_leaves_one_hole() -> None:
    value = evaluate("def f(items):\n    target([0, *items, 3])")
    assert value[0] == 0 and value[-1] == 3
    assert len(value) == 3
    assert isinstance(value[1], Unknown)


def test_call_arguments_with_keywords_positionals_and_spreads() -> None:
    kwargs, hidden = arguments(
        'OPTS = {"b": 2}\ntarget("m", "x", a=1, **OPTS)', positional=("model", "messages")
    )
    assert kwargs == {"model": "m", "messages": "x", "a": 1, "b": 2}
    assert hidden is None


@pytest.mark.parametrize("spread", ["**options", "*args"])
def test_an_unknown_spread_in_a_call_hides_further_arguments(spread: str) -> None:
    kwargs, hidden = arguments(f"def f(options, args):\n    target(a=1, {spread})")
    assert kwargs == {"a": 1}
    assert isinstance(hidden, Unknown)
    assert spread in hidden.source


# ---- f-strings ---------------------------------------------------------------------------------


def test_fstring_of_known_parts_is_plain_text() -> None:
    value = evaluate('NAME = "Ada"\nN = 3\ntarget(f"Hello {NAME}, {N} times")')
    assert value == "Hello Ada, 3 times"
    assert not is_partial(value)


def test_fstring_with_an_unknown_part_keeps_the_known_length() -> None:
    value = evaluate('def f(date: str):\n    target(f"Today is {date}. Be brief.")')
    assert is_partial(value)
    assert str(value) == "Today is . Be brief."
    assert len(value) == len("Today is . Be brief.")
    assert value.parts[0] == "Today is "
    assert isinstance(value.parts[1], Unknown)


def test_fstring_doubled_braces_and_escapes_are_decoded() -> None:
    value = evaluate('def f(x):\n    target(f"{{literal}}\\t{x}")')
    assert value.parts[0] == "{literal}\t"


def test_fstring_repr_of_known_text() -> None:
    assert evaluate('S = "a"\ntarget(f"<{S!r}>")') == "<'a'>"


@pytest.mark.parametrize("field", ["{N:>10}", "{N!a}", "{ITEMS}"])
def test_fstring_fields_whose_text_is_not_computed_are_unknown_parts(field: str) -> None:
    value = evaluate(f'N = 3\nITEMS = [1]\ntarget(f"n={field}")')
    assert is_partial(value)
    assert value.parts[0] == "n="


# ---- operators ---------------------------------------------------------------------------------


def test_string_concatenation() -> None:
    assert evaluate('A = "ab"\ntarget(A + "cd")') == "abcd"


def test_concatenation_with_unknown_text_is_partial() -> None:
    value = evaluate('def f(p):\n    target("known " + p + " tail")')
    assert is_partial(value)
    assert str(value) == "known  tail"


def test_list_concatenation_and_an_unknown_list_tail() -> None:
    assert evaluate("target([1] + [2, 3])") == [1, 2, 3]
    value = evaluate("def f(more):\n    target([1] + more)")
    assert value[0] == 1
    assert isinstance(value[1], Unknown)


def test_adding_text_to_a_container_is_unknown() -> None:
    assert isinstance(evaluate('target({"a": 1} + "x")'), Unknown)
    assert isinstance(evaluate('target([1] + "x")'), Unknown)


def test_unknown_list_on_the_left_is_unknown() -> None:
    # ``more + [x]``: how many items come first is not known, so no position can be trusted.
    assert isinstance(evaluate("def f(more):\n    target(more + [1])"), Unknown)


@pytest.mark.parametrize("expression", ['"ab" * 3', '3 * "ab"'])
def test_text_repetition(expression: str) -> None:
    assert evaluate(f"target({expression})") == "ababab"


def test_list_repetition() -> None:
    assert evaluate("target([1, 2] * 2)") == [1, 2, 1, 2]


def test_repetition_of_a_named_count() -> None:
    assert len(evaluate('N = 1000\ntarget("x" * N)')) == 1000


@pytest.mark.parametrize("count", ["-1", "10 ** 9", "n", "True"])
def test_repetition_by_an_unusable_count_is_unknown(count: str) -> None:
    assert isinstance(evaluate(f'def f(n):\n    target("x" * {count})'), Unknown)


def test_repetition_of_partial_text_repeats_its_parts() -> None:
    value = evaluate('def f(p: str):\n    target(f"a{p}" * 3)')
    assert is_partial(value)
    assert str(value) == "aaa"
    assert len(value.unknown_parts) == 3


def test_percent_formatting_of_known_values() -> None:
    assert evaluate('target("%s-%03d" % ("a", 7))') == "a-007"
    assert evaluate('target("%(name)s!" % {"name": "x"})') == "x!"


def test_percent_formatting_with_unknown_values_keeps_the_literal_text() -> None:
    value = evaluate('def f(p):\n    target("Hello %s, welcome" % p)')
    assert is_partial(value)
    assert str(value) == "Hello , welcome"


def test_percent_formatting_that_would_raise_is_unknown() -> None:
    assert isinstance(evaluate('target("%d" % "text")'), Unknown)


def test_conditional_expression_is_its_alternatives() -> None:
    text = evaluate('def f(c):\n    target("a" if c else "b")')
    assert isinstance(text, Alternatives) and text.options == ("a", "b")
    assert text.labels == ('c: "a"', 'not c: "b"')
    blocks = evaluate("def f(c):\n    target([1] if c else [2])")
    assert isinstance(blocks, Alternatives) and blocks.options == ([1], [2])
    assert evaluate('def f(c):\n    target("a" if c else "a")') == "a"  # one value either way


def test_conditional_expression_with_a_known_test() -> None:
    assert evaluate('FLAG = True\ndef f():\n    target("a" if FLAG else "b")') == "a"
    assert evaluate('def f(c=False):\n    target("a" if c else "b")') == "b"


# ---- calls -------------------------------------------------------------------------------------


def test_dict_call_with_keywords() -> None:
    assert evaluate('target(dict(a=1, b=[2], c="x"))') == {"a": 1, "b": [2], "c": "x"}


def test_dict_call_with_a_base_and_keywords() -> None:
    assert evaluate('BASE = {"a": 1}\ntarget(dict(BASE, b=2))') == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    "call", ["dict(**extra)", "dict(extra)", "dict(a=1, **extra)", "dict([('a', 1)])"]
)
def test_dict_call_with_anything_unknown_is_unknown(call: str) -> None:
    assert isinstance(evaluate(f"def f(extra):\n    target({call})"), Unknown)


def test_a_shadowed_dict_is_not_the_builtin() -> None:
    assert isinstance(evaluate("def f(dict):\n    target(dict(a=1))"), Unknown)


def test_json_dumps_of_a_known_value_is_the_exact_text() -> None:
    value = evaluate('import json\ntarget(json.dumps({"b": [1, "x"], "a": None}))')
    assert value == json.dumps({"b": [1, "x"], "a": None})


def test_json_dumps_options_are_applied() -> None:
    value = evaluate('import json\ntarget(json.dumps({"b": 1, "a": 2}, indent=2, sort_keys=True))')
    assert value == json.dumps({"b": 1, "a": 2}, indent=2, sort_keys=True)


def test_json_dumps_through_an_alias() -> None:
    assert evaluate("import json as j\ntarget(j.dumps([1]))") == "[1]"
    assert evaluate("from json import dumps\ntarget(dumps([1]))") == "[1]"


def test_json_dumps_of_a_partly_unknown_value_is_dumped() -> None:
    value = evaluate('import json\ndef f(q):\n    target(json.dumps({"a": 1, "q": q}))')
    assert isinstance(value, Dumped)
    assert value.value["a"] == 1
    assert isinstance(value.value["q"], Unknown)


def test_encoding_json_text_keeps_what_it_holds() -> None:
    known = evaluate('import json\ntarget(json.dumps({"a": 1}).encode("utf-8"))')
    assert known == '{"a": 1}'
    dumped = evaluate('import json\ndef f(q):\n    target(json.dumps({"q": q}).encode())')
    assert isinstance(dumped, Dumped)


def test_join_of_known_text() -> None:
    assert evaluate('target(", ".join(["a", "b", "c"]))') == "a, b, c"


def test_join_with_an_unknown_item_is_partial() -> None:
    value = evaluate('def f(p: str):\n    target("\\n".join(["a", p, "b"]))')
    assert is_partial(value)
    assert str(value) == "a\n\nb"


def test_join_of_an_unknown_iterable_is_still_text() -> None:
    value = evaluate('def f(items):\n    target("".join(items))')
    assert isinstance(value, str)
    assert is_partial(value)
    assert str(value) == ""


def test_format_of_known_values() -> None:
    assert evaluate('target("{} and {:>3}".format("a", "b"))') == "a and   b"


@pytest.mark.parametrize("args", ["p", "name=p", "*p", '"a", name="b"'])
def test_format_with_unknown_or_keyword_values_keeps_the_literal_text(args: str) -> None:
    value = evaluate(f'def f(p):\n    target("Hi {{}}{{name}}, bye".format({args}))')
    assert is_partial(value)
    assert str(value) == "Hi , bye"


def test_textwrap_dedent_of_known_text() -> None:
    source = 'import textwrap\ntarget(textwrap.dedent("""\n    a\n      b\n"""))'
    assert evaluate(source) == "\na\n  b\n"


def test_inspect_cleandoc_and_an_aliased_dedent() -> None:
    assert evaluate('import inspect\ntarget(inspect.cleandoc("  a\\n  b"))') == "a\nb"
    assert evaluate('from textwrap import dedent\ntarget(dedent("  a\\n  b"))') == "a\nb"


def test_dedent_of_partial_text_is_text_of_unknown_length() -> None:
    value = evaluate('import textwrap\ndef f(p: str):\n    target(textwrap.dedent(f"  a {p}"))')
    assert is_partial(value)


@pytest.mark.parametrize("call", ["str(p)", "repr(p)", "format(p)"])
def test_builtin_conversions_are_text(call: str) -> None:
    value = evaluate(f"def f(p):\n    target({call})")
    assert is_partial(value)


def test_str_of_known_text_is_that_text() -> None:
    assert evaluate('target(str("abc"))') == "abc"


@pytest.mark.parametrize("call", ["open(p).read()", "pathlib.Path(p).read_text()"])
def test_reading_a_file_is_text_of_unknown_content(call: str) -> None:
    value = evaluate(f"import pathlib\ndef f(p):\n    target({call})")
    assert is_partial(value)


def test_strip_of_known_text() -> None:
    assert evaluate('target("  a  ".strip())') == "a"


def test_copy_of_a_known_container() -> None:
    assert evaluate('X = {"a": [1]}\ntarget(X.copy())') == {"a": [1]}


@pytest.mark.parametrize("call", ["load()", "helper.build()", "obj.method(1)", "(lambda: 1)()"])
def test_calls_of_unknown_functions_are_unknown(call: str) -> None:
    value = evaluate(f"import helper\ndef f(obj, load):\n    target({call})")
    assert isinstance(value, Unknown)
    assert not isinstance(value, str)


def test_read_of_a_file_opened_by_a_with_statement_is_text() -> None:
    value = evaluate("def f(p):\n    with open(p) as fh:\n        target(fh.read())")
    assert is_partial(value)


def test_read_on_an_object_of_unknown_type_is_not_assumed_to_be_text() -> None:
    # A conversation store's read() returns the message list, which may hold cachePoints.
    value = evaluate("def f(store):\n    target(store.read())")
    assert isinstance(value, Unknown)


# ---- subscripts and attributes -----------------------------------------------------------------


def test_subscripts_of_known_containers() -> None:
    assert evaluate('X = {"a": [10, 20]}\ntarget(X["a"][-1])') == 20


@pytest.mark.parametrize("subscript", ['X["missing"]', "X['a'][5]", "X['a'][0:1]", "X[k]"])
def test_subscripts_that_cannot_be_followed_are_unknown(subscript: str) -> None:
    assert isinstance(evaluate(f'X = {{"a": [1]}}\ndef f(k):\n    target({subscript})'), Unknown)


def test_attributes_are_unknown() -> None:
    assert isinstance(evaluate("def f(self):\n    target(self.system)"), Unknown)


# ---- imported names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from prompts import SYSTEM\ntarget(SYSTEM)",
        "import prompts\ntarget(prompts.SYSTEM)",
        "import prompts as p\ntarget(p.SYSTEM)",
    ],
)
def test_imported_names_are_unknown(source: str) -> None:
    # Another module's value is not in this file; even a "constant" may be built at import time.
    assert isinstance(evaluate(source), Unknown)


def test_imported_names_in_the_constants_table_take_its_value() -> None:
    table = {("pkg", "mod.LIMIT"): 7}
    assert evaluate("from pkg.mod import LIMIT\ntarget(LIMIT)", constants=table) == 7
    assert evaluate("import pkg.mod\ntarget(pkg.mod.LIMIT)", constants=table) == 7
    assert isinstance(
        evaluate("from pkg.mod import OTHER\ntarget(OTHER)", constants=table), Unknown
    )


def test_functions_table_receives_the_evaluated_arguments() -> None:
    seen: list[tuple[dict[str, Any], list[Any]]] = []

    def make(kwargs: dict[str, Any], args: list[Any]) -> Any:
        seen.append((kwargs, args))
        return {"made": args[0]}

    table = {("pkg", "make"): make}
    value = evaluate('from pkg import make\ntarget(make("x", flag=True))', functions=table)
    assert value == {"made": "x"}
    assert seen == [({"flag": True}, ["x"])]


# ---- limits ------------------------------------------------------------------------------------


def test_an_expression_too_large_to_follow_is_unknown_not_a_hang() -> None:
    # Each name doubles the work: 2**18 evaluations, far past the evaluator's budget.
    lines = ["X0 = [1]"] + [f"X{i} = X{i - 1} + X{i - 1}" for i in range(1, 19)]
    value = evaluate("\n".join([*lines, "target(X18)"]))
    assert isinstance(value, Unknown)
