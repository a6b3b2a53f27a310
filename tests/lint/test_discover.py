"""File discovery: suffixes, excludes, virtualenvs, .gitignore, explicit paths, force-exclude."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bedrockcache.config import Settings
from bedrockcache.lint.discover import DEFAULT_EXCLUDE, GitIgnore, discover, is_excluded


def _tree(root: Path, *files: str) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def _found(root: Path, paths: list[Path] | None = None, **kwargs: object) -> list[str]:
    settings = kwargs.pop("settings", None) or Settings(root=root)
    files = discover(paths or [root], settings, **kwargs)  # type: ignore[arg-type]
    return [p.relative_to(root).as_posix() for p in files]


def _repo(root: Path, gitignore: str = "") -> None:
    (root / ".git" / "info").mkdir(parents=True)
    if gitignore:
        (root / ".gitignore").write_text(gitignore, encoding="utf-8")


def test_walks_for_py_and_pyi_sorted_and_absolute(tmp_path):
    _tree(tmp_path, "b.py", "a/z.pyi", "a/y.py", "notes.txt", "script", "a/data.json")
    files = discover([tmp_path], Settings(root=tmp_path))
    assert all(p.is_absolute() for p in files)
    assert files == sorted(files)
    assert _found(tmp_path) == ["a/y.py", "a/z.pyi", "b.py"]


def test_default_excludes_at_any_depth(tmp_path):
    skipped = [f"{name}/m.py" for name in DEFAULT_EXCLUDE] + [
        f"pkg/{name}/m.py" for name in DEFAULT_EXCLUDE
    ]
    _tree(tmp_path, "keep.py", "pkg/keep.py", *skipped)
    assert _found(tmp_path) == ["keep.py", "pkg/keep.py"]


def test_site_packages_and_cache_are_default_excludes():
    assert {"site-packages", ".bedrockcache_cache", ".venv", "node_modules"} <= set(DEFAULT_EXCLUDE)


def test_virtualenv_is_skipped_whatever_its_name(tmp_path):
    _tree(tmp_path, "app.py", "myenv/lib/python3.11/mod.py", "notenv/mod.py")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert _found(tmp_path) == ["app.py", "notenv/mod.py"]


def test_exclude_replaces_the_defaults(tmp_path):
    _tree(tmp_path, "build/a.py", "legacy/b.py", "c.py")
    settings = Settings(root=tmp_path, exclude=("legacy",))
    assert _found(tmp_path, settings=settings) == ["build/a.py", "c.py"]


def test_extend_exclude_patterns(tmp_path):
    _tree(
        tmp_path,
        "src/app.py",
        "src/api_pb2.py",
        "src/gen/x.py",
        "gen/y.py",
        "docs/conf.py",
        "tests/fixtures/bad.py",
        "pkg/tests/fixtures/kept.py",
    )
    settings = Settings(
        root=tmp_path, extend_exclude=("*_pb2.py", "src/gen", "docs/", "./tests/fixtures")
    )
    assert _found(tmp_path, settings=settings) == [
        "gen/y.py",
        "pkg/tests/fixtures/kept.py",
        "src/app.py",
    ]


def test_exclude_relative_to_root_not_to_the_walked_directory(tmp_path):
    _tree(tmp_path, "src/gen/x.py", "src/y.py")
    settings = Settings(root=tmp_path, extend_exclude=("src/gen",))
    found = discover([tmp_path / "src"], settings)
    assert [p.name for p in found] == ["y.py"]


def test_explicit_paths_are_always_linted(tmp_path):
    _tree(tmp_path, "build/a.py", "tool", "conf.cfg")
    paths = [tmp_path / "build" / "a.py", tmp_path / "tool", tmp_path / "conf.cfg"]
    assert _found(tmp_path, paths) == ["build/a.py", "conf.cfg", "tool"]


def test_explicit_directory_is_walked_even_if_excluded(tmp_path):
    _tree(tmp_path, "build/a.py", "build/node_modules/b.py")
    assert _found(tmp_path, [tmp_path / "build"]) == ["build/a.py"]


def test_force_exclude_applies_excludes_to_explicit_paths(tmp_path):
    _tree(tmp_path, "build/a.py", "pkg/api_pb2.py", "pkg/ok.py", "venvish/lib/m.py")
    (tmp_path / "venvish" / "pyvenv.cfg").write_text("")
    settings = Settings(root=tmp_path, extend_exclude=("*_pb2.py",))
    paths = [
        tmp_path / "build" / "a.py",  # an excluded directory above the file
        tmp_path / "pkg" / "api_pb2.py",  # the file's own name
        tmp_path / "pkg" / "ok.py",
        tmp_path / "venvish" / "lib" / "m.py",  # inside a virtualenv
        tmp_path / "build",
    ]
    assert _found(tmp_path, paths, settings=settings, force_exclude=True) == ["pkg/ok.py"]
    assert len(_found(tmp_path, paths, settings=settings)) == 4  # 'build' walks to a.py again


def test_force_exclude_ignores_the_root_s_own_name(tmp_path):
    root = tmp_path / "build"
    _tree(root, "a.py")
    assert _found(root, [root / "a.py"], force_exclude=True) == ["a.py"]


def test_force_exclude_does_not_apply_gitignore(tmp_path):
    _repo(tmp_path, "ignored.py\n")
    _tree(tmp_path, "ignored.py")
    assert _found(tmp_path, [tmp_path / "ignored.py"], force_exclude=True) == ["ignored.py"]


def test_is_excluded_outside_root_uses_the_name_only(tmp_path):
    settings = Settings(root=tmp_path / "project", extend_exclude=("x.py", "sub/*"))
    assert is_excluded(tmp_path / "elsewhere" / "x.py", settings)
    assert not is_excluded(tmp_path / "sub" / "y.py", settings)
    assert is_excluded(tmp_path / "project" / "sub" / "y.py", settings)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        discover([tmp_path / "nope.py"], Settings(root=tmp_path))
    assert str(info.value) == f"{tmp_path / 'nope.py'}: no such file or directory"


def test_results_are_deduplicated(tmp_path, monkeypatch):
    _tree(tmp_path, "a.py", "pkg/b.py")
    monkeypatch.chdir(tmp_path)
    paths = [Path("a.py"), Path("./a.py"), tmp_path / "a.py", Path("pkg"), Path("pkg/b.py")]
    assert _found(tmp_path, paths) == ["a.py", "pkg/b.py"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_directory_symlinks_are_not_followed_file_symlinks_are(tmp_path):
    outside = tmp_path / "outside"
    project = tmp_path / "project"
    _tree(outside, "secret.py")
    _tree(project, "real.py")
    (project / "link_dir").symlink_to(outside, target_is_directory=True)
    (project / "loop").symlink_to(project, target_is_directory=True)
    (project / "link.py").symlink_to(outside / "secret.py")
    (project / "dangling.py").symlink_to(tmp_path / "missing.py")
    assert _found(project) == ["link.py", "real.py"]


# --- .gitignore -------------------------------------------------------------------------------


def test_gitignore_features(tmp_path):
    _repo(
        tmp_path,
        "# a comment\n"
        "\n"
        "*.gen.py\n"  # a name at any depth
        "/top_only.py\n"  # leading slash: anchored here
        "docs/api.py\n"  # middle slash: anchored here
        "cache/\n"  # directories only
        "log?.py\n"
        "v[0-9].py\n"
        "**/tmp/*.py\n"
        "a/**/z.py\n"
        "out/**\n"
        "*.py[!i]\n"  # nothing: no such files, keeps [!...] exercised
        "secret_*.py\n"
        "!secret_ok.py\n"
        "\\#hash.py\n"
        "trailing.py   \n",
    )
    _tree(
        tmp_path,
        "keep.py",
        "x.gen.py",
        "sub/y.gen.py",
        "top_only.py",
        "sub/top_only.py",
        "docs/api.py",
        "sub/docs/api.py",
        "cache/c.py",
        "sub/cache.py",
        "log1.py",
        "log12.py",
        "v1.py",
        "vx.py",
        "tmp/t.py",
        "deep/er/tmp/t.py",
        "a/z.py",
        "a/b/c/z.py",
        "out/o.py",
        "out/deep/o.py",
        "secret_key.py",
        "secret_ok.py",
        "#hash.py",
        "trailing.py",
    )
    assert _found(tmp_path) == [
        "keep.py",
        "log12.py",
        "secret_ok.py",
        "sub/cache.py",
        "sub/docs/api.py",
        "sub/top_only.py",
        "vx.py",
    ]


def test_negation_and_nested_gitignore(tmp_path):
    _repo(tmp_path, "*_test.py\n")
    _tree(tmp_path, "a_test.py", "pkg/b_test.py", "pkg/c_test.py", "pkg/sub/d.py", "other/e.py")
    (tmp_path / "pkg" / ".gitignore").write_text("!b_test.py\nsub/\n")
    (tmp_path / "other" / ".gitignore").write_text("e.py\n")
    assert _found(tmp_path) == ["pkg/b_test.py"]


def test_nested_gitignore_applies_only_below_its_directory(tmp_path):
    _repo(tmp_path)
    _tree(tmp_path, "x.py", "pkg/x.py")
    (tmp_path / "pkg" / ".gitignore").write_text("/x.py\n")
    assert _found(tmp_path) == ["x.py"]


def test_negation_cannot_reinclude_inside_an_ignored_directory(tmp_path):
    _repo(tmp_path, "build2/\n!build2/keep.py\n")
    _tree(tmp_path, "build2/keep.py", "ok.py")
    assert _found(tmp_path) == ["ok.py"]


def test_later_line_wins(tmp_path):
    _repo(tmp_path, "!a.py\n*.py\n")
    _tree(tmp_path, "a.py")
    assert _found(tmp_path) == []


def test_git_info_exclude(tmp_path):
    _repo(tmp_path, "!local.py\n")
    (tmp_path / ".git" / "info" / "exclude").write_text("local*.py\n")
    _tree(tmp_path, "local.py", "local2.py", "x.py")
    assert _found(tmp_path) == ["local.py", "x.py"]  # .gitignore outranks info/exclude


def test_gitignore_of_parent_directories_applies_to_a_walked_subdirectory(tmp_path):
    _repo(tmp_path, "src/gen/\n")
    _tree(tmp_path, "src/gen/g.py", "src/m.py")
    found = discover([tmp_path / "src"], Settings(root=tmp_path))
    assert [p.name for p in found] == ["m.py"]


def test_gitignore_needs_a_git_work_tree(tmp_path):
    if any((parent / ".git").exists() for parent in tmp_path.parents):
        pytest.skip("the temporary directory is inside a git work tree")
    (tmp_path / ".gitignore").write_text("*.py\n")
    _tree(tmp_path, "a.py")
    assert GitIgnore.for_directory(tmp_path) is None
    assert _found(tmp_path) == ["a.py"]


def test_nested_repository_starts_afresh(tmp_path):
    _repo(tmp_path, "vendor_*.py\n")
    _tree(tmp_path, "vendor_a.py", "sub/vendor_b.py")
    (tmp_path / "sub" / ".git").mkdir()
    assert _found(tmp_path) == ["sub/vendor_b.py"]


def test_respect_gitignore_false(tmp_path):
    _repo(tmp_path, "*.py\n")
    _tree(tmp_path, "a.py")
    assert _found(tmp_path, respect_gitignore=False) == ["a.py"]
    assert _found(tmp_path) == []


def test_gitignored_explicit_file_is_linted(tmp_path):
    _repo(tmp_path, "a.py\n")
    _tree(tmp_path, "a.py")
    assert _found(tmp_path, [tmp_path / "a.py"]) == ["a.py"]


def test_dot_git_is_never_walked(tmp_path):
    _repo(tmp_path)
    _tree(tmp_path, ".git/hooks/h.py", "a.py")
    settings = Settings(root=tmp_path, exclude=())
    assert _found(tmp_path, settings=settings) == ["a.py"]


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "expected"),
    [
        ("foo", "foo", False, True),
        ("foo", "a/b/foo", True, True),
        ("foo/", "a/foo", False, False),
        ("foo/", "a/foo", True, True),
        ("/foo", "a/foo", False, False),
        ("a/foo", "a/foo", False, True),
        ("a/foo", "b/a/foo", False, False),
        ("*.py", "a/b.py", False, True),
        ("a/*.py", "a/b/c.py", False, False),  # * does not cross /
        ("a/**/c.py", "a/c.py", False, True),
        ("**/c.py", "x/y/c.py", False, True),
        ("a/**", "a/x/y", False, True),
        ("a?.py", "ab.py", False, True),
        ("a?.py", "a/.py", False, False),
        ("[ab].py", "b.py", False, True),
        ("[!ab].py", "b.py", False, False),
        ("\\!x.py", "!x.py", False, True),
        ("f\\ ", "f ", False, True),
        ("[unclosed", "[unclosed", False, True),
    ],
)
def test_gitignore_patterns(tmp_path, pattern, path, is_dir, expected):
    _repo(tmp_path, pattern + "\n")
    ignore = GitIgnore.for_directory(tmp_path)
    assert ignore is not None
    assert ignore.ignored(tmp_path / path, is_dir=is_dir) is expected
