"""Model capabilities as data: the single place a model name or a threshold may live.

The data ships in ``models.toml`` beside this module, each entry with its source and the date it was
checked. Users extend or override it (a new model ships before our release does) through
``load_facts(overrides)``; the config of the linter feeds ``[tool.bedrockcache.models]`` into it.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "BedrockFacts",
    "Facts",
    "FactsError",
    "ModelFacts",
    "ModelRef",
    "Prices",
    "default_facts",
    "layer_facts",
    "load_facts",
]

Caching = Literal["yes", "preview", "no"]
IdKind = Literal[
    "base",
    "profile",
    "foundation-model-arn",
    "inference-profile-arn",
    "application-inference-profile-arn",
    "other-arn",
    "unrecognised",
]


class FactsError(ValueError):
    """The facts data, or a user's override of it, is malformed."""


@dataclass(frozen=True)
class Prices:
    """USD per million input tokens at the global (or base-id) rate."""

    input: float
    write_5m: float
    read: float
    write_1h: float | None = None


@dataclass(frozen=True)
class ModelFacts:
    key: str
    name: str
    ids: tuple[str, ...]
    caching: Caching
    min_tokens: int | None = None
    ttls: tuple[str, ...] = ()
    prices: Prices | None = None
    regional_premium: float = 0.0
    source: str = ""
    checked: str = ""

    @property
    def family(self) -> str:
        return family_of(self.ids[0]) if self.ids else self.key


@dataclass(frozen=True)
class BedrockFacts:
    max_breakpoints: int
    ttls: tuple[str, ...]
    default_ttl: str
    converse_cache_type: str
    anthropic_cache_type: str
    anthropic_version: str
    lookback_blocks: int
    profile_prefixes: tuple[str, ...]
    rejected_cache_betas: tuple[str, ...]
    source: str
    beta_source: str
    checked: str


@dataclass(frozen=True)
class ModelRef:
    """What a model id string tells us: its form, and the model behind it when the data knows it.

    ``model`` is None when the id is opaque (an application inference profile ARN) or unknown;
    ``near_misses`` holds the models of the same family when the id itself is not a valid one.
    """

    raw: str
    kind: IdKind
    base_id: str | None = None
    profile_prefix: str | None = None
    model: ModelFacts | None = None
    near_misses: tuple[ModelFacts, ...] = ()

    @property
    def is_application_profile(self) -> bool:
        return self.kind == "application-inference-profile-arn"


_ARN = re.compile(r"^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(?P<resource>[\w-]+)/(?P<rest>.+)$")
_DATE = re.compile(r"-\d{8}")
_VERSION = re.compile(r"(-v\d+)?(:\d+)?$")


def family_of(model_id: str) -> str:
    """The id with provider, date and version stripped: ``claude-sonnet-4-5`` for every spelling."""
    name = model_id.split(".", 1)[1] if model_id.startswith("anthropic.") else model_id
    return _VERSION.sub("", _DATE.sub("", name))


