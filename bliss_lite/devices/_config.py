"""Small helpers the device factories share to read their configuration."""

from __future__ import annotations

import math
from typing import Any, Iterable

from bliss_lite.config.node import ConfigNode

#: Keys every configured object may carry whatever its class (BLISS habits).
COMMON_KEYS = ("name", "class", "plugin", "module", "package", "user_tag", "description")


def check_keys(node: ConfigNode, config: Any, known: Iterable[str],
               accepted: Iterable[str] = ()) -> None:
    """Warn (through ``config.warnings``) about keys that look like a misspelt
    known key; other unknown keys are accepted silently, as BLISS does."""
    accepted = list(accepted) + list(COMMON_KEYS)
    checker = getattr(config, "check_keys", None)
    if callable(checker):  # the real Config collects them (thread-safely)
        checker(node, known, accepted)
        return
    warnings = node.check_keys(known, accepted)
    sink = getattr(config, "warnings", None)
    if warnings and isinstance(sink, list):
        for warning in warnings:
            if warning not in sink:
                sink.append(warning)


def store_of(config: Any) -> Any:
    """The session state store the configuration carries, or None."""
    return getattr(config, "store", None)


def encode_float(value: float) -> float | str:
    """A float as JSON can hold it: infinities and NaN as strings."""
    return value if math.isfinite(value) else str(value)


def decode_float(value: Any) -> float:
    """The inverse of :func:`encode_float` (``"-inf"`` → ``-inf``)."""
    return float(value)
