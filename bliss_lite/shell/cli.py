"""``bliss-lite``: the command line (SPEC 5.1).

Imports stay inside the functions: ``--version`` must not pay for the session
machinery, and the piped mode must not pay for IPython.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from bliss_lite._version import __version__

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bliss-lite",
        description="A BLISS-like beamline session shell: simulated devices, standard scans, "
                    "NeXus HDF5 files.",
        epilog="Beamline directory: --root, else $BLISS_LITE_ROOT, else the current directory "
               "if it has a sessions/ folder, else the demo beamline.",
    )
    parser.add_argument("-s", "--session", metavar="NAME",
                        help="start session NAME (default: no session, prompt BLISS [1]:)")
    parser.add_argument("--root", metavar="DIR", help="the beamline directory")
    parser.add_argument("-S", "--show-sessions", action="store_true",
                        help="list the sessions, with the sessions they include")
    parser.add_argument("--show-sessions-only", action="store_true",
                        help="list the session names, one per line")
    parser.add_argument("-c", "--create", metavar="NAME",
                        help="create sessions/NAME.yml, NAME_setup.py and scripts/NAME.py in the "
                             "beamline directory (--root, $BLISS_LITE_ROOT or the current directory)")
    parser.add_argument("-v", "--version", action="store_true", help="print the version and exit")
    parser.add_argument("--script", metavar="FILE",
                        help="run FILE in the session, then exit (status 0, or 1 if it raised)")
    parser.add_argument("--force", action="store_true",
                        help="take over a session already open in another shell")
    parser.add_argument("--recover", metavar="FILE",
                        help="make a data file left by a killed process openable again")
    parser.add_argument("--redis", metavar="URL",
                        help="publish every scan to this data Redis (redis://, rediss://, unix://, "
                             "or 'local' for a private one); overrides data_redis: of the configuration")
    parser.add_argument("--insecure", action="store_true",
                        help="allow --redis redis://host without a password to another host")
    parser.epilog += ("  Consumers of a session's data Redis: 'bliss-lite follow -s NAME --redis URL' "
                      "(live table), 'bliss-lite writer -s NAME --redis URL' (the NeXus writer as a "
                      "process of its own, for SCAN_SAVING.writer = \"external\"), 'bliss-lite flint -s NAME "
                      "--redis URL' (the live plot window).")
    return parser


def _error(message: str) -> int:
    print(f"bliss-lite: {message}", file=sys.stderr)
    return 1


def _find_root(cli_root: str | None) -> Path:
    from bliss_lite.config import find_root

    return find_root(cli_root)


def _load_config(cli_root: str | None):
    from bliss_lite.config import Config
    from bliss_lite.devices import BUILTIN_CLASSES

    return Config(_find_root(cli_root), classes=BUILTIN_CLASSES)


def show_sessions(cli_root: str | None, names_only: bool) -> int:
    """``-S`` / ``--show-sessions-only``."""
    from bliss_lite.session import SessionTree

    config = _load_config(cli_root)
    for error in config.load_errors:   # a session in an unreadable file is not listed
        print(f"ERROR: {error}", file=sys.stderr)
    tree = SessionTree(config)
    if names_only:
        for name in tree.names:
            print(name)
        return 0
    if not tree.names:
        print(f"No session in {config.root}")
        return 0
    print(f"Available sessions (in {config.root}):")
    for name in tree.names:
        for depth, child in tree.children_tree(name):
            if depth == 0:
                print(f"  {child}")
            else:
                print("  " + "    " * (depth - 1) + "└── " + child)
    return 0


def create_session(name: str, cli_root: str | None) -> int:
    """``-c NAME``: in --root, $BLISS_LITE_ROOT, or the current directory."""
    from bliss_lite.config import Config
    from bliss_lite.config.root import ROOT_ENV
    from bliss_lite.shell.create_session import SessionExistsError, create_session_files

    if cli_root or os.environ.get(ROOT_ENV):
        root = _find_root(cli_root)
    else:
        root = Path.cwd()
    existing: list[str] = []
    if (root / "sessions").is_dir() or (root / "config").is_dir():
        existing = list(Config(root, classes={}).sessions)
    try:
        written = create_session_files(root, name, existing)
    except (SessionExistsError, ValueError) as exc:
        return _error(f"cannot create session: {exc}")
    print(f"Creating '{name}' BLISS session")
    for path in written:
        print(f"Creating {path.relative_to(root)}{'/' if path.is_dir() else ''}")
    return 0


def recover(filename: str) -> int:
    """``--recover FILE``."""
    if not os.path.exists(filename):
        return _error(f"cannot recover '{filename}': no such file")
    from bliss_lite.nexus import recover_file

    try:
        done = recover_file(filename)
    except Exception as exc:  # report any failure as one sentence, never a traceback
        return _error(f"cannot recover '{filename}': {type(exc).__name__}: {exc}")
    for line in done:  # never empty: "<file>: nothing to recover" at least
        print(line)
    return 0


def _line_buffered(stream) -> None:
    """Keep stdout and the one-line errors on stderr in order when piped."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(line_buffering=True)
        except (ValueError, OSError):
            pass


