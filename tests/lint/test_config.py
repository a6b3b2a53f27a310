"""[tool.bedrockcache]: discovery, every key, every error, and ruff's selection semantics."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

from bedrockcache.cli import main
from bedrockcache.config import (
    DEFAULT_EXCLUDE,
    ConfigError,
    Settings,
    find_config,
    load_settings,
)
from bedrockcache.findings import Severity
from bedrockcache.rules import catalogue


def _pyproject(directory: Path, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "pyproject.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _settings(tmp_path: Path, body: str, **cli: object) -> Settings:
    _pyproject(tmp_path, "[tool.bedrockcache]\n" + body)
    return load_settings(tmp_path, **cli)


def _error(tmp_path: Path, body: str, **cli: object) -> str:
    with pytest.raises(ConfigError) as info:
        _settings(tmp_path, body, **cli)
    return str(info.value)


def _info_code() -> str:
    return next(code for code, rule in catalogue().items() if rule.severity is Severity.INFO)


# --- discovery --------------------------------------------------------------------------------


def test_nearest_config_wins(tmp_path):
    outer = _pyproject(tmp_path, "[tool.bedrockcache]\nselect = ['BC1']\n")
    inner = _pyproject(tmp_path / "pkg", "[tool.bedrockcache]\nselect = ['BC2']\n")
    (tmp_path / "pkg" / "sub").mkdir()
    assert find_config(tmp_path / "pkg" / "sub") == inner
    assert find_config(tmp_path) == outer


def test_pyproject_without_the_table_is_skipped(tmp_path):
    outer = _pyproject(tmp_path, "[tool.bedrockcache]\nselect = ['BC1']\n")
    _pyproject(tmp_path / "pkg", "[project]\nname = 'pkg'\n[tool.ruff]\nline-length = 99\n")
    assert find_config(tmp_path / "pkg") == outer
    settings = load_settings(tmp_path / "pkg")
    assert settings.select == ("BC1",)
    assert settings.root == tmp_path
    assert settings.config_path == outer


def test_search_starts_from_a_file_s_directory(tmp_path):
    config = _pyproject(tmp_path, "[tool.bedrockcache]\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    assert find_config(tmp_path / "app.py") == config


def test_no_config_gives_defaults_rooted_at_the_working_directory(tmp_path, monkeypatch):
    _pyproject(tmp_path, "[project]\nname = 'x'\n")
    found = find_config(tmp_path)
    assert found is None or tmp_path not in found.parents
    monkeypatch.chdir(tmp_path.parent)
    settings = load_settings(tmp_path, isolated=True)
    assert settings == Settings(root=tmp_path.parent)
    assert settings.exclude == DEFAULT_EXCLUDE
    assert settings.config_path is None


def test_isolated_ignores_the_config(tmp_path):
    _pyproject(tmp_path, "[tool.bedrockcache]\nselect = ['BC1']\n")
    assert load_settings(tmp_path, isolated=True).select == ("BC",)


def test_explicit_config_file(tmp_path):
    _pyproject(tmp_path, "[tool.bedrockcache]\nselect = ['BC1']\n")
    other = _pyproject(tmp_path / "ci", "[tool.bedrockcache]\nselect = ['BC3']\n")
    settings = load_settings(tmp_path, config=other)
    assert settings.select == ("BC3",)
    assert settings.root == tmp_path / "ci"


def test_explicit_non_pyproject_file_holds_keys_at_top_level(tmp_path):
    path = tmp_path / "bedrockcache.toml"
    path.write_text("select = ['BC2']\n")
    assert load_settings(tmp_path, config=path).select == ("BC2",)


def test_explicit_config_that_does_not_exist(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path, config=tmp_path / "nope.toml")


def test_config_and_isolated_conflict(tmp_path):
    with pytest.raises(ConfigError, match="--isolated"):
        load_settings(tmp_path, config=tmp_path / "pyproject.toml", isolated=True)


# --- keys -------------------------------------------------------------------------------------


def test_every_key_is_read(tmp_path):
    settings = _settings(
        tmp_path,
        "select = ['BC1', 'BC3']\n"
        "ignore = ['BC301']\n"
        "extend-select = ['BC204']\n"
        "exclude = ['legacy']\n"
        "extend-exclude = ['gen/*.py']\n"
        "[tool.bedrockcache.per-file-ignores]\n"
        "'tests/*' = ['BC1']\n"
        "[tool.bedrockcache.models.claude-sonnet-4-6]\n"
        "min_tokens = 2048\n",
    )
    assert settings.select == ("BC1", "BC3")
    assert settings.ignore == ("BC301",)
    assert settings.extend_select == ("BC204",)
    assert settings.exclude == ("legacy",)
    assert settings.extend_exclude == ("gen/*.py",)
    assert settings.per_file_ignores == (("tests/*", ("BC1",)),)
    assert settings.models == {"claude-sonnet-4-6": {"min_tokens": 2048}}


def test_unknown_key_is_named_with_a_suggestion(tmp_path):
    message = _error(tmp_path, "extend_select = ['BC1']\n")
    assert "[tool.bedrockcache] extend_select: unknown key" in message
    assert "did you mean 'extend-select'?" in message
    assert str(tmp_path / "pyproject.toml") in message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("select = 'BC1'\n", "select: expected a list of strings"),
        ("ignore = [1]\n", "ignore: expected a list of strings"),
        ("exclude = 'build'\n", "exclude: expected a list of strings"),
        ("extend-exclude = [true]\n", "extend-exclude: expected a list of strings"),
        ("per-file-ignores = ['x']\n", "per-file-ignores: expected a table"),
        ("per-file-ignores = {'tests/*' = 'BC1'}\n", 'per-file-ignores."tests/*": expected a list'),
        ("models = 3\n", "models: expected a table of model tables"),
        ("exclude = ['[z-a]']\n", "exclude: invalid glob pattern '[z-a]'"),
        ("extend-exclude = ['']\n", "extend-exclude: empty pattern"),
    ],
)
def test_wrong_types_name_the_key(tmp_path, body, expected):
    assert expected in _error(tmp_path, body)


@pytest.mark.parametrize("key", ["select", "ignore", "extend-select"])
@pytest.mark.parametrize("selector", ["BC9", "bc1", "B", "BC1011", "E501", ""])
def test_unknown_selector_is_named(tmp_path, key, selector):
    message = _error(tmp_path, f"{key} = [{selector!r}]\n")
    assert f"[tool.bedrockcache] {key}: unknown rule selector {selector!r}" in message


def test_unknown_selector_in_per_file_ignores(tmp_path):
    message = _error(tmp_path, "[tool.bedrockcache.per-file-ignores]\n'tests/*' = ['BC9']\n")
    assert "per-file-ignores.\"tests/*\": unknown rule selector 'BC9'" in message


@pytest.mark.parametrize("selector", ["ALL", "BC", "BC1", "BC10", "BC101", "BC2", "BC20", "BC204"])
def test_selectors_that_match_catalogue_codes(tmp_path, selector):
    assert _settings(tmp_path, f"select = [{selector!r}]\n").select == (selector,)


def test_selectors_come_from_the_catalogue():
    families = {code[:3] for code in catalogue()}
    for family in ("BC0", "BC1", "BC2", "BC3", "BC4", "BC5"):
        settings_ok = True
        try:
            load_settings(Path.cwd(), isolated=True, select=[family])
        except ConfigError:
            settings_ok = False
        assert settings_ok == (family in families), family


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("[tool.bedrockcache]\nselect = ['BC1'\n", ":2:"),  # unclosed: reported at the end
        ("[tool.bedrockcache]\nselect == 1\nignore = []\n", ":2:"),
        ("[project]\nname = 'x'\n[tool.bedrockcache\n", ":3:"),
    ],
)
def test_toml_syntax_error_names_file_and_line(tmp_path, body, where):
    path = _pyproject(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}{where}")
    assert "invalid TOML" in message
    assert "\n" not in message


def test_unreadable_bytes_are_a_config_error(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.bedrockcache]\nselect = ['\xff']\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(tmp_path)


def test_models_error_is_a_config_error_naming_the_model_key(tmp_path):
    message = _error(tmp_path, "[tool.bedrockcache.models.claude-sonnet-4-6]\nbogus = 1\n")
    assert "[tool.bedrockcache] models.claude-sonnet-4-6: unknown key 'bogus'" in message


def test_models_bad_value_is_a_config_error(tmp_path):
    message = _error(tmp_path, "[tool.bedrockcache.models.claude-sonnet-4-6]\nmin_tokens = -5\n")
    assert "models.claude-sonnet-4-6.min_tokens" in message


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("min_tokens = true", "min_tokens"),
        ("regional_premium = false", "regional_premium"),
        ("prices = { input = true, write_5m = 1, read = 1 }", "prices.input"),
        ("prices = { input = 3, write_5m = inf, read = 1 }", "prices.write_5m"),
    ],
)
def test_models_boolean_or_non_finite_number_is_a_config_error(tmp_path, line, key):
    """TOML's `true` would pass as 1 in Python; a minimum of 1 hides BC305 on every request."""
    message = _error(tmp_path, f"[tool.bedrockcache.models.claude-sonnet-4-6]\n{line}\n")
    assert f"[tool.bedrockcache] models.claude-sonnet-4-6.{key}: must be a " in message
    assert "\n" not in message


