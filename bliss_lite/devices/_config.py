"""Small helpers the device factories share to read their configuration."""

from __future__ import annotations

import math
from typing import Any, Iterable

from bliss_lite.config.node import ConfigNode

#: Keys every configured object may carry whatever its class (BLISS habits).
COMMON_KEYS = ("name", "class", "plugin", "module", "package", "user_tag", "description")


def warn(config: Any, text: str) -> None:
    """Report ``text`` as a configuration warning: ``config.warn`` (the real Config
    collects them once, thread-safely), else into a ``config.warnings`` list."""
    add = getattr(config, "warn", None)
    if callable(add):
        add(text)
        return
    sink = getattr(config, "warnings", None)
    if isinstance(sink, list) and text not in sink:
        sink.append(text)


def check_keys(node: ConfigNode, config: Any, known: Iterable[str],
               accepted: Iterable[str] = ()) -> None:
    """Warn about keys that look like a misspelt known key; other unknown keys are
    accepted silently, as BLISS does."""
    for text in node.check_keys(known, list(accepted) + list(COMMON_KEYS)):
        warn(config, text)


def store_of(config: Any) -> Any:
    """The session state store the configuration carries, or None."""
    return getattr(config, "store", None)


def encode_float(value: float) -> float | str:
    """A float as JSON can hold it: infinities and NaN as strings (``float()`` reads
    them back)."""
    return value if math.isfinite(value) else str(value)
