"""The result cache: hits, misses on every input that matters, and robustness to a bad cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bedrockcache import __version__
from bedrockcache.config import Settings
from bedrockcache.findings import Severity
from bedrockcache.lint.cache import CACHEDIR_TAG, Cache, FileResult, clear, default_cache_dir
from bedrockcache.lint.diagnostic import Diagnostic, Unresolved

SOURCE = b"import boto3\nboto3.client('bedrock-runtime').converse(modelId='x', messages=[])\n"


def _result(path: str = "app.py") -> FileResult:
    return FileResult(
        diagnostics=[
            Diagnostic(path, 2, 1, "BC101", "no cachePoint", 2, 70, Severity.ERROR, "add one"),
            Diagnostic(path, 3, 5, "BC207", "advice \u2014 é", 3, 9, Severity.INFO),
        ],
        unresolved=[Unresolved(path, 4, 1, "boto3 converse", ("system (parameter 'p')",))],
        call_sites=2,
        parsed=True,
    )


def _entries(directory: Path) -> list[Path]:
    return sorted((directory / __version__).glob("*/*.json"))


def test_round_trip_is_exact(tmp_path):
    cache = Cache(tmp_path / "c", "key")
    cache.put("app.py", SOURCE, _result())
    got = Cache(tmp_path / "c", "key").get("app.py", SOURCE)
    assert got == _result()
    assert isinstance(got.diagnostics[0].severity, Severity)
    assert isinstance(got.unresolved[0].reasons, tuple)


def test_empty_result_round_trips(tmp_path):
    cache = Cache(tmp_path, "key")
    cache.put("empty.py", b"", FileResult())
    assert cache.get("empty.py", b"") == FileResult(parsed=False)


def test_miss_before_put(tmp_path):
    assert Cache(tmp_path / "c", "key").get("app.py", SOURCE) is None
    assert not (tmp_path / "c").exists()  # reading creates nothing


@pytest.mark.parametrize(
    ("settings_key", "path", "content"),
    [
        ("other-key", "app.py", SOURCE),  # settings changed
        ("key", "moved/app.py", SOURCE),  # the file moved
        ("key", "app.py", SOURCE + b"# edited\n"),  # the content changed
    ],
)
def test_miss_when_an_input_changes(tmp_path, settings_key, path, content):
    Cache(tmp_path, "key").put("app.py", SOURCE, _result())
    assert Cache(tmp_path, settings_key).get(path, content) is None
    assert Cache(tmp_path, "key").get("app.py", SOURCE) == _result()


def test_settings_change_through_settings_key(tmp_path):
    before = Settings(root=tmp_path)
    after = Settings(root=tmp_path, ignore=("BC101",))
    Cache(tmp_path / "c", before.key()).put("app.py", SOURCE, _result())
    assert Cache(tmp_path / "c", after.key()).get("app.py", SOURCE) is None
    assert Cache(tmp_path / "c", before.key()).get("app.py", SOURCE) == _result()


def test_layout_cachedir_tag_and_gitignore(tmp_path):
    directory = default_cache_dir(tmp_path)
    assert directory == tmp_path / ".bedrockcache_cache"
    Cache(directory, "key").put("app.py", SOURCE, _result())
    tag = (directory / "CACHEDIR.TAG").read_text(encoding="utf-8")
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    assert tag == CACHEDIR_TAG
    assert (directory / ".gitignore").read_text(encoding="utf-8") == "*\n"
    entries = _entries(directory)
    assert len(entries) == 1
    assert not [p for p in (directory / __version__).rglob(".*.tmp")]  # no temp file left


def test_put_replaces_an_entry(tmp_path):
    cache = Cache(tmp_path, "key")
    cache.put("app.py", SOURCE, _result())
    cache.put("app.py", SOURCE, FileResult(call_sites=7, parsed=True))
    assert cache.get("app.py", SOURCE) == FileResult(call_sites=7, parsed=True)
    assert len(_entries(tmp_path)) == 1


@pytest.mark.parametrize(
    "corrupt",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"inputs": {}, "result": {}}',
    ],
)
def test_corrupt_entry_is_a_miss(tmp_path, corrupt):
    cache = Cache(tmp_path, "key")
    cache.put("app.py", SOURCE, _result())
    (entry,) = _entries(tmp_path)
    entry.write_bytes(corrupt)
    assert cache.get("app.py", SOURCE) is None


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("result", "call_sites"), "2"),
        (("result", "call_sites"), True),
        (("result", "parsed"), 1),
        (("result", "diagnostics", 0, "line"), 2.0),
        (("result", "diagnostics", 0, "severity"), "fatal"),
        (("result", "diagnostics", 0, "fix"), 3),
        (("result", "diagnostics", 0, "unknown_field"), 1),
        (("result", "unresolved", 0, "reasons"), "system"),
        (("result", "unresolved"), {}),
        (("inputs", "sha256"), "0" * 64),
        (("inputs", "version"), "0.0.1"),
    ],
)
def test_tampered_entry_is_a_miss(tmp_path, where, value):
    cache = Cache(tmp_path, "key")
    cache.put("app.py", SOURCE, _result())
    (entry,) = _entries(tmp_path)
    data = json.loads(entry.read_text(encoding="utf-8"))
    target = data
    for step in where[:-1]:
        target = target[step]
    target[where[-1]] = value
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert cache.get("app.py", SOURCE) is None


def test_missing_field_is_a_miss(tmp_path):
    cache = Cache(tmp_path, "key")
    cache.put("app.py", SOURCE, _result())
    (entry,) = _entries(tmp_path)
    data = json.loads(entry.read_text(encoding="utf-8"))
    del data["result"]["diagnostics"][0]["end_column"]
    entry.write_text(json.dumps(data), encoding="utf-8")
    assert cache.get("app.py", SOURCE) is None


def test_unreadable_entry_is_a_miss(tmp_path):
    cache = Cache(tmp_path, "key")
    cache.put("app.py", SOURCE, _result())
    (entry,) = _entries(tmp_path)
    entry.unlink()
    entry.mkdir()  # a directory where the file should be: reading raises OSError
    assert cache.get("app.py", SOURCE) is None


def test_unwritable_cache_is_ignored(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(blocker / "cache", "key")
    cache.put("app.py", SOURCE, _result())  # must not raise
    cache.put("b.py", SOURCE, _result())
    assert cache.get("app.py", SOURCE) is None


@pytest.mark.parametrize("call_sites", [float("nan"), {1, 2}])
def test_unserializable_result_is_not_stored(tmp_path, call_sites):
    cache = Cache(tmp_path, "key")
    cache.put("app.py", SOURCE, FileResult(call_sites=call_sites, parsed=True))
    assert cache.get("app.py", SOURCE) is None
    assert _entries(tmp_path) == []


def test_every_diagnostic_field_survives(tmp_path):
    """Fails when Diagnostic or Unresolved gains a field type the cache cannot store."""
    cache = Cache(tmp_path, "key")
    result = _result()
    cache.put("app.py", SOURCE, result)
    got = cache.get("app.py", SOURCE)
    assert got is not None
    for before, after in zip(result.diagnostics, got.diagnostics, strict=True):
        assert before.__dict__ == after.__dict__


def test_clear_removes_only_a_cache(tmp_path):
    directory = tmp_path / ".bedrockcache_cache"
    Cache(directory, "key").put("app.py", SOURCE, _result())
    assert clear(directory) is True
    assert not directory.exists()
    assert clear(directory) is False
    precious = tmp_path / "src"
    precious.mkdir()
    (precious / "main.py").write_text("x = 1\n")
    with pytest.raises(ValueError, match="not a cache directory"):
        clear(precious)
    assert (precious / "main.py").exists()


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_cache_directory_is_ignored(tmp_path):
    directory = tmp_path / "c"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        cache = Cache(directory, "key")
        cache.put("app.py", SOURCE, _result())
        assert cache.get("app.py", SOURCE) is None
    finally:
        directory.chmod(0o700)
