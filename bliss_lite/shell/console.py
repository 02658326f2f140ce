"""Running commands without a terminal: piped standard input and ``--script FILE``.

Lines are executed as at the prompt: expressions show their value (``__info__()``
for objects that have one), an exception prints the one-line error and the run
goes on.  Blocks (``for``, ``def``, ``with`` ...) may contain blank lines; a block
ends at the next line that is not indented, or at the end of the input.
"""

from __future__ import annotations

import builtins
import codeop
import sys
from pathlib import Path
from types import CodeType
from typing import Any, Iterable, MutableMapping

from bliss_lite.session.error_report import ErrorReport
from bliss_lite.shell.info import display_text

_CONTINUATION_KEYWORDS = ("else", "elif", "except", "finally")


def _displayhook(value: Any) -> None:
    if value is None:
        return
    builtins._ = None  # type: ignore[attr-defined]
    print(display_text(value), flush=True)
    builtins._ = value  # type: ignore[attr-defined]


def _continues_block(line: str) -> bool:
    """True for a non-indented line that still belongs to the block above
    (``else:``, ``except ...:``, a closing bracket, a decorator's function...)."""
    stripped = line.lstrip()
    word = stripped.split(":", 1)[0].split(None, 1)[0] if stripped else ""
    return word in _CONTINUATION_KEYWORDS or stripped[:1] in ")]}"


class CommandRunner:
    """Executes source in ``namespace`` like the prompt does and remembers failures.

    ``failed`` becomes True as soon as one command raised.  ``exit_code`` is set when
    a command called ``exit()``: the run stops there.
    """

    def __init__(self, namespace: MutableMapping[str, Any], errors: ErrorReport,
                 filename: str = "<stdin>") -> None:
        self.namespace = namespace
        self.errors = errors
        self.filename = filename
        self.failed = False
        self.exit_code: int | None = None
        self._compile = codeop.CommandCompiler()

    # -- execution --------------------------------------------------------------------
    def execute(self, code: CodeType) -> None:
        """Run one compiled command; report (one line) what it raised."""
        saved_hook, sys.displayhook = sys.displayhook, _displayhook
        try:
            exec(code, self.namespace)  # noqa: S102 - executing the user's commands is the point
        except SystemExit as exc:
            self.exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # KeyboardInterrupt included: reported like at the prompt
            self.failed = True
            self.errors.report(sys.exc_info(), sys.stderr, hidden_files=(__file__,))
            if isinstance(sys.exc_info()[1], KeyboardInterrupt):
                self.exit_code = 130
        finally:
            sys.displayhook = saved_hook

    def _report_syntax_error(self) -> None:
        self.failed = True
        self.errors.report(sys.exc_info(), sys.stderr, hidden_files=(__file__, codeop.__file__))

    def _finish(self, lines: list[str]) -> None:
        """Compile and run a buffered block that the input has closed."""
        source = "\n".join(lines).rstrip() + "\n"
        try:
            code = compile(source, self.filename, "single")
        except (SyntaxError, ValueError, OverflowError):
            self._report_syntax_error()
            return
        self.execute(code)

    # -- input --------------------------------------------------------------------------
    def run_lines(self, lines: Iterable[str]) -> int:
        """Execute commands read line by line; returns the exit status (1 if any raised)."""
        buffer: list[str] = []
        for raw in lines:
            if self.exit_code is not None:
                break
            line = raw.rstrip("\r\n")
            if buffer:
                if not line.strip():
                    buffer.append(line)
                    continue
                if not line[:1].isspace() and not _continues_block(line) and self._complete(buffer):
                    self._finish(buffer)
                    buffer = []
                    if self.exit_code is not None:
                        break
            elif not line.strip():
                continue
            buffer.append(line)
            try:
                code = self._compile("\n".join(buffer), self.filename, "single")
            except (SyntaxError, ValueError, OverflowError):
                self._report_syntax_error()
                buffer = []
                continue
            if code is not None:
                buffer = []
                self.execute(code)
                if self.exit_code is not None:
                    break  # exit() may have closed the input
        if buffer and self.exit_code is None:
            self._finish(buffer)
        return self.status

    def _complete(self, lines: list[str]) -> bool:
        try:
            return self._compile("\n".join(lines).rstrip() + "\n\n", self.filename, "single") is not None
        except (SyntaxError, ValueError, OverflowError):
            return True  # let _finish report it

    def run_file(self, path: Path) -> int:
        """Execute a whole file (``--script``); returns the exit status."""
        try:
            code = compile(Path(path).read_bytes(), str(path), "exec")
        except OSError as exc:
            print(f"!!! === cannot read script '{path}': {exc.strerror or exc} === !!!", file=sys.stderr)
            return 1
        except (SyntaxError, ValueError):
            self._report_syntax_error()
            return self.status
        had_file = "__file__" in self.namespace
        dict.__setitem__(self.namespace, "__file__", str(path))  # type: ignore[arg-type]
        try:
            self.execute(code)
        finally:
            if not had_file:
                dict.pop(self.namespace, "__file__", None)  # type: ignore[arg-type]
        return self.status

    @property
    def status(self) -> int:
        if self.exit_code not in (None, 0):
            return int(self.exit_code)
        return 1 if self.failed else 0