def test_models_boolean_min_tokens_exits_2_with_one_line(tmp_path):
    _pyproject(tmp_path, "[tool.bedrockcache.models.claude-sonnet-4-6]\nmin_tokens = true\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "app.py")])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"bedrockcache: error: {tmp_path / 'pyproject.toml'}: [tool.bedrockcache] "
        "models.claude-sonnet-4-6.min_tokens: must be a positive integer, not a boolean (true)"
    ]


def test_table_that_is_not_a_table(tmp_path):
    _pyproject(tmp_path, "[tool]\nbedrockcache = 3\n")
    with pytest.raises(ConfigError, match=r"\[tool.bedrockcache\] must be a table"):
        load_settings(tmp_path)


# --- command-line values ----------------------------------------------------------------------


def test_cli_select_replaces_config_selection(tmp_path):
    body = "select = ['BC1']\nignore = ['BC301']\nextend-select = ['BC204']\n"
    settings = _settings(tmp_path, body, select=["BC3"])
    assert settings.select == ("BC3",)
    assert settings.ignore == ()
    assert settings.extend_select == ()
    assert settings.enabled("BC301", Severity.ERROR)


def test_cli_ignore_and_extend_select_add_to_config(tmp_path):
    body = "select = ['BC1']\nignore = ['BC101']\nextend-select = ['BC2']\n"
    settings = _settings(tmp_path, body, ignore="BC102,BC103", extend_select=("BC3",))
    assert settings.select == ("BC1",)
    assert settings.ignore == ("BC101", "BC102", "BC103")
    assert settings.extend_select == ("BC2", "BC3")


