"""The interactive shell: IPython with BLISS's prompts, errors and ``__info__`` display.

* prompts ``DEMO [1]: `` / `` Out [1]: `` (``BLISS [1]: `` without a session);
* an exception prints ``!!! === ZeroDivisionError: division by zero === !!! ( for
  more details type cmd 'last_error()' )``, ``last_error()`` prints the traceback;
* an object with ``__info__()`` is shown through it;
* history per session in the state directory; Ctrl-C interrupts the running command;
* the typing helper (``ascan roby 0 1 10 0.1 diode``; ``typing_helper off`` / ``on``,
  saved with the session), ``exit`` / Ctrl-D ask "Do you really want to exit?", a
  bottom status bar with the signature of the callable being typed.

Imported only for the interactive mode: IPython is the slowest import we have.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.formatters import PlainTextFormatter, catch_format_error
from IPython.terminal.interactiveshell import TerminalInteractiveShell
from IPython.terminal.prompts import Prompts
from prompt_toolkit.document import Document
from prompt_toolkit.lexers import Lexer
from pygments.token import Token
from traitlets.config import Config as TraitletsConfig

from bliss_lite.session.error_report import ErrorReport
from bliss_lite.session.namespace import ProtectedNamespace
from bliss_lite.shell.info import info_text

if TYPE_CHECKING:
    from bliss_lite.session import Session

__all__ = ["BlissPrompts", "BlissShell", "DeferredLexer", "InfoFormatter", "run_shell"]

Tokens = list[tuple[Any, str]]  # (pygments token type, text)

_HIDDEN_FRAMES = (os.path.dirname(sys.modules["IPython"].__file__ or ""),)


class BlissPrompts(Prompts):
    """``DEMO [3]: `` with ``Out [3]: `` right-aligned under it."""

    def __init__(self, shell: TerminalInteractiveShell, session_prompt: str = "BLISS") -> None:
        super().__init__(shell)
        self.session_prompt = session_prompt

    def in_prompt_tokens(self) -> Tokens:
        return [
            (Token.Prompt, f"{self.session_prompt} ["),
            (Token.PromptNum, str(self.shell.execution_count)),
            (Token.Prompt, "]: "),
        ]

    def _in_width(self, count: int | None = None) -> int:
        if count is None:
            count = self.shell.execution_count
        return len(f"{self.session_prompt} [{count}]: ")

    def continuation_prompt_tokens(self, width: int | None = None, *, lineno: int | None = None,
                                   wrap_count: int | None = None) -> Tokens:
        if width is None:
            width = self._in_width()
        return [(Token.Prompt, "...: ".rjust(width))]

    def rewrite_prompt_tokens(self) -> Tokens:
        return [(Token.Prompt, "-> ".rjust(self._in_width()))]

    def out_prompt_tokens(self) -> Tokens:
        # displayed after the cell ran: execution_count already counts the next one
        number = self.shell.execution_count - 1
        count = str(number)
        text = f"Out [{count}]: "
        pad = max(self._in_width(number) - len(text), 0)
        return [
            (Token.OutPrompt, " " * pad + "Out ["),
            (Token.OutPromptNum, count),
            (Token.OutPrompt, "]: "),
        ]


class InfoFormatter(PlainTextFormatter):
    """Shows objects with ``__info__()`` through it, everything else as IPython does."""

    @catch_format_error
    def __call__(self, obj: Any) -> Any:
        text = info_text(obj)
        if text is not None:
            return text
        return super().__call__(obj)


class DeferredLexer(Lexer):
    """IPython's syntax colouring, built when there is text to colour.

    Building it (pygments compiles about a hundred regular expressions) was the largest
    part of drawing the first prompt; an empty line has nothing to colour, so the first
    prompt is drawn without it and the lexer is built right after, before the first key
    is handled."""

    def __init__(self, lexer: Lexer) -> None:
        self.lexer = lexer
        self.ready = False

    def lex_document(self, document: Document) -> Any:
        if not self.ready and not document.text:
            try:
                asyncio.get_running_loop().call_soon(self.warm_up)
            except RuntimeError:    # no event loop: built at the first text
                pass
            return lambda lineno: []
        self.ready = True
        return self.lexer.lex_document(document)

    def warm_up(self) -> None:
        if not self.ready:
            self.ready = True
            self.lexer.lex_document(Document(""))


class BlissShell(TerminalInteractiveShell):
    """IPython's terminal shell with BLISS's one-line errors, exit confirmation,
    typing helper and status bar."""

    error_report: ErrorReport = ErrorReport()
    bliss_session: Any = None

    # -- exit confirmation ------------------------------------------------------------
    def ask_exit(self) -> None:
        """``exit`` and Ctrl-D ask first, as in BLISS."""
        try:
            sure = self.ask_yes_no("Do you really want to exit ([y]/n)?", "y", "n")
        except KeyboardInterrupt:
            sure = False
        if sure:
            self.keep_running = False

    # -- typing helper ------------------------------------------------------------------
    @property
    def typing_helper_active(self) -> bool:
        session = self.bliss_session
        return session is None or session.store.get("shell.typing_helper", True) is not False

    def _typing_helper(self, lines: list[str]) -> list[str]:
        if not self.typing_helper_active or len(lines) != 1:
            return lines
        from bliss_lite.shell.typing_helper import convert

        converted = convert(lines[0].rstrip("\n"), self.user_ns)
        return lines if converted is None else [converted + "\n"]

    def _set_typing_helper(self, argument: str) -> None:
        """typing_helper [on|off]: convert ``ascan roby 0 1 10 0.1 diode`` to a call."""
        word = argument.strip().lower()
        if word in ("on", "off") and self.bliss_session is not None:
            self.bliss_session.store.set("shell.typing_helper", word == "on")
        elif word not in ("", "on", "off"):
            print("usage: typing_helper on | off")
            return
        print(f"typing helper is {'ON' if self.typing_helper_active else 'OFF'}")

    # -- status bar -------------------------------------------------------------------------
    def _bottom_toolbar(self) -> Any:
        from prompt_toolkit.application import get_app

        from bliss_lite.shell.status_bar import callable_being_typed, signature_text, status_text

        text = status_text(self.bliss_session, self.typing_helper_active) if self.bliss_session else ""
        try:
            before = get_app().current_buffer.document.text_before_cursor
        except Exception:
            before = ""
        found = callable_being_typed(before, self.user_ns) if before else None
        if found is not None:
            return signature_text(*found) + "\n" + text
        return text

    def _extra_prompt_options(self) -> dict:
        options = super()._extra_prompt_options()
        options["bottom_toolbar"] = self._bottom_toolbar
        lexer = getattr(self, "_deferred_lexer", None)   # asked for at every prompt
        if lexer is None:
            lexer = self._deferred_lexer = DeferredLexer(options["lexer"])
        options["lexer"] = lexer
        return options

    def showtraceback(self, exc_tuple: Any = None, filename: str | None = None,
                      tb_offset: int | None = None, exception_only: bool = False,
                      running_compiled_code: bool = False) -> None:
        try:
            exc_info = self._get_exc_info(exc_tuple)
        except ValueError:
            print("No traceback available to show.", file=sys.stderr)
            return
        self.error_report.report(exc_info, sys.stderr, hidden_files=_HIDDEN_FRAMES)

    def showsyntaxerror(self, filename: str | None = None,
                        running_compiled_code: bool = False) -> None:
        self.showtraceback()

    def reset(self, new_session: bool = True, aggressive: bool = False) -> None:
        """``%reset`` and IPython's exit clean-up may delete protected names too."""
        namespace = self.user_ns
        protected = namespace.protected if isinstance(namespace, ProtectedNamespace) else frozenset()
        if protected:
            namespace.unprotect(protected)
        try:
            super().reset(new_session=new_session, aggressive=aggressive)
        finally:
            if protected:
                namespace.protect([name for name in protected if name in namespace])


