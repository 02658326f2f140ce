"""Evaluating metadata registries (SPEC 6.3): statics first, then generators, which
run concurrently, each within its time budget (:mod:`._metadata_deadline`); failures
and overruns become one-line warnings and profiling records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from bliss_lite._common import exception_text
from bliss_lite.scan_meta import tree
from bliss_lite.scan_meta.deadline import DONE, abandoned_message, run_with_deadline

if TYPE_CHECKING:
    from bliss_lite.scan_meta.registry import META_TIMING, ScanMeta


@dataclass(frozen=True)
class GeneratorProfile:
    """How long one generator took at one timing (``seconds`` is nan when it failed).

    ``source`` is ``"user"`` (the user registry) or ``"controllers"`` (devices'
    metadata and the positioners).
    """

    name: str
    category: str
    timing: "META_TIMING | None"
    seconds: float
    source: str

    @property
    def failed(self) -> bool:
        return math.isnan(self.seconds)


def failure_message(name: str, category: str, reason: str) -> str:
    """The one-line warning for a generator that failed (SPEC 6.3)."""
    text = f"cannot generate metadata from {name!r} for category {category!r}: {reason}"
    return " ".join(text.split())


def evaluate(
    sources: Sequence[tuple[str, "ScanMeta"]],
    scan: Any,
    timing: "META_TIMING | None",
) -> tuple[dict[str, dict], list[GeneratorProfile], list[str]]:
    """Evaluate registries for ``scan`` at ``timing`` (every category when None).

    ``sources`` is ``[(source_name, registry), ...]``; every generator of every source
    runs concurrently.  Returns ``({source_name: {category: metadata}}, records,
    warnings)``.  Within a source, static dicts merge first, then generator results
    in registration order; a category that receives nothing is absent.
    """
    results: dict[str, dict] = {}
    calls: list[Callable[[], Any]] = []
    pending: list[tuple[str, str, str]] = []  # (source, category, name) of each call
    static_warnings: list[str] = []
    for source, registry in sources:
        out: dict[str, dict] = {}
        results[source] = out
        for category, name, values in registry.entries(timing):
            if isinstance(values, dict):
                if values:
                    try:
                        tree.merge_into(out.setdefault(category, {}), values)
                    except tree.TreeTooDeep as exc:   # a dict changed after set()
                        static_warnings.append(failure_message(name, category, str(exc)))
            else:
                calls.append(_bind(values, scan))
                pending.append((source, category, name))
    if not calls:
        return results, [], static_warnings

    records: list[GeneratorProfile] = []
    warnings: list[str] = static_warnings
    outcomes = run_with_deadline(calls, interrupted=lambda: bool(getattr(scan, "interrupt_pending", False)))
    for (source, category, name), outcome in zip(pending, outcomes):
        value, exc, seconds = outcome.result, outcome.error, outcome.seconds
        if outcome.status != DONE:
            warnings.append(abandoned_message(name, category, timing, outcome))
        elif exc is not None:
            warnings.append(failure_message(name, category, exception_text(exc)))
            seconds = math.nan
        elif value is None:
            pass
        elif not isinstance(value, dict):
            warnings.append(failure_message(name, category, f"it returned {type(value).__name__}, not a dict"))
            seconds = math.nan
        else:
            # what one generator returned never costs the others' metadata
            try:
                value, dropped = tree.sanitized(value)
                if dropped:
                    warnings.append(failure_message(name, category, "dropped " + "; ".join(dropped)))
                if value:  # checked: bounded and without self-references
                    tree.merge_into(results[source].setdefault(category, {}), value)
            except Exception as exc:
                warnings.append(failure_message(name, category, exception_text(exc)))
                seconds = math.nan
        records.append(GeneratorProfile(name, category, timing, seconds, source))
    return results, records, warnings


def _bind(generator: Callable[[Any], Any], scan: Any) -> Callable[[], Any]:
    return lambda: generator(scan)