def test_cli_excludes(tmp_path):
    settings = _settings(tmp_path, "extend-exclude = ['a']\n", extend_exclude=["b"])
    assert settings.extend_exclude == ("a", "b")
    assert settings.exclude == DEFAULT_EXCLUDE
    assert _settings(tmp_path, "exclude = ['a']\n", exclude=["c"]).exclude == ("c",)


def test_cli_absent_values_change_nothing(tmp_path):
    settings = _settings(tmp_path, "select = ['BC1']\n", select=(), ignore=None, exclude=[])
    assert settings.select == ("BC1",)
    assert settings.exclude == DEFAULT_EXCLUDE


@pytest.mark.parametrize(
    "value",
    [["tests/*:BC1,BC2"], {"tests/*": ["BC1", "BC2"]}, [("tests/*", ["BC1", "BC2"])]],
)
def test_cli_per_file_ignores_replace_config(tmp_path, value):
    body = "[tool.bedrockcache.per-file-ignores]\n'docs/*' = ['BC3']\n"
    settings = _settings(tmp_path, body, per_file_ignores=value)
    assert settings.per_file_ignores == (("tests/*", ("BC1", "BC2")),)


def test_cli_errors_name_the_option(tmp_path):
    assert "--select: unknown rule selector 'BC9'" in _error(tmp_path, "", select=["BC9"])
    assert "--per-file-ignores: expected 'pattern:CODES'" in _error(
        tmp_path, "", per_file_ignores=["tests"]
    )
    assert "--per-file-ignores: unknown rule selector 'XX'" in _error(
        tmp_path, "", per_file_ignores=["tests/*:XX"]
    )


