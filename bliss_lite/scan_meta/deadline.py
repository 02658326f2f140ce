"""A time budget for metadata generators.

:func:`run_with_deadline` runs calls concurrently, each in a daemon worker thread,
and waits for them at most ``budget`` seconds (:func:`generator_deadline`, default
:data:`DEFAULT_DEADLINE_S`, set with :func:`set_generator_deadline`).  A call still
running then is *abandoned*: its thread is left to finish (or never finish) on its
own and its result, if any, is dropped.  The waiting happens in short slices, so a
Ctrl-C reaches the caller at once, and ``interrupted()`` (a Ctrl-C that the scan
defers while it ends) stops the waiting within :data:`POLL_S`.

Worker threads are reused: a generator costs no thread start once the pool is warm.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

DEFAULT_DEADLINE_S = 5.0
POLL_S = 0.05

_deadline = DEFAULT_DEADLINE_S


def generator_deadline() -> float:
    """Seconds each metadata generator may take at each timing."""
    return _deadline


def set_generator_deadline(seconds: float) -> None:
    """Set the time budget of every metadata generator, per timing (seconds > 0;
    ``math.inf``: wait for ever)."""
    global _deadline
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValueError(f"the metadata generator deadline must be a number of seconds > 0, not {seconds!r}")
    _deadline = float(seconds)


DONE, OVERRUN, INTERRUPTED = "done", "overrun", "interrupted"


@dataclass
class Outcome:
    """What one call gave: ``status`` is DONE (``result`` or ``error`` set), OVERRUN
    (abandoned at the deadline) or INTERRUPTED (abandoned after a Ctrl-C);
    ``seconds``: how long it ran, or was waited for."""

    result: Any = None
    error: BaseException | None = None
    seconds: float = math.nan
    status: str = DONE


class _Job:
    __slots__ = ("call", "outcome", "done", "t0")

    def __init__(self, call: Callable[[], Any]) -> None:
        self.call = call
        self.outcome = Outcome()
        self.done = threading.Event()
        self.t0 = 0.0

    def run(self) -> None:
        self.t0 = time.perf_counter()
        try:
            self.outcome.result = self.call()
        except BaseException as exc:  # reported as a failed generator
            self.outcome.error = exc
        self.outcome.seconds = time.perf_counter() - self.t0
        self.done.set()


class _Pool:
    """Daemon worker threads taking jobs from one queue; a stuck worker is simply
    never back, and new ones start as needed."""

    def __init__(self) -> None:
        self._jobs: "queue.SimpleQueue[_Job]" = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()
        self._count = 0

    def submit(self, job: _Job) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            else:
                self._count += 1
                threading.Thread(target=self._work, name=f"scan_meta-{self._count}", daemon=True).start()
        self._jobs.put(job)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            job.run()
            del job
            with self._lock:
                self._idle += 1


_pool = _Pool()


def run_with_deadline(calls: Sequence[Callable[[], Any]], budget: float | None = None,
                      interrupted: Callable[[], bool] = lambda: False) -> list[Outcome]:
    """Run ``calls`` at the same time; their outcomes, in order (see the module doc)."""
    if budget is None:
        budget = _deadline
    jobs = [_Job(call) for call in calls]
    for job in jobs:
        _pool.submit(job)
    start = time.perf_counter()
    deadline = start + budget
    stopped: str | None = None
    outcomes = []
    for job in jobs:
        while stopped is None and not job.done.is_set():
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                stopped = OVERRUN
            elif interrupted():
                stopped = INTERRUPTED
            else:
                job.done.wait(min(POLL_S, remaining))
        if job.done.is_set():
            outcomes.append(job.outcome)
        else:  # abandoned: its worker may still write into job.outcome, never read again
            outcomes.append(Outcome(seconds=time.perf_counter() - start, status=stopped or OVERRUN))
    return outcomes


def abandoned_message(name: str, category: str, timing: Any, outcome: Outcome) -> str:
    """The one-line warning for a generator abandoned at ``timing``."""
    when = getattr(timing, "name", None) or "every timing"
    if outcome.status == INTERRUPTED:
        why = f"interrupted by Ctrl-C after {outcome.seconds:.1f} s"
    else:
        why = f"still running after its {outcome.seconds:.1f} s budget (scan_meta.set_generator_deadline())"
    return (f"metadata generator {name!r} of category {category!r} abandoned at {when}: {why}; "
            "the scan goes on without its metadata")