def _shell_config(history_file: str) -> TraitletsConfig:
    config = TraitletsConfig()
    config.HistoryManager.hist_file = history_file
    config.TerminalInteractiveShell.confirm_exit = False  # ask_exit() asks
    config.TerminalInteractiveShell.term_title = False
    config.TerminalInteractiveShell.banner1 = ""
    config.TerminalInteractiveShell.banner2 = ""
    config.InteractiveShell.warn_venv = False
    config.InteractiveShell.separate_in = ""
    return config


def make_shell(session: "Session") -> BlissShell:
    """The IPython shell of ``session`` (its namespace, prompts, history, errors)."""
    from bliss_lite.settings import state_dir

    folder = state_dir()
    ipython_dir = folder / "ipython"
    history = str(folder / f"{session.name}.history.sqlite")
    try:
        ipython_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"Warning: cannot create the state directory {folder} ({exc.strerror}): "
              "the history of this shell will not be kept", file=sys.stderr)
        ipython_dir = Path(tempfile.mkdtemp(prefix="bliss_lite_ipython_"))
        history = ":memory:"
    shell = BlissShell.instance(
        config=_shell_config(history),
        user_ns=session.env,
        ipython_dir=str(ipython_dir),
    )
    shell.error_report = session.errors
    shell.bliss_session = session
    shell.input_transformers_cleanup.append(shell._typing_helper)
    shell.register_magic_function(shell._set_typing_helper, "line", "typing_helper")
    shell.prompts = BlissPrompts(shell, session.prompt_name)
    formatters = shell.display_formatter.formatters
    formatters["text/plain"] = InfoFormatter(parent=shell.display_formatter)
    return shell


def run_shell(session: "Session", shell: BlissShell | None = None) -> int:
    """Run the interactive shell (``make_shell(session)`` unless given) until ``exit`` /
    Ctrl-D; returns the exit status."""
    from bliss_lite.commands.logbook import restore_log_stdout

    if shell is None:
        shell = make_shell(session)
    restore_log_stdout()
    try:
        shell.mainloop()
    finally:
        try:
            shell.history_manager.end_session()
        except Exception:
            pass
    return 0
