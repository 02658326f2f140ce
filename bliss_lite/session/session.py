"""The session: the composer that wires configuration, devices and scanning.

``open_session("demo")`` finds the beamline directory, reads the configuration,
creates the session's objects (one failing object never stops the session), builds
the namespace (objects + standard functions + ``SCAN_SAVING``, ``ACTIVE_MG``,
``SCANS``, ``SCAN_DISPLAY``, ``config``, ``load_script``, ``last_error``,
``protect``, ``unprotect``, ``np``), makes its scan context current, runs the setup
files and, in the shell (``protect=True``), protects the names a user must not lose
by a typo.  Used as a library, names are not protected, as in BLISS's library mode.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, TextIO

from bliss_lite.session.error_report import ErrorReport, OneLineWarnings
from bliss_lite.session.namespace import ProtectedNamespace
from bliss_lite.session.startup_report import (StartupReport, banner, failed_line, reason_line,
                                       summary_lines)
from bliss_lite.session.session_tree import SessionTree

if TYPE_CHECKING:
    from bliss_lite.config import Config
    from bliss_lite.current import SessionState
    from bliss_lite.events import ScanSubscriber
    from bliss_lite.scanning.context import ScanContext
    from bliss_lite.settings import StateStore

__all__ = ["Session", "SessionNotFoundError", "open_session", "DEFAULT_SESSION_NAME"]

#: the session opened by ``bliss-lite`` without ``-s`` (prompt ``BLISS [1]:``)
DEFAULT_SESSION_NAME = "__DEFAULT__"

_THIS_FILE = __file__


class SessionNotFoundError(LookupError):
    """The requested session is not in the beamline's configuration."""

    def __init__(self, name: str, root: Path, valid: Iterable[str],
                 load_errors: Iterable[BaseException] = ()) -> None:
        self.name = name
        self.root = root
        self.valid = sorted(valid)
        self.load_errors = list(load_errors)
        listing = ", ".join(self.valid) if self.valid else "none"
        lines = [f"Session '{name}' not found in {root}. Valid sessions: {listing}"]
        if self.load_errors:   # the session may be in a file that could not be read
            lines.append("These configuration files could not be read:")
            lines += [f"  {error}" for error in self.load_errors]
        super().__init__("\n".join(lines))


