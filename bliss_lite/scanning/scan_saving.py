"""``SCAN_SAVING``: where a session's scans are written (SPEC 5.3).

The data file of a scan is ``<base_path>/<template>/<data_filename>.h5``; ``template``
and ``data_filename`` are ``str.format`` templates whose fields are the other fields
(``{session}``, ``{date}``, ``{user_name}``, ``{scan_name}``, ``{scan_number}``, any
field added with :meth:`ScanSaving.add`).  Writable fields persist per session in the
state store under the key ``scan_saving``.
"""

from __future__ import annotations

import difflib
import getpass
import os
import string
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from bliss_lite._common import has_control_character, print_warning
from bliss_lite._common import COMPRESSIONS
from bliss_lite.devices._text import table

if TYPE_CHECKING:
    from bliss_lite.settings import StateStore

__all__ = ["ScanSaving", "WRITERS"]

STORE_KEY = "scan_saving"
WRITERS = ("hdf5", "null", "external")  # external: another process writes the file from the data Redis
FILE_EXTENSION = "h5"

DEFAULTS: dict[str, Any] = {
    "base_path": "/tmp/scans",
    "template": "{session}/",
    "data_filename": "data",
    "writer": "hdf5",
    "scan_number_format": "%04d",
    "date_format": "%Y%m%d",
    "compression": "bslz4",  # images and spectra: bslz4 | gzip | none (bliss_lite._common.COMPRESSIONS)
}
READ_ONLY = ("session", "user_name", "date", "filename", "root_path", "data_path")
# Keys of BLISS's ESRF data policy (``ESRFScanSaving``): accepted in a configuration's
# ``scan_saving:`` section and not used.
DATA_POLICY_KEYS = frozenset({
    "class", "tmp_data_root", "icat_tmp_data_root", "visitor_data_root",
    "icat_visitor_data_root", "inhouse_data_root", "icat_inhouse_data_root",
})
_FORMATTER = string.Formatter()
#: the longest file name and path Linux file systems take (bytes)
NAME_MAX, PATH_MAX = 255, 4096
#: what the NeXus writer appends to the data file's name for its scans directory
#: (``bliss_lite.nexus.ondisk.SCANS_SUFFIX``, not imported here: it brings h5py)
SCANS_DIR_SUFFIX = "_scans"


def _path_problem(name: str, text: str, value: str, evaluated: bool = False) -> str | None:
    """Why ``text`` (the literal text of ``template`` or ``data_filename``, or its
    evaluated form) would put the data file outside ``base_path``, or None."""
    what = f"SCAN_SAVING.{name}" + (f" evaluates to {text!r}, which" if evaluated else "")
    subject = f"{what} " if evaluated else f"{what} {value!r} "
    if "\0" in text:
        return f"{subject}contains a NUL character"
    if has_control_character(text):
        return f"{subject}contains a control character"
    if "\\" in text:
        return f"{subject}contains a backslash; directories are separated by '/' in SCAN_SAVING.template"
    if name == "data_filename":
        if "/" in text or os.sep in text:
            return f"{subject}contains a path separator; put directories in SCAN_SAVING.template"
        if text in ("", ".", ".."):
            return f"{subject}is not a file name"
        longest = NAME_MAX - len(SCANS_DIR_SUFFIX)
        if len(text.encode()) > longest:
            return f"{subject}is too long ({len(text.encode())} bytes; a data file name takes at most {longest})"
        return None
    if len(text.encode()) > PATH_MAX // 2:
        return f"{subject}is too long ({len(text.encode())} bytes; at most {PATH_MAX // 2})"
    if any(len(part.encode()) > NAME_MAX for part in text.split("/")):
        return f"{subject}holds a directory name longer than {NAME_MAX} bytes"
    if text.startswith(("/", "~")) or os.path.isabs(text):
        return f"{subject}is an absolute path; it must be relative to SCAN_SAVING.base_path"
    if ".." in text.replace(os.sep, "/").split("/"):
        return f"{subject}contains '..'; the data file must stay inside SCAN_SAVING.base_path"
    return None


def _user_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still usable
        return "unknown"