@contextlib.contextmanager
def _long_lived() -> Iterator[None]:
    """Around the session's start: what it makes (the configuration tree, a million
    objects for a 10 MB file, the devices, the namespace; the modules it imports and,
    in a terminal, IPython's shell) lives as long as the session.  The cyclic
    collector is paused meanwhile and those objects are frozen out of its sight
    afterwards, so that no collection scans them again -- not during start-up, nor
    later in the middle of a scan.  ``Config.reload()`` unfreezes them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def run_session(name: str | None, cli_root: str | None, script: str | None,
                force: bool = False, redis: str | None = None, insecure: bool = False) -> int:
    """Open the session, then run the script, the piped commands or the shell."""
    with _long_lived():       # modules live as long as the process
        from bliss_lite.config import ConfigError
        from bliss_lite.session import SessionNotFoundError, open_session

    if script is not None and not os.path.isfile(script):
        return _error(f"cannot run script '{script}': no such file")
    if redis is not None:
        from bliss_lite.streaming import RedisURLError, parse_redis_url

        try:
            parse_redis_url(redis, insecure=insecure)
        except RedisURLError as exc:
            return _error(str(exc))
    interactive = script is None and sys.stdin.isatty()
    lock = None
    if interactive:       # one shell per session: refused before anything moves
        from bliss_lite.session import DEFAULT_SESSION_NAME
        from bliss_lite.settings import state_dir
        from bliss_lite.shell.session_lock import SessionLocked, ShellLock

        lock = ShellLock(name or DEFAULT_SESSION_NAME, state_dir())
        try:
            note = lock.acquire(force)
        except SessionLocked as exc:
            return _error(str(exc))
        except OSError as exc:
            note = f"Warning: cannot lock session '{lock.name}' ({exc.strerror})"
        if note:
            print(note, file=sys.stderr)
    try:
        with _long_lived():
            session = open_session(name, cli_root, protect=True, data_redis=redis,
                                   insecure=insecure)
    except BaseException as exc:
        if lock is not None:
            lock.release()
        if isinstance(exc, (SessionNotFoundError, ConfigError)):
            return _error(str(exc))
        raise
    try:
        if script is not None or not sys.stdin.isatty():
            from bliss_lite.shell.console import CommandRunner

            _line_buffered(sys.stdout)
            runner = CommandRunner(session.env, session.errors)
            if script is not None:
                return runner.run_file(Path(script))
            return runner.run_lines(sys.stdin)
        with _long_lived():   # IPython (its modules and the shell) as well
            from bliss_lite.shell.ipython_shell import make_shell, run_shell

            shell = make_shell(session)
        return run_shell(session, shell)
    finally:
        session.close()
        if lock is not None:
            lock.release()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``bliss-lite``; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ("follow", "writer", "flint"):
        from bliss_lite.streaming.cli import main as consumer_main

        return consumer_main(argv[0], argv[1:])
    args = build_parser().parse_args(argv)
    if args.version:
        print(f"bliss-lite {__version__}")
        return 0
    try:
        if args.recover:
            return recover(args.recover)
        if args.create:
            return create_session(args.create, args.root)
        if args.show_sessions or args.show_sessions_only:
            return show_sessions(args.root, names_only=args.show_sessions_only)
        return run_session(args.session, args.root, args.script, args.force, args.redis, args.insecure)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a configuration problem at start-up: one sentence
        from bliss_lite.config import ConfigError

        if isinstance(exc, ConfigError):
            return _error(str(exc))
        raise


if __name__ == "__main__":
    sys.exit(main())