@dataclass(frozen=True)
class Facts:
    bedrock: BedrockFacts
    models: tuple[ModelFacts, ...]
    _by_id: Mapping[str, ModelFacts] = field(init=False, repr=False, compare=False)
    _by_family: Mapping[str, tuple[ModelFacts, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, ModelFacts] = {}
        by_family: dict[str, list[ModelFacts]] = {}
        for model in self.models:
            for model_id in model.ids:
                by_id[model_id] = model
                by_family.setdefault(family_of(model_id), []).append(model)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_by_family", {k: tuple(v) for k, v in by_family.items()})

    def resolve(self, model_id: str) -> ModelRef:
        """Classify a Bedrock model id and find the model behind it, without guessing."""
        raw = model_id
        kind: IdKind
        candidate = model_id.strip()
        match = _ARN.match(candidate)
        if match:
            resource, rest = match["resource"], match["rest"]
            if resource == "foundation-model":
                kind, candidate = "foundation-model-arn", rest
            elif resource == "inference-profile":
                kind, candidate = "inference-profile-arn", rest
            else:  # opaque: only a user's own model entry can name what is behind it
                opaque: IdKind = (
                    "application-inference-profile-arn"
                    if resource == "application-inference-profile"
                    else "other-arn"
                )
                return ModelRef(raw, opaque, model=self._by_id.get(candidate))
        else:
            kind = "base"
        prefix = None
        head, _, tail = candidate.partition(".")
        if tail and head in self.bedrock.profile_prefixes:
            prefix, candidate = head, tail
            if kind == "base":
                kind = "profile"
        exact = self._by_id.get(candidate)
        if exact is not None:
            return ModelRef(raw, kind, candidate, prefix, exact)
        near = self._by_family.get(family_of(candidate), ())
        if not candidate.startswith("anthropic.") and not near:
            kind = "unrecognised"
        return ModelRef(raw, kind, candidate, prefix, None, tuple(dict.fromkeys(near)))


def _prices(data: Any, where: str) -> Prices | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise FactsError(f"{where}.prices: expected a table")
    allowed = {"input", "write_5m", "write_1h", "read"}
    unknown = set(data) - allowed
    if unknown:
        raise FactsError(f"{where}.prices: unknown key {sorted(map(str, unknown))[0]!r}")
    missing = [key for key in ("input", "write_5m", "read") if key not in data]
    if missing:
        raise FactsError(f"{where}.prices: missing {missing[0]!r}")
    return Prices(
        input=_price(data["input"], f"{where}.prices.input"),
        write_5m=_price(data["write_5m"], f"{where}.prices.write_5m"),
        read=_price(data["read"], f"{where}.prices.read"),
        write_1h=_price(data["write_1h"], f"{where}.prices.write_1h")
        if "write_1h" in data
        else None,
    )


def _price(value: object, where: str) -> float:
    """A non-negative finite number. A boolean is not one, though Python takes ``True`` for 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FactsError(f"{where}: must be a non-negative number, not {_shown(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise FactsError(f"{where}: must be a non-negative number, not {_shown(value)}") from None
    if not math.isfinite(number) or number < 0:
        raise FactsError(f"{where}: must be a non-negative number, not {_shown(value)}")
    return number


def _positive_int(value: object, where: str) -> int:
    """A positive integer; ``true`` is refused rather than read as 1 (which would make every
    prefix reach the minimum and hide BC305)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FactsError(f"{where}: must be a positive integer, not {_shown(value)}")
    return value


def _shown(value: object) -> str:
    """How a bad value is named in a one-line error (never the repr of a huge int)."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return "a negative integer" if value < 0 else "0" if value == 0 else "an integer too large"
    kind = type(value).__name__
    return {"str": "a string", "dict": "a table"}.get(kind, f"a {kind}")


_MODEL_KEYS = {
    "name",
    "ids",
    "caching",
    "min_tokens",
    "ttls",
    "prices",
    "regional_premium",
    "source",
    "checked",
}


def _model(key: str, data: Any, base: ModelFacts | None, where: str) -> ModelFacts:
    if not isinstance(data, Mapping):
        raise FactsError(f"{where}: expected a table")
    unknown = set(data) - _MODEL_KEYS
    if unknown:
        raise FactsError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    caching = data.get("caching", base.caching if base else None)
    if caching not in ("yes", "preview", "no"):
        raise FactsError(f"{where}.caching: must be 'yes', 'preview' or 'no'")
    ids = data.get("ids", list(base.ids) if base else None)
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise FactsError(f"{where}.ids: must be a non-empty list of strings")
    min_tokens = data.get("min_tokens", base.min_tokens if base else None)
    if min_tokens is not None:
        min_tokens = _positive_int(min_tokens, f"{where}.min_tokens")
    elif caching != "no":
        raise FactsError(f"{where}.min_tokens: a caching model needs a positive integer")
    ttls = data.get("ttls", list(base.ttls) if base else ["5m"] if caching != "no" else [])
    if not isinstance(ttls, list) or not all(t in ("5m", "1h") for t in ttls):
        raise FactsError(f"{where}.ttls: must be a list of '5m' / '1h'")
    premium = _price(
        data.get("regional_premium", base.regional_premium if base else 0.0),
        f"{where}.regional_premium",
    )
    return ModelFacts(
        key=key,
        name=str(data.get("name", base.name if base else key)),
        ids=tuple(ids),
        caching=caching,
        min_tokens=min_tokens,
        ttls=tuple(ttls),
        prices=_prices(data["prices"], where)
        if "prices" in data
        else base.prices
        if base
        else None,
        regional_premium=float(premium),
        source=str(data.get("source", base.source if base else "user configuration")),
        checked=str(data.get("checked", base.checked if base else "")),
    )


def _bedrock(data: Mapping[str, Any]) -> BedrockFacts:
    return BedrockFacts(
        max_breakpoints=int(data["max_breakpoints"]),
        ttls=tuple(data["ttls"]),
        default_ttl=data["default_ttl"],
        converse_cache_type=data["converse_cache_type"],
        anthropic_cache_type=data["anthropic_cache_type"],
        anthropic_version=data["anthropic_version"],
        lookback_blocks=int(data["lookback_blocks"]),
        profile_prefixes=tuple(data["profile_prefixes"]),
        rejected_cache_betas=tuple(data["rejected_cache_betas"]),
        source=data["source"],
        beta_source=data["beta_source"],
        checked=data["checked"],
    )


@lru_cache(maxsize=1)
def _shipped() -> Facts:
    text = resources.files(__package__).joinpath("models.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    models = tuple(
        _model(key, value, None, f"models.{key}") for key, value in data["models"].items()
    )
    return Facts(_bedrock(data["bedrock"]), models)


@lru_cache(maxsize=1)
def _layers() -> Mapping[str, Any]:
    text = resources.files(__package__).joinpath("layers.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def layer_facts(layer: str) -> Mapping[str, Any]:
    """What a library itself knows about models (``layers.toml``), e.g. LiteLLM's model map."""
    return _layers()[layer]


def default_facts() -> Facts:
    """The facts shipped with this release (parsed once per process)."""
    return _shipped()


def load_facts(overrides: Mapping[str, Any] | None = None) -> Facts:
    """The shipped facts with a user's ``models`` overrides applied.

    ``overrides`` maps a model key to a table of ``ModelFacts`` fields: a known key is patched field
    by field (e.g. ``{"claude-sonnet-4-6": {"min_tokens": 2048}}``), a new key adds a model.
    """
    facts = default_facts()
    if not overrides:
        return facts
    if not isinstance(overrides, Mapping):
        raise FactsError("models: expected a table of model tables")
    models = {m.key: m for m in facts.models}
    for key, value in overrides.items():
        where = f"models.{key}"
        models[key] = _model(key, value, models.get(key), where)
    return replace(facts, models=tuple(models.values()))
