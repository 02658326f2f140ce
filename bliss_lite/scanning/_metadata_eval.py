"""Evaluating metadata registries (SPEC 6.3): statics first, then generators, which
run concurrently; failures become one-line warnings and profiling records."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from bliss_lite._common import exception_text
from bliss_lite.scanning import _metadata_tree as tree

if TYPE_CHECKING:
    from bliss_lite.scanning._metadata_registry import META_TIMING, ScanMeta


@dataclass(frozen=True)
class MetadataTiming:
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


def run_concurrently(calls: Sequence[Callable[[], Any]]) -> list[tuple[Any, BaseException | None, float]]:
    """Run ``calls`` at the same time; return ``(result, exception, seconds)`` for each,
    in order.  The first call runs in the calling thread, the others in daemon threads
    (no thread is started for zero or one call).  A KeyboardInterrupt in the calling
    thread propagates."""
    n = len(calls)
    if n == 0:
        return []
    outcomes: list[Any] = [None] * n

    def run(index: int, caught: type[BaseException] = BaseException) -> None:
        t0 = time.perf_counter()
        try:
            result = calls[index]()
        except caught as exc:  # reported as a failed generator
            outcomes[index] = (None, exc, time.perf_counter() - t0)
        else:
            outcomes[index] = (result, None, time.perf_counter() - t0)

    threads = [threading.Thread(target=run, args=(i,), name=f"scan_meta-{i}", daemon=True) for i in range(1, n)]
    for thread in threads:
        thread.start()
    run(0, Exception)  # in this thread: a KeyboardInterrupt propagates
    for thread in threads:
        thread.join()
    return outcomes


def failure_message(name: str, category: str, reason: str) -> str:
    """The one-line warning for a generator that failed (SPEC 6.3)."""
    text = f"cannot generate metadata from {name!r} for category {category!r}: {reason}"
    return " ".join(text.split())


def evaluate(
    sources: Sequence[tuple[str, "ScanMeta"]],
    scan: Any,
    timing: "META_TIMING | None",
) -> tuple[dict[str, dict], list[MetadataTiming], list[str]]:
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

    records: list[MetadataTiming] = []
    warnings: list[str] = static_warnings
    for (source, category, name), (value, exc, seconds) in zip(pending, run_concurrently(calls)):
        if exc is not None:
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
        records.append(MetadataTiming(name, category, timing, seconds, source))
    return results, records, warnings


def _bind(generator: Callable[[Any], Any], scan: Any) -> Callable[[], Any]:
    return lambda: generator(scan)
