"""The start-up report a session prints (SPEC 4): banner, objects, setup files."""

from __future__ import annotations

import platform
import socket
import sys
from pathlib import Path
from typing import TextIO

from bliss_lite._version import __version__


def banner(root: Path | None = None) -> str:
    """Two lines: who is running where, and on which beamline directory."""
    host = socket.gethostname() or "localhost"
    lines = [f"Welcome to bliss_lite {__version__} running on {host} "
             f"(Python {platform.python_version()})"]
    if root is not None:
        lines.append(f"Beamline directory: {root}")
    return "\n".join(lines)


class StartupReport:
    """Where the start-up lines go.

    ``info`` lines (banner, progress, summary) go to ``out`` when verbose;
    ``problem`` lines (failures, warnings) go to ``out`` when verbose, else to
    stderr so that a quiet ``open_session`` still tells what went wrong.
    """

    def __init__(self, verbose: bool = True, out: TextIO | None = None) -> None:
        self.verbose = verbose
        self._out = out

    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stdout

    def info(self, text: str = "") -> None:
        if self.verbose:
            print(text, file=self.out, flush=True)

    def problem(self, text: str) -> None:
        print(text, file=self.problem_stream, flush=True)

    @property
    def problem_stream(self) -> TextIO:
        return self.out if self.verbose else sys.stderr


def failed_line(name: str, filename: str | None) -> str:
    """``Initialization of 'bad' FAILED (see 'config/motors.yml')``"""
    where = f" (see '{filename}')" if filename else ""
    return f"Initialization of '{name}' FAILED{where}"


def reason_line(exc: BaseException) -> str:
    """The indented reason under a FAILED line."""
    from bliss_lite.config import ConfigError

    text = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
    return "    " + text.replace("\n", "\n    ")


def summary_lines(ok: int, total: int, failed: list[str]) -> list[str]:
    """``OK: n/m objects successfully initialized.`` and, on failures, the ERROR list."""
    lines = [f"OK: {ok}/{total} objects successfully initialized."]
    if failed:
        noun = "object" if len(failed) == 1 else "objects"
        lines.append(f"ERROR: {len(failed)} {noun} failed to initialize: {', '.join(failed)}")
    return lines