class Session:
    """A running session.

    ``env`` is the shell namespace (a dict); ``config`` the beamline configuration;
    ``store`` the per-session state store; ``context`` the scan context;
    ``failed_objects`` the names whose initialisation failed; ``setup_ok`` False
    when a setup file raised or was missing.  Use :func:`open_session`.
    """

    def __init__(self, name: str | None, root: Path, *, verbose: bool = True,
                 out: TextIO | None = None, protect: bool = False, data_redis: str | None = None,
                 insecure: bool = False) -> None:
        from bliss_lite.config import Config
        from bliss_lite.devices import BUILTIN_CLASSES
        from bliss_lite.settings import StateStore

        self.name = name or DEFAULT_SESSION_NAME
        self.is_default = name is None
        self.protect_names = protect
        self.root = Path(root)
        self.report = StartupReport(verbose, out)
        self.errors = ErrorReport()
        self._warnings = OneLineWarnings()
        self.env = ProtectedNamespace()
        self.failed_objects: list[str] = []
        self.setup_ok = True
        self._setup_interrupted = False
        self.closed = False
        self._setup_stack: list[str] = []
        self._object_names_created: list[str] = []
        self._standard_names: list[str] = []
        self._session_names: list[str] = []
        self.store: StateStore = StateStore(self.name)
        try:
            from bliss_lite.session.icat import SESSION_CLASSES

            self.config: Config = Config(self.root, classes=BUILTIN_CLASSES | SESSION_CLASSES,
                                         store=self.store)
            if not self.is_default and self.name not in self.config.sessions:
                raise SessionNotFoundError(self.name, self.root, self.config.sessions,
                                           self.config.load_errors)
        except BaseException:
            self.store.close()
            raise
        self.config.session_factory = self._session_named
        self._other_sessions: dict[str, Session] = {}
        self.tree = SessionTree(self.config)
        self.context: ScanContext | None = None
        self.scan_meta: Any = None
        self._state: "SessionState | None" = None
        self._plot_link: Any = None
        self._data_redis = data_redis
        self._insecure = insecure
        #: the data Redis publisher (``data_redis:`` / ``--redis``), None when off
        self.publishing: Any = None

    # -- public API -------------------------------------------------------------------
    @property
    def env_dict(self) -> ProtectedNamespace:
        """The session namespace (BLISS's name for :attr:`env`)."""
        return self.env

    @property
    def object_names(self) -> list[str]:
        """The names of the configuration objects the session created."""
        return list(self._object_names_created)

    def _session_named(self, name: str) -> "Session":
        """``config.get(session_name)``: this session, or another one of the
        configuration (not set up, as BLISS returns it)."""
        if name == self.name:
            return self
        other = self._other_sessions.get(name)
        if other is None:
            other = self._other_sessions[name] = Session(name, self.root, verbose=False)
        return other

    def setup(self) -> bool:
        """Print the start-up report, create the objects, run the setup files.

        Returns True when every object initialised and every setup file ran.
        """
        report = self.report
        report.info(banner(self.root))
        report.info()
        self._build_standard_namespace()
        setup_order: list[str] = []
        if not self.is_default:
            report.info(f"{self.name}: Loading config...")
        self._report_store()
        if not self.is_default:
            self._report_config_problems()
            setup_order = self.tree.setup_order(self.name, self._warn)
            self._create_objects(self.tree.object_names(self.name, self._warn))
        self._install_active_mg()
        self._build_scan_context()
        self._activate()
        self._start_publishing()
        for session_name in setup_order:
            if not self._run_setup_file(session_name):
                break   # exit() or Ctrl-C: the setup ends here, the session goes on
        if self.protect_names:
            self.env.protect(self._protected_names())
        from bliss_lite import flint

        flint.open_for_session(self)
        if not self.is_default:
            if self.setup_ok and not self.failed_objects:
                report.info("Done.")
            elif not self._setup_interrupted:
                report.problem("Warning: error(s) happened during setup, setup may not be complete.")
            report.info()
        return self.setup_ok and not self.failed_objects

    def load_script(self, script_name: str, session: str | None = None) -> bool:
        """Run ``sessions/scripts/<script_name>.py`` and export its public names.

        The script runs with a copy of the session namespace as its globals; names
        not starting with ``_`` are then exported to the namespace (protected names
        it changed are left alone, with a warning).  Errors are printed, not raised
        (with the script's file and line; for a script that cannot be found, with the
        setup file's line asking for it); returns False on error.  ``session`` names
        another session whose scripts folder to use.
        """
        try:
            if not isinstance(script_name, str) or not script_name:
                raise TypeError(f"load_script(): the script name must be a non-empty string, "
                                f"not {script_name!r}")
            owner = session or (self._setup_stack[-1] if self._setup_stack else self.name)
            path = self._script_path(owner, script_name)
        except (TypeError, LookupError, OSError):
            self._script_failed(sys.exc_info(), None)
            return False
        try:
            code = compile(path.read_bytes(), str(path), "exec")
        except (SyntaxError, ValueError, OSError):
            self._script_failed(sys.exc_info(), path)
            return False
        script_globals = dict(self.env)
        script_globals["__file__"] = str(path)
        script_globals["__name__"] = f"__script__.{path.stem}"
        ok = True
        try:
            with _exit_keeps_stdin():
                exec(code, script_globals)
        except SystemExit:
            print(f"Note: exit() at {self._where(sys.exc_info(), path)} ends the script "
                  f"'{script_name}', not the session", file=sys.stderr)
        except Exception:
            self._script_failed(sys.exc_info(), path)
            ok = False
        refused = []
        for key, value in script_globals.items():
            if key.startswith("_"):
                continue
            if self.env.is_protected(key) and self.env.get(key) is not value:
                refused.append(key)
                continue
            self.env[key] = value
        if refused:
            print(f"Warning: load_script('{script_name}'): protected name(s) not exported: "
                  f"{', '.join(refused)}", file=sys.stderr)
        return ok

    def subscribe(self, subscriber: "ScanSubscriber") -> None:
        """Give ``subscriber`` the events of every scan of this session from the next
        scan on (see :mod:`bliss_lite.events`; wrap a slow one in
        :class:`~bliss_lite.events.QueuedSubscriber`)."""
        if not any(subscriber is s for s in self.context.subscribers):
            self.context.subscribers.append(subscriber)

    def unsubscribe(self, subscriber: "ScanSubscriber") -> None:
        """Stop giving ``subscriber`` scan events (from the next scan on)."""
        self.context.subscribers[:] = [s for s in self.context.subscribers if s is not subscriber]

    def close(self) -> None:
        """Flush the state store and stop being the current session (idempotent).

        Objects are left as they are (a moving motor finishes its move)."""
        if self.closed:
            return
        self.closed = True
        from bliss_lite import current

        if self._state is not None:
            current.deactivate(self._state)
        if self.publishing is not None:
            self.unsubscribe(self.publishing.subscriber)
            self.publishing.close()
        self._warnings.uninstall()
        if self._plot_link is not None:
            self._plot_link.close()
        for other in self._other_sessions.values():
            other.close()
        self.store.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Session {self.name!r} ({state}), root={str(self.root)!r}>"

    @property
    def prompt_name(self) -> str:
        """``DEMO`` for session demo, ``BLISS`` for the default session."""
        return "BLISS" if self.is_default else self.name.upper()

    @property
    def setup_file(self) -> Path | None:
        """The setup file of this session (None when it has none)."""
        return self.tree.setup_file(self.name) if not self.is_default else None

    # -- namespace --------------------------------------------------------------------
    def _build_standard_namespace(self) -> None:
        import numpy

        from bliss_lite.commands.standard import standard_functions

        env = self.env
        env["__name__"] = "__main__"  # what commands and scripts at the prompt expect
        functions, missing = standard_functions()
        env.update(functions)
        self._standard_names = list(functions)
        if missing:
            self._warn(f"standard function(s) not available: {', '.join(missing)}")

        errors = self.errors

        def last_error(index: int = -1) -> None:
            """Print the full traceback of the last error (``last_error(-2)``: the one before)."""
            errors.last_error(index)

        def protect(names: str | Iterable[str]) -> None:
            """Protect names of the session namespace from being rebound at the prompt."""
            env.protect(names)

        def unprotect(names: str | Iterable[str]) -> None:
            """Allow names of the session namespace to be rebound again."""
            env.unprotect(names)

        def load_script(script_name: str, session: str | None = None) -> bool:
            return self.load_script(script_name, session)

        load_script.__doc__ = Session.load_script.__doc__
        env["config"] = self.config
        env["load_script"] = load_script
        env["last_error"] = last_error
        env["protect"] = protect
        env["unprotect"] = unprotect
        env["np"] = numpy
        self._session_names = ["config", "load_script", "last_error", "protect", "unprotect"]
        from bliss_lite.session.user_scripts import user_script_functions

        scripts = user_script_functions(self)
        env.update(scripts)
        self._session_names += list(scripts)

    def _protected_names(self) -> list[str]:
        names = list(self._standard_names) + list(self._session_names)
        names += [name for name in self._object_names_created]
        names += ["SCAN_SAVING", "ACTIVE_MG", "SCANS", "SCAN_DISPLAY"]
        return [name for name in names if name in self.env]

    # -- objects -----------------------------------------------------------------------
    def _report_config_problems(self) -> None:
        for error in self.config.load_errors:
            self.report.problem(f"ERROR: {error}")
        for warning in self.config.warnings:
            self.report.problem(f"Warning: {warning}")

    def _report_store(self) -> None:
        """A first start is a quiet notice; a damaged or unreadable store a warning."""
        if self.store.is_new:
            self.report.info(f"No saved state for session '{self.name}' yet: starting fresh "
                             f"in {self.store.path}")
        for warning in self.store.warnings:
            self.report.problem(f"Warning: {warning}")

    def _create_objects(self, names: list[str]) -> None:
        report = self.report
        created: list[str] = []
        warnings = self.config.warnings
        shown = len(warnings)          # those of loading are already reported
        for name in names:
            try:
                obj = self.config.get(name)
            except Exception as exc:
                self.errors.remember(sys.exc_info(), hidden_files=(_THIS_FILE,))
                self.failed_objects.append(name)
                report.problem(failed_line(name, self._filename_of(name, exc)))
                report.problem(reason_line(exc))
                continue
            finally:           # e.g. a misspelt key noticed while creating the object
                for warning in warnings[shown:]:
                    self._warn(warning)
                shown = len(warnings)
            self.env[name] = obj
            created.append(name)
        self._object_names_created = created
        lines = summary_lines(len(created), len(names), self.failed_objects)
        report.info(lines[0])
        for line in lines[1:]:
            report.problem(line)

    def _filename_of(self, name: str, exc: BaseException) -> str | None:
        """The file defining ``name`` (for a duplicate name: the file of the error)."""
        try:
            return self.config.get_config(name).filename or None
        except Exception:
            return getattr(exc, "filename", None) if getattr(exc, "name", None) == name else None

    def _warn(self, text: str) -> None:
        self.report.problem(f"Warning: {text}")

    # -- measurement groups --------------------------------------------------------------
    def _install_active_mg(self) -> None:
        from bliss_lite.devices import measurement_group

        groups = [self.env[name] for name in self._object_names_created
                  if isinstance(self.env[name], measurement_group.MeasurementGroup)]
        wanted = self.store.get("active_mg")
        active = next((mg for mg in groups if mg.name == wanted), None)
        if active is None and groups:
            active = groups[0]
        self.env.force_set("ACTIVE_MG", active)

    def _on_set_active(self, group: Any) -> None:
        self.env.force_set("ACTIVE_MG", group)
        self.store.set("active_mg", group.name)

    # -- scanning ---------------------------------------------------------------------------
    def _build_scan_context(self) -> None:
        from bliss_lite import commands, nexus
        from bliss_lite.devices.protocols import HasMetadataForScan
        from bliss_lite import scan_meta
        from bliss_lite.scanning import esrf_saving
        from bliss_lite.scanning.context import NO_COUNTERS, ScanContext
        from bliss_lite.scanning.display import ScanDisplay
        from bliss_lite.scanning.scan_saving import ScanSaving

        sections = self._scan_saving_defaults()
        esrf = any(esrf_saving.is_esrf_config(section) for section in sections)
        saving_class = esrf_saving.ESRFScanSaving if esrf else ScanSaving
        scan_saving = saving_class(self.name, self.store, sections)
        display = ScanDisplay(self.store)
        self.scan_meta = scan_meta.create_user_scan_meta()
        env = self.env
        factories = [_in_process_writer, display.subscriber]
        if esrf:   # the master files, and the dataset metadata in every scan of a dataset
            factories.append(esrf_saving.master_files_factory(scan_saving))
            scan_meta.ScanMeta.add_categories(["dataset"])
            self.scan_meta.dataset.set("dataset", lambda scan: scan_saving.gather_dataset_metadata(
                commands.devices_in(env)))

        def motors() -> list:
            return commands.motors(env)

        def metadata_devices() -> list:
            return [obj for obj in commands.devices_in(env) if isinstance(obj, HasMetadataForScan)]

        def default_counters() -> list:
            group = env.get("ACTIVE_MG")
            counters = list(group.counters) if group is not None else []
            if not counters:
                raise ValueError(NO_COUNTERS)
            return counters

        self.context = ScanContext(
            session_name=self.name,
            store=self.store,
            scan_saving=scan_saving,
            scan_meta=self.scan_meta,
            motors=motors,
            metadata_devices=metadata_devices,
            default_counters=default_counters,
            subscriber_factories=factories,
            last_entry_number=nexus.last_entry_number,
            claim_number=nexus.claim_number,
            scans=collections.deque(maxlen=20),
            user_name=getattr(scan_saving, "user_name", ""),
        )
        env["SCAN_SAVING"] = scan_saving
        env["SCANS"] = self.context.scans
        env["SCAN_DISPLAY"] = display
        from bliss_lite import flint

        self._plot_link = flint.PlotLink(display, self.name)  # the live plot window (flint())
        self.subscribe(self._plot_link)

    def _start_publishing(self) -> None:
        """Publish every scan into the data Redis when ``--redis`` or ``data_redis:``
        (root ``__init__.yml``, then the session's YAML) says where it is; blissdata
        is imported only then.  A problem is one warning: the session runs unpublished."""
        value, where = self._data_redis, "--redis"
        retention: Any = None
        nodes = [self.config.root_settings]
        if not self.is_default:
            nodes.append(self.config.sessions[self.name])
        for node in nodes:
            if value is None and node.get("data_redis") is not None:
                value = node.get("data_redis")
                where = f"{node.filename}, line {node.line_of('data_redis')}, data_redis"
            if node.get("data_redis_retention") is not None:
                retention = node.get("data_redis_retention")
        if value is None:
            return
        from bliss_lite import streaming

        try:
            url = streaming.parse_redis_url(value, insecure=self._insecure, where=where)
            if retention is not None and (isinstance(retention, bool) or not isinstance(retention, (int, float))
                                          or retention < 30):
                raise ValueError(f"data_redis_retention must be a number of seconds, at least 30, "
                                 f"got {retention!r}")
            kwargs = {} if retention is None else {"retention": float(retention)}
            self.publishing = streaming.start_publishing(url, self.name, **kwargs)
        except Exception as exc:
            self._warn(f"scans are not published to a data Redis: {exc}")
            return
        self.subscribe(self.publishing.subscriber)
        local = " (private to this session, stopped with it)" if self.publishing.server else ""
        self.report.info(f"Publishing scans to the data Redis {self.publishing.url.display()}{local}")

    def _scan_saving_defaults(self) -> list:
        """The ``scan_saving:`` sections giving SCAN_SAVING's initial values, root
        ``config/__init__.yml`` first, then the session's (kept as ConfigNodes so that
        a wrong value is reported with its file and line)."""
        sections = [self.config.root_settings.get("scan_saving")]
        if not self.is_default:
            sections.append(self.config.sessions[self.name].get("scan_saving"))
        return [section for section in sections if isinstance(section, dict)]

    def _activate(self) -> None:
        """Become the current session, in one step (:mod:`bliss_lite.current`)."""
        from bliss_lite import compat, current

        self._state = current.SessionState(self.name, self.context, self.env, self.config, self,
                                           on_set_active_mg=self._on_set_active)
        current.activate(self._state)
        self._warnings.install()
        compat.install()

    # -- setup files -------------------------------------------------------------------------
    def _run_setup_file(self, session_name: str) -> bool:
        """Run one setup file; False when it ended the setup (``exit()`` or Ctrl-C).

        An exception skips the rest of that file (reported with its file and line);
        ``exit()`` ends the setup with a note; Ctrl-C ends it with a warning that the
        setup is incomplete.  The session goes on in every case."""
        path = self.tree.setup_file(session_name)
        if path is None:
            return True
        self.report.info(f"{session_name}: Executing setup file...")
        self._setup_stack.append(session_name)
        env = self.env
        try:
            if not path.is_file():
                node = self.config.sessions[session_name]
                raise FileNotFoundError(
                    f"setup file '{node.get('setup-file')}' of session '{session_name}' not found "
                    f"({node.filename}, line {node.line_of('setup-file')}): {path}")
            code = compile(path.read_bytes(), str(path), "exec")
            env.force_set("__file__", str(path))
            with _exit_keeps_stdin():
                exec(code, env)
        except SystemExit:
            self.report.problem(f"Note: exit() at {self._where(sys.exc_info(), path)} ends the "
                                "setup, not the session")
            return False
        except KeyboardInterrupt:
            self.setup_ok = False
            self._setup_interrupted = True
            self.errors.remember(sys.exc_info(), hidden_files=(_THIS_FILE,))
            self.report.problem(f"Warning: setup interrupted by Ctrl-C at "
                                f"{self._where(sys.exc_info(), path)}: the setup is incomplete.")
            return False
        except Exception:
            self.setup_ok = False
            if path.is_file():
                self.report.problem(f"Error in setup file {self._where(sys.exc_info(), path)}:")
            self.errors.report(sys.exc_info(), self.report.problem_stream, hidden_files=(_THIS_FILE,))
        finally:
            self._setup_stack.pop()
            dict.pop(env, "__file__", None)
        return True

    def _script_failed(self, exc_info: Any, path: Path | None) -> None:
        """Report an error of ``load_script``: where in the script (``path``) or, for
        a script that could not be loaded, at which line of the setup file asking
        for it; a setup going on is then incomplete."""
        if path is not None:
            print(f"Error in script {self._where(exc_info, path)}:", file=sys.stderr)
        elif self._setup_stack:
            setup = str(self.tree.setup_file(self._setup_stack[-1]))
            line = next((n for frame, n in traceback.walk_stack(None) if frame.f_code.co_filename == setup),
                        None)
            print(f"Error in setup file {self._shown(Path(setup))}" + (f", line {line}:" if line else ":"),
                  file=sys.stderr)
        self.errors.report(exc_info, hidden_files=(_THIS_FILE,))
        if self._setup_stack:
            self.setup_ok = False

    def _shown(self, path: Path) -> str:
        """``path`` relative to the beamline directory when it is inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def _where(self, exc_info: Any, path: Path) -> str:
        """``sessions/demo_setup.py, line 12``: where in ``path`` the exception of
        ``exc_info`` happened (the deepest frame of that file; a SyntaxError's line)."""
        exc, tb = exc_info[1], exc_info[2]
        line = None
        if isinstance(exc, SyntaxError) and exc.filename == str(path):
            line = exc.lineno
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(path):
                line = tb.tb_lineno
            tb = tb.tb_next
        shown = self._shown(path)
        return f"{shown}, line {line}" if line else shown

    def _script_path(self, session_name: str, script_name: str) -> Path:
        if session_name in self.config.sessions:
            folder = self.tree.scripts_folder(session_name)
        elif session_name == self.name and self.is_default:
            folder = self.root / "sessions" / "scripts"
        else:
            raise LookupError(f"cannot load script '{script_name}': no session '{session_name}' "
                              f"in {self.root}")
        path = Path(script_name)
        if not path.suffix:
            path = path.with_suffix(".py")
        if not path.is_absolute():
            path = folder / path
        if not path.is_file():
            raise FileNotFoundError(f"script '{script_name}' of session '{session_name}' not found: {path}")
        return path


def _in_process_writer(scan: Any) -> Any:
    """The NeXus writer of a scan, unless ``SCAN_SAVING.writer`` is ``"external"``
    (``bliss-lite writer`` or BLISS's ``blisswriter`` writes it from the data Redis)."""
    from bliss_lite import nexus

    if scan.scan_info.get("writer") == "external":
        return None
    return nexus.scan_writer(scan)


@contextlib.contextmanager
def _exit_keeps_stdin() -> Iterator[None]:
    """While a setup file or script runs, ``exit()`` and ``quit()`` raise SystemExit
    without closing standard input (Python's own ones close it, which would end the
    session's piped commands)."""
    import builtins

    def leave(code: Any = None) -> None:
        raise SystemExit(code)

    saved = {name: getattr(builtins, name, None) for name in ("exit", "quit")}
    builtins.exit = builtins.quit = leave
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(builtins, name)
            else:
                setattr(builtins, name, value)


def open_session(name: str | None, root: str | os.PathLike | None = None,
                 verbose: bool = True, protect: bool = False, data_redis: str | None = None,
                 insecure: bool = False) -> Session:
    """Open session ``name`` of the beamline directory ``root`` (SPEC 1 discovery when
    None) and return it set up; ``name=None`` opens the default (object-less) session.

    Prints the start-up report unless ``verbose`` is False.  ``protect=True`` (the
    shell) protects the objects and standard functions from being rebound.  ``data_redis``
    (a URL or ``"local"``) publishes every scan there, overriding ``data_redis:`` of the
    configuration; ``insecure`` allows a password-less ``redis://`` to another host.  Raises
    :class:`SessionNotFoundError` for an unknown session.  Use ``session.close()`` or
    ``with open_session(...) as session:``.
    """
    from bliss_lite.config import find_root

    path = find_root(None if root is None else os.fspath(root))
    session = Session(name, path, verbose=verbose, protect=protect, data_redis=data_redis,
                      insecure=insecure)
    try:
        session.setup()
    except BaseException:
        session.close()
        raise
    return session