def test_unknown_cli_keyword_is_a_programming_error(tmp_path):
    with pytest.raises(TypeError, match="selectt"):
        load_settings(tmp_path, isolated=True, selectt=["BC1"])


# --- selection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "ignore", "extend_select", "code", "expected"),
    [
        (("BC",), (), (), "BC101", True),
        (("ALL",), (), (), "BC301", True),
        ((), (), (), "BC101", False),
        (("BC1",), (), (), "BC204", False),
        (("BC",), ("BC2",), (), "BC204", False),
        (("BC",), ("BC2",), (), "BC101", True),
        (("BC",), ("BC2",), ("BC204",), "BC204", True),  # more specific enable beats ignore
        (("BC204",), ("BC2",), (), "BC204", True),
        (("BC2",), ("BC20",), (), "BC204", False),  # more specific ignore beats select
        (("BC2",), ("BC20",), (), "BC210", True),
        (("BC20",), ("BC20",), (), "BC204", False),  # a tie goes to ignore
        (("BC",), ("ALL",), (), "BC101", True),  # ALL is the least specific selector
        (("ALL",), ("BC",), (), "BC101", False),
        (("BC1",), (), ("BC3",), "BC301", True),
    ],
)
def test_most_specific_selector_wins(select, ignore, extend_select, code, expected):
    settings = Settings(select=select, ignore=ignore, extend_select=extend_select)
    assert settings.enabled(code, Severity.ERROR) is expected
    assert settings.enabled(code, Severity.WARNING) is expected


def test_info_codes_need_their_full_code():
    code = _info_code()
    assert not Settings().enabled(code, Severity.INFO)
    assert not Settings(select=("ALL",)).enabled(code, Severity.INFO)
    assert not Settings(select=(code[:4],)).enabled(code, Severity.INFO)
    assert Settings(select=(code,)).enabled(code, "info")
    assert Settings(extend_select=(code,)).enabled(code, Severity.INFO)
    assert not Settings(extend_select=(code,), ignore=(code,)).enabled(code, Severity.INFO)
    assert Settings().enabled(code, Severity.WARNING)  # the gate is the severity, not the code


def test_info_code_enabled_from_config(tmp_path):
    code = _info_code()
    settings = _settings(tmp_path, f"extend-select = [{code!r}]\n")
    assert settings.enabled(code, Severity.INFO)


# --- per-file-ignores -------------------------------------------------------------------------


def _pfi(tmp_path: Path, *entries: tuple[str, tuple[str, ...]]) -> Settings:
    return Settings(per_file_ignores=entries, root=tmp_path)