class ScanSaving:
    """The session's saving parameters.

    ``ScanSaving(session_name, store, defaults)``: ``defaults`` are the initial values
    from the configuration, one ``scan_saving:`` section or a list of them applied in
    order (the root's, then the session's); values persisted in ``store`` win over
    them.  A wrong configured value or a misspelt key is not applied: a warning (with
    file and line when the section is a ConfigNode) is printed and kept in
    :attr:`warnings`.  Other keys become template fields, as with :meth:`add`.

    >>> SCAN_SAVING.base_path = "/data/visitor"
    >>> SCAN_SAVING.filename
    '/data/visitor/demo/data.h5'
    """

    def __init__(self, session_name: str, store: "StateStore | None" = None,
                 defaults: "Mapping[str, Any] | Sequence[Mapping[str, Any]] | None" = None,
                 user_name: str | None = None) -> None:
        object.__setattr__(self, "_session", session_name)
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "_user", user_name or _user_name())
        object.__setattr__(self, "_fields", dict(DEFAULTS))
        object.__setattr__(self, "_added", {})
        object.__setattr__(self, "warnings", [])
        sections = defaults if isinstance(defaults, (list, tuple)) else [defaults or {}]
        for section in sections:
            self._apply_config(section)
        stored = store.get(STORE_KEY) if store is not None else None
        if isinstance(stored, dict):
            self._restore(stored)

    def _restore(self, stored: dict[str, Any]) -> None:
        """The saved fields, all of them or (one refused, or the data file they lead
        to refused) none, with one warning naming the state file."""
        configured = dict(self._fields), dict(self._added)
        try:
            for key, value in stored.items():
                if key in DEFAULTS:
                    self._set_field(key, value, persist=False)
                elif key not in READ_ONLY and key.isidentifier():
                    self._check_added_value(key, value)
                    self._added[key] = value
            self._check_restored()
        except (TypeError, ValueError) as exc:
            self._fields.clear()
            self._fields.update(configured[0])
            self._added.clear()
            self._added.update(configured[1])
            self._store.refused(STORE_KEY, str(exc), "SCAN_SAVING")
            self._persist()

    def _apply_config(self, section: Mapping[str, Any]) -> None:
        """Initial values from a ``scan_saving:`` configuration section; a wrong one
        is reported (with its file and line for a ConfigNode) and ignored."""
        for key, value in section.items():
            problem = None
            try:
                if not isinstance(key, str) or not key.isidentifier():
                    problem = f"{key!r} is not a valid field name"
                elif key in DATA_POLICY_KEYS:
                    continue
                elif key in DEFAULTS:
                    self._set_field(key, value, persist=False)
                elif key in READ_ONLY or key in ("scan_name", "scan_number"):
                    problem = f"SCAN_SAVING.{key} is read-only and cannot be configured"
                else:
                    close = difflib.get_close_matches(key, list(DEFAULTS), n=1, cutoff=0.8)
                    if close:
                        problem = f"unknown key '{key}' (did you mean '{close[0]}'?)"
                    else:
                        self._check_added_value(key, value)
                        self._added[key] = value
            except (TypeError, ValueError) as exc:
                problem = str(exc)
            if problem is not None:
                self._config_warning(section, key, f"scan_saving: {problem}; ignored")

    def _config_warning(self, section: Any, key: Any, message: str) -> None:
        error = getattr(section, "error", None)
        if callable(error):
            message = str(error(message, key if isinstance(key, str) else None))
        self.warnings.append(message)
        print_warning(message)

    # -- fields -------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        fields = self.__dict__.get("_fields")
        if fields is not None:
            if name in fields:
                return fields[name]
            if name in self._added:
                return self._added[name]
        raise AttributeError(f"SCAN_SAVING has no field '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in READ_ONLY:
            raise AttributeError(f"SCAN_SAVING.{name} is read-only")
        if name in DEFAULTS:
            self._set_field(name, value)
        elif name in self._added:
            self._check_added_value(name, value)
            self._added[name] = value
            self._persist()
        else:
            raise AttributeError(
                f"SCAN_SAVING has no field '{name}'; add it with SCAN_SAVING.add('{name}', value)")

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._fields) | set(self._added))

    def _set_field(self, name: str, value: Any, persist: bool = True) -> None:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            raise TypeError(f"SCAN_SAVING.{name} must be a string, not {type(value).__name__}")
        if name == "writer" and value not in WRITERS:
            raise ValueError(f"SCAN_SAVING.writer must be one of {', '.join(WRITERS)}, not {value!r}")
        if name == "compression" and value not in COMPRESSIONS:
            raise ValueError(f"SCAN_SAVING.compression must be one of {', '.join(COMPRESSIONS)}, "
                             f"not {value!r}")
        if name == "base_path" and not value:
            raise ValueError("SCAN_SAVING.base_path cannot be empty")
        if "\0" in value:
            raise ValueError(f"SCAN_SAVING.{name} cannot contain a NUL character: {value!r}")
        if name == "scan_number_format":
            try:
                value % 1
            except (TypeError, ValueError):
                raise ValueError(
                    f"SCAN_SAVING.scan_number_format must be a %-format for one integer, like '%04d', not {value!r}"
                ) from None
        if name in ("template", "data_filename"):
            self._check_template(name, value)
        self._fields[name] = value
        if persist:
            self._persist()

    def _check_template(self, name: str, value: str) -> None:
        try:
            parsed = list(_FORMATTER.parse(value))
        except ValueError as exc:
            raise ValueError(f"SCAN_SAVING.{name} is not a valid template ({exc}): {value!r}") from None
        # the literal text, each field as one character (the fields' values are
        # checked when the path is evaluated)
        literal = "".join(text + ("f" if field is not None else "") for text, field, *_ in parsed)
        problem = _path_problem(name, literal, value)
        if problem:
            raise ValueError(problem)

    def _check_restored(self) -> None:
        """Raise when the restored fields lead the data file outside base_path
        (a field they name that is not there yet may be added by the setup file)."""
        for name in ("template", "data_filename"):
            try:
                result = self._fill(name, self._fields[name])
            except ValueError:
                continue
            problem = _path_problem(name, result, self._fields[name], evaluated=True)
            if problem:
                raise ValueError(problem)

    @staticmethod
    def _check_added_value(key: str, value: Any) -> None:
        if not (callable(value) or isinstance(value, (str, int, float))) or isinstance(value, bool):
            raise TypeError(f"SCAN_SAVING.{key} must be a string, a number or a callable, "
                            f"not {type(value).__name__}")

    def add(self, key: str, value: Any) -> None:
        """Add (or change) a template field, e.g. ``add("sample", "lysozyme")`` for
        ``template = "{session}/{sample}/"``.  ``value`` may be a callable taking
        this object and returning a string (not persisted)."""
        if not isinstance(key, str) or not key.isidentifier():
            raise ValueError(f"SCAN_SAVING.add(): {key!r} is not a valid field name")
        if key in DEFAULTS or key in READ_ONLY or key in ("scan_name", "scan_number"):
            raise ValueError(f"SCAN_SAVING.add(): '{key}' is a built-in field")
        if key.startswith("_") or hasattr(type(self), key) or key in self.__dict__:
            raise ValueError(f"SCAN_SAVING.add(): '{key}' is a reserved name")
        self._check_added_value(key, value)
        self._added[key] = value
        self._persist()

    def remove(self, key: str) -> None:
        """Remove a field added with :meth:`add`."""
        if key not in self._added:
            raise ValueError(f"SCAN_SAVING.remove(): '{key}' is not an added field")
        del self._added[key]
        self._persist()

    def _persist(self) -> None:
        if self._store is None:
            return
        data = dict(self._fields)
        data.update({k: v for k, v in self._added.items() if not callable(v)})
        self._store.set(STORE_KEY, data)

    def to_dict(self) -> dict[str, Any]:
        """Every writable field with its value (added fields included)."""
        data = dict(self._fields)
        data.update(self._added)
        return data

    # -- read-only fields ---------------------------------------------------------

    @property
    def session(self) -> str:
        return self._session

    @property
    def user_name(self) -> str:
        return self._user

    @property
    def date(self) -> str:
        return time.strftime(self._fields["date_format"])

    @property
    def root_path(self) -> str:
        """Directory of the data file (scan name/number fields left as ``{...}``)."""
        return self.scan_root_path()

    @property
    def data_path(self) -> str:
        """Data file path without its extension."""
        return os.path.join(self.root_path, self._eval("data_filename", self._fields["data_filename"]))

    @property
    def filename(self) -> str:
        """Full path of the data file."""
        return self.scan_filename()

    def get_path(self) -> str:
        """The directory scans are written to (``root_path``)."""
        return self.root_path

    # -- evaluation ---------------------------------------------------------------

    def _values(self, scan_name: str | None, scan_number: int | None) -> dict[str, Callable[[], str]]:
        values: dict[str, Callable[[], str]] = {
            "session": lambda: self._session,
            "user_name": lambda: self._user,
            "date": lambda: self.date,
            "scan_name": lambda: "{scan_name}" if scan_name is None else scan_name,
            "scan_number": lambda: ("{scan_number}" if scan_number is None
                                    else self._fields["scan_number_format"] % scan_number),
        }
        for key, value in self._fields.items():
            if key not in ("template", "data_filename"):
                values[key] = lambda v=value: v
        for key, value in self._added.items():
            values[key] = (lambda v=value: str(v(self))) if callable(value) else (lambda v=value: str(v))
        return values

    def _eval(self, name: str, template: str, scan_name: str | None = None,
              scan_number: int | None = None) -> str:
        result = self._fill(name, template, scan_name, scan_number)
        problem = _path_problem(name, result, template, evaluated=True)
        if problem:
            raise ValueError(problem)
        return result

    def _fill(self, name: str, template: str, scan_name: str | None = None,
              scan_number: int | None = None) -> str:
        """``template`` with its fields' values (unchecked)."""
        values = self._values(scan_name, scan_number)
        filled = {}
        for _, field, spec, conv in _FORMATTER.parse(template):
            if field is None:
                continue
            if field == "":
                raise ValueError(f"SCAN_SAVING.{name} has an empty field '{{}}': {template!r}")
            key = field.split(".")[0].split("[")[0]
            if key not in values:
                raise ValueError(f"SCAN_SAVING.{name} refers to unknown field '{key}' "
                                 f"(add it with SCAN_SAVING.add('{key}', value))")
            filled[key] = values[key]()
        return template.format(**filled)

    def scan_root_path(self, scan_name: str | None = None, scan_number: int | None = None) -> str:
        """``root_path`` for a scan of that name and number."""
        template = self._eval("template", self._fields["template"], scan_name, scan_number)
        return os.path.abspath(os.path.join(os.path.expanduser(self._fields["base_path"]), template))

    def scan_filename(self, scan_name: str | None = None, scan_number: int | None = None) -> str:
        """The data file a scan of that name and number is written to."""
        root = self.scan_root_path(scan_name, scan_number)
        data = self._eval("data_filename", self._fields["data_filename"], scan_name, scan_number)
        return os.path.join(root, f"{data}.{FILE_EXTENSION}")

    def scan_target(self, scan_name: str | None = None, scan_number: int | None = None) -> str:
        """:meth:`scan_filename`, refused (ValueError) when a symbolic link on the
        way from ``base_path`` leads the data file outside ``base_path``."""
        filename = self.scan_filename(scan_name, scan_number)
        base = os.path.abspath(os.path.expanduser(self.base_path))
        existing = os.path.dirname(filename)
        while not os.path.lexists(existing) and len(existing) > len(base):
            existing = os.path.dirname(existing)
        if len(existing) < len(base):
            return filename     # nothing of base_path exists yet: it is created fresh
        real, real_base = os.path.realpath(existing), os.path.realpath(base)
        if real != real_base and not real.startswith(real_base.rstrip(os.sep) + os.sep):
            raise ValueError(f"The data file {filename} would be written outside SCAN_SAVING.base_path "
                             f"{base}: {existing} leads to {real} (a symbolic link).")
        return filename

    # -- display ------------------------------------------------------------------

    def __info__(self) -> str:
        rows: list[tuple[str, Any]] = []
        rows += [(k, v) for k, v in self._fields.items()]
        rows += [(k, "<callable>" if callable(v) else v) for k, v in self._added.items()]
        rows += [("session", self.session), ("user_name", self.user_name), ("date", self.date),
                 ("scan_name", "{scan_name}"), ("scan_number", "{scan_number}")]
        width = max(len(k) for k, _ in rows)
        lines = ["Parameters (default) - ", ""]
        lines += [f"  .{k:<{width}} = {v!r}" for k, v in rows]
        try:
            if self._fields["writer"] == "null":
                file_rows = [("NO SAVING",)]
            else:
                filename = self.filename
                directory = os.path.dirname(filename)
                file_rows = [("exists" if os.path.exists(path) else "does not exist", what, path)
                             for what, path in (("filename", filename), ("directory", directory))]
        except ValueError as exc:
            file_rows = [("ERROR", str(exc))]
        lines.append(table(file_rows, framed=True))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.__info__()

