"""LiteLLM's own model map, as far as it decides what LiteLLM sends for a Claude id on Bedrock.

LiteLLM routes ``bedrock/<id>`` to Converse when its model map lists the id (or the id without its
cross-region prefix) for Converse (``BedrockModelInfo.get_bedrock_route``); its Converse transform
emits cachePoints unless the id's map entry lacks ``supports_prompt_caching``, and keeps a ``ttl``
only when the entry prices a 1h cache write (``supports_bedrock_prompt_cache_ttl``).

The map is read from the **installed** LiteLLM when there is one, without importing it (importing
LiteLLM takes seconds and may fetch a remote map): its bundled
``model_prices_and_context_window_backup.json``, the ``BEDROCK_CONVERSE_MODELS`` list of
``constants.py`` and the prefixes of ``get_bedrock_cross_region_inference_regions``. Without
LiteLLM, the dated snapshot ``facts/litellm_map.toml`` is used (``python scripts/litellm_map.py``
writes it from the installed LiteLLM; the conformance suite checks both readings against the real
library).
At run time LiteLLM may load a newer remote map unless ``LITELLM_LOCAL_MODEL_COST_MAP=True``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Entry", "LiteLLMMap", "bedrock_claude_key", "current", "read_installed", "snapshot"]

SNAPSHOT = "litellm_map.toml"


@dataclass(frozen=True)
class Entry:
    """What a map entry says about caching: ``supports_prompt_caching`` and a 1h write price."""

    prompt_caching: bool
    one_hour_price: bool


@dataclass(frozen=True)
class LiteLLMMap:
    version: str
    origin: str  # where it was read: the installed LiteLLM or the snapshot, with its date
    converse: frozenset[str]  # Claude ids LiteLLM routes to Converse by default
    prefixes: tuple[str, ...]  # get_bedrock_cross_region_inference_regions()
    entries: Mapping[str, Entry]  # Claude map entries by id

    def base_model(self, model: str) -> str:
        """``get_bedrock_base_model`` for a plain id: the cross-region prefix removed."""
        head, _, tail = model.partition(".")
        return tail if tail and head in self.prefixes else model

    def routes_to_converse(self, model: str) -> bool:
        return model in self.converse or self.base_model(model) in self.converse

    def caches(self, model: str) -> bool | None:
        """``_mapped_prompt_caching_support``: None when neither ``model`` nor its base model
        has an entry, else whether one of them declares ``supports_prompt_caching``."""
        found = [e for c in (model, self.base_model(model)) if (e := self.entries.get(c))]
        return any(e.prompt_caching for e in found) if found else None

    def one_hour_priced(self, model: str) -> bool:
        return any(
            (found := self.entries.get(candidate)) is not None and found.one_hour_price
            for candidate in (model, self.base_model(model))
        )


def bedrock_claude_key(key: str) -> bool:
    """A map key that is a Bedrock Claude id (``[geo.]anthropic.claude-...``), not an alias or a
    provider- or region-prefixed entry."""
    return "anthropic.claude" in key and "/" not in key


@cache
def current() -> LiteLLMMap:
    """The installed LiteLLM's map, else the snapshot."""
    return read_installed() or snapshot()


@cache
def snapshot() -> LiteLLMMap:
    text = resources.files("bedrockcache.facts").joinpath(SNAPSHOT).read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return LiteLLMMap(
        version=data["version"],
        origin=f"snapshot of LiteLLM {data['version']}'s model map, checked {data['checked']}",
        converse=frozenset(data["converse"]),
        prefixes=tuple(data["cross_region_prefixes"]),
        entries={k: Entry(**v) for k, v in data["entries"].items()},
    )


def read_installed() -> LiteLLMMap | None:
    """The installed LiteLLM's map, read from its files; None when it is absent or unreadable."""
    try:
        spec = importlib.util.find_spec("litellm")
        if spec is None or not spec.submodule_search_locations:
            return None
        root = Path(next(iter(spec.submodule_search_locations)))
        version = metadata.version("litellm")
        cost_map = json.loads((root / "model_prices_and_context_window_backup.json").read_text())
        constants = _assigned_list(root / "constants.py", "BEDROCK_CONVERSE_MODELS")
        prefixes = _returned_list(
            root / "llms" / "bedrock" / "common_utils.py",
            "get_bedrock_cross_region_inference_regions",
        )
    except (OSError, ValueError, SyntaxError, metadata.PackageNotFoundError, ImportError):
        return None
    if not isinstance(cost_map, dict) or constants is None or prefixes is None:
        return None
    converse = {k for k in constants if bedrock_claude_key(k)}
    entries: dict[str, Entry] = {}
    for key, value in cost_map.items():
        if not (bedrock_claude_key(key) and isinstance(value, dict)):
            continue
        if value.get("litellm_provider") == "bedrock_converse":
            converse.add(key)
        entries[key] = Entry(
            prompt_caching=value.get("supports_prompt_caching") is True,
            one_hour_price=value.get("cache_creation_input_token_cost_above_1hr") is not None,
        )
    return LiteLLMMap(
        version=version,
        origin=f"the installed LiteLLM {version}'s model map",
        converse=frozenset(converse),
        prefixes=tuple(prefixes),
        entries=entries,
    )


def _assigned_list(path: Path, name: str) -> list[str] | None:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            return _strings(node.value)
    return None


def _returned_list(path: Path, function: str) -> list[str] | None:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for statement in node.body:
                if isinstance(statement, ast.Return) and statement.value is not None:
                    return _strings(statement.value)
    return None


def _strings(node: ast.expr) -> list[str] | None:
    value = ast.literal_eval(node)
    if isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None