def test_per_file_ignores_by_name_at_any_depth(tmp_path):
    settings = _pfi(tmp_path, ("__init__.py", ("BC1",)))
    assert settings.ignored_in(tmp_path / "__init__.py", "BC101")
    assert settings.ignored_in(tmp_path / "a" / "b" / "__init__.py", "BC102")
    assert not settings.ignored_in(tmp_path / "a" / "main.py", "BC101")
    assert not settings.ignored_in(tmp_path / "__init__.py", "BC201")


def test_per_file_ignores_by_path_relative_to_root(tmp_path):
    settings = _pfi(tmp_path, ("tests/*", ("BC",)), ("src/**/gen_*.py", ("BC204",)))
    assert settings.ignored_in(tmp_path / "tests" / "test_a.py", "BC101")
    assert settings.ignored_in(tmp_path / "tests" / "deep" / "test_a.py", "BC101")
    assert not settings.ignored_in(tmp_path / "pkg" / "tests" / "test_a.py", "BC101")
    assert settings.ignored_in(tmp_path / "src" / "gen_x.py", "BC204")
    assert settings.ignored_in(tmp_path / "src" / "a" / "b" / "gen_x.py", "BC204")
    assert not settings.ignored_in(tmp_path / "src" / "a" / "gen_x.py", "BC205")
    assert not settings.ignored_in(tmp_path.parent / "tests" / "test_a.py", "BC101")


def test_per_file_ignores_relative_path_argument(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = _pfi(tmp_path, ("./tests/*.py", ("BC1",)))
    assert settings.ignored_in(Path("tests/x.py"), "BC101")
    assert settings.ignored_in("tests/x.py", "BC101")


def test_per_file_ignores_negation(tmp_path):
    settings = _pfi(tmp_path, ("!src/**", ("BC3",)))
    assert settings.ignored_in(tmp_path / "scripts" / "x.py", "BC301")
    assert not settings.ignored_in(tmp_path / "src" / "x.py", "BC301")


def test_per_file_ignores_braces_and_all(tmp_path):
    settings = _pfi(tmp_path, ("{docs,examples}/*", ("ALL",)))
    assert settings.ignored_in(tmp_path / "docs" / "a.py", "BC101")
    assert settings.ignored_in(tmp_path / "examples" / "a.py", "BC305")
    assert not settings.ignored_in(tmp_path / "src" / "a.py", "BC101")


# --- key --------------------------------------------------------------------------------------


def test_key_is_stable_and_tracks_what_changes_results(tmp_path):
    base = Settings(root=tmp_path)
    assert base.key() == Settings(root=tmp_path).key()
    assert len(base.key()) == 64
    different = [
        Settings(root=tmp_path, select=("BC1",)),
        Settings(root=tmp_path, ignore=("BC101",)),
        Settings(root=tmp_path, extend_select=("BC207",)),
        Settings(root=tmp_path, per_file_ignores=(("x.py", ("BC",)),)),
        Settings(root=tmp_path, models={"claude-sonnet-4-6": {"min_tokens": 2048}}),
        Settings(root=tmp_path / "sub"),
    ]
    keys = {s.key() for s in different}
    assert len(keys) == len(different)
    assert base.key() not in keys
    assert Settings(root=tmp_path, extend_exclude=("x",)).key() == base.key()


def test_key_ignores_model_table_order(tmp_path):
    one = Settings(root=tmp_path, models={"a": {"x": 1, "y": 2}, "b": {}})
    two = Settings(root=tmp_path, models={"b": {}, "a": {"y": 2, "x": 1}})
    assert one.key() == two.key()


def test_settings_are_hashable_and_pickle(tmp_path):
    body = "[tool.bedrockcache.models.claude-sonnet-4-6]\nmin_tokens = 2048\n"
    settings = _settings(tmp_path, body)
    assert hash(settings) == hash(settings)
    copy = pickle.loads(pickle.dumps(settings))  # the runner sends Settings to worker processes
    assert copy == settings
    assert copy.key() == settings.key()
    assert pickle.loads(pickle.dumps(Settings())) == Settings()
