"""The ESRF data policy (BLISS's ``ESRFScanSaving``): proposal, collection and dataset.

Selected by ``scan_saving: {class: ESRFScanSaving, beamline: id00, tmp_data_root: ...,
visitor_data_root: ..., inhouse_data_root: ...}`` in the root ``config/__init__.yml``
(or a session's ``scan_saving:``).  The data file of a scan is, as in BLISS 2.4
(``directory_structure_version`` 3, the default)::

    <base_path>/{proposal_dirname}/{beamline}/{proposal_session_name}/RAW_DATA/
        {collection_name}/{collection_name}_{dataset_name}/{collection_name}_{dataset_name}.h5

``base_path`` is the ``<type>_data_root`` of the proposal's type (inhouse, visitor,
tmp).  Next to the dataset files, two master files link every scan of the
collection and of the proposal session with HDF5 external links, as BLISS's writer
makes them: ``RAW_DATA/{collection}/{proposal}_{collection}.h5`` and
``RAW_DATA/{proposal}_{beamline}.h5``, one link ``{collection}_{dataset}_{N}.1``
per scan.  The master files are written by a scan subscriber of their own
(:class:`MasterFiles`) once the scan has ended; they never touch the data file.

There is no ICAT server: datasets are not registered anywhere, which the user is told
once per session; the dataset metadata (``dataset_metadata()`` of the session's
devices, gathered at the first scan of a dataset, as BLISS does) is written in every
scan entry of the dataset's file, under ``dataset/``.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from bliss_lite._common import print_warning
from bliss_lite.devices._text import table
from bliss_lite.scanning.scan_saving import FILE_EXTENSION, ScanSaving

if TYPE_CHECKING:
    from bliss_lite.settings import StateStore

__all__ = ["ESRFScanSaving", "MasterFiles", "is_esrf_config", "DATA_POLICY_FUNCTIONS",
           "newproposal", "endproposal", "newsample", "newcollection", "newdataset", "enddataset"]

STORE_KEY = "scan_saving_esrf"
CLASS_NAME = "ESRFScanSaving"
_TEMPLATES = {
    1: "{proposal_dirname}/{beamline}/{proposal_session_name}/{collection_name}/"
       "{collection_name}_{dataset_name}",
    2: "{proposal_dirname}/{beamline}/{proposal_session_name}/raw/{collection_name}/"
       "{collection_name}_{dataset_name}",
    3: "{proposal_dirname}/{beamline}/{proposal_session_name}/RAW_DATA/{collection_name}/"
       "{collection_name}_{dataset_name}",
}
_DEFAULT_ROOTS = {"inhouse": "/data/{beamline}/inhouse", "visitor": "/data/visitor",
                  "tmp": "/data/{beamline}/tmp"}
_NAME = re.compile(r"^[0-9a-zA-Z_\s\-]+$")
_STORED_PROPOSAL = re.compile(r"^(?:\{beamline\})?[0-9a-z]+$")
_SESSION_DIR = re.compile(r"^(\d{4})(0\d|1[0-2])([0-2]\d|3[01])$")
_SESSION_FORMAT = "%Y%m%d"
# characters a proposal, collection or dataset name cannot hold (they become
# directory names, reachable from Windows and in URLs, and are used in templates)
_FORBIDDEN = set('/\\{}%\0<>:"\'|?*@#') | {chr(i) for i in range(32)}
_POLICY_FIELDS = ("base_path", "template", "data_filename", "data_policy", "proposal_name",
                  "proposal_type", "beamline", "proposal_dirname", "proposal_session_name",
                  "collection_name", "dataset_name")
#: what the user is told once per session
NO_ICAT = ("Note: bliss_lite has no ICAT server: datasets are not registered with ICAT; "
           "their metadata is written in the dataset's file")


def is_esrf_config(section: Any) -> bool:
    """True for a ``scan_saving:`` section selecting the ESRF data policy."""
    return isinstance(section, Mapping) and section.get("class") == CLASS_NAME


def _proposal_key(name: Any) -> str:
    """The proposal name as stored: lower-case letters and digits; ``None``: the
    default in-house proposal ``{beamline}YYMM``."""
    if not name:
        return "{beamline}" + time.strftime("%y%m")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"Proposal name {name!r} is invalid: it may hold letters, digits, "
                         "spaces, '-' and '_' only")
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _check_name(what: str, value: Any) -> None:
    if isinstance(value, str):
        if value in (".", ".."):
            raise ValueError(f"the {what} name {value!r} is not a directory name")
        forbidden = sorted(set(value) & _FORBIDDEN)
        if forbidden:
            raise ValueError(f"the {what} name {value!r} holds forbidden characters: "
                             f"{', '.join(map(repr, forbidden))}")


def _all_or_nothing(change: Callable[..., None]) -> Callable[..., None]:
    """A data policy command that changes everything it should or, when it raises
    (a refused name), nothing: the state before it is kept."""

    @functools.wraps(change)
    def run(self: "ESRFScanSaving", *args: Any, **kwargs: Any) -> None:
        before, metadata = dict(self._state), self._dataset_metadata
        try:
            change(self, *args, **kwargs)
        except BaseException:
            self._state.clear()
            self._state.update(before)
            object.__setattr__(self, "_dataset_metadata", metadata)
            self._persist()
            raise

    return run


class ESRFScanSaving(ScanSaving):
    """``SCAN_SAVING`` under the ESRF data policy.

    ``base_path``, ``template`` and ``data_filename`` follow from the proposal,
    collection and dataset and cannot be set; change those with :meth:`newproposal`,
    :meth:`newcollection` (or :meth:`newsample`), :meth:`newdataset`,
    :meth:`enddataset` and :meth:`endproposal`.  The choice persists per session.
    """

    _READ_ONLY = ("base_path", "template", "data_filename", "data_policy", "beamline",
                  "proposal_type", "proposal_dirname", "mount_point")

    def __init__(self, session_name: str, store: "StateStore | None" = None,
                 defaults: "Mapping[str, Any] | Sequence[Mapping[str, Any]] | None" = None,
                 user_name: str | None = None) -> None:
        sections = defaults if isinstance(defaults, (list, tuple)) else [defaults or {}]
        policy: dict[str, Any] = {}
        for section in sections:
            if is_esrf_config(section):
                policy = dict(section)
        object.__setattr__(self, "_policy", policy)
        object.__setattr__(self, "_state", {})
        object.__setattr__(self, "_dataset_metadata", None)
        object.__setattr__(self, "_told_no_icat", False)
        super().__init__(session_name, store, defaults, user_name)
        stored = store.get(STORE_KEY) if store is not None else None
        if isinstance(stored, dict):
            self._state.update({k: v for k, v in stored.items()
                                if k in ("proposal", "timestamp", "proposal_session", "collection",
                                         "dataset", "dataset_description", "sample_name")})
        try:
            self._complete()
        except (TypeError, ValueError):   # a stale or hostile stored state: start afresh
            self._state.clear()
            self._complete()

    def _complete(self) -> None:
        """Choose what is still unset: the default proposal, its session, the
        default collection and the next dataset."""
        if not self._state.get("proposal"):
            self._set_proposal(None)
        elif not _STORED_PROPOSAL.match(str(self._state["proposal"])):
            raise ValueError(f"stored proposal {self._state['proposal']!r} is invalid")
        for what in ("collection", "dataset"):
            _check_name(what, self._state.get(what))
        if not self._state.get("proposal_session"):
            self._set_proposal_session(None)
        if not self._state.get("collection"):
            self._set_collection(None)
        if not self._state.get("dataset"):
            self._set_dataset(None)

    # -- configuration --------------------------------------------------------------

    def _check_restored(self) -> None:
        pass    # the paths follow from the proposal, checked by _complete()

    def _apply_config(self, section: Mapping[str, Any]) -> None:
        if not is_esrf_config(section):
            super()._apply_config(section)
            return
        # the data-policy keys are ours; the basic ones (writer, ...) apply as usual
        basic = {k: v for k, v in section.items() if k in ("writer", "scan_number_format", "date_format")}
        super()._apply_config(basic)

    def _config(self, key: str, default: Any = None) -> Any:
        return self._policy.get(key, default)

    @property
    def beamline(self) -> str:
        name = self._config("beamline")
        if not name:
            return "{beamline}"
        name = str(name)
        if not _NAME.match(name):
            raise ValueError(f"scan_saving: the beamline name {name!r} is invalid")
        return re.sub(r"[^-0-9a-z]", "", name.lower())

    @property
    def data_policy(self) -> str:
        return "ESRF"

    @property
    def template(self) -> str:
        version = self._config("directory_structure_version", 3)
        if version not in _TEMPLATES:
            raise ValueError("scan_saving: 'directory_structure_version' must be 1, 2 or 3, "
                             f"not {version!r}")
        return _TEMPLATES[version]

    @property
    def data_filename(self) -> str:
        return "{collection_name}_{dataset_name}"

    @property
    def base_path(self) -> str:
        """The data root of the proposal's type (``<type>_data_root``)."""
        kind = self.proposal_type
        root = self._config(f"{kind}_data_root", _DEFAULT_ROOTS[kind])
        if isinstance(root, Mapping):     # mount points: the first one
            root = next(iter(root.values()), _DEFAULT_ROOTS[kind])
        return str(root).replace("{beamline}", self.beamline)

    @property
    def mount_point(self) -> str:
        return ""

    @property
    def date(self) -> str:
        stamp = self._state.get("timestamp")
        moment = datetime.datetime.fromtimestamp(stamp) if stamp else datetime.datetime.now()
        return moment.strftime(self._fields["date_format"])

    # -- the proposal -------------------------------------------------------------------

    @property
    def proposal_name(self) -> str:
        return self._state["proposal"].replace("{beamline}", self.beamline)

    @property
    def proposal_type(self) -> str:
        name, beamline = self._state["proposal"].replace("{beamline}", self.beamline), self.beamline
        if name.startswith(beamline):
            return "inhouse"
        for prefix in self._config("inhouse_proposal_prefixes", ()):
            if name.startswith(re.sub(r"[^0-9a-z]", "", str(prefix).lower())):
                return "inhouse"
        for prefix in self._config("tmp_proposal_prefixes", ("tmp", "temp", "test")):
            if name.startswith(re.sub(r"[^0-9a-z]", "", str(prefix).lower())):
                return "tmp"
        return "visitor"

    @property
    def proposal_dirname(self) -> str:
        """The proposal's directory: a visitor proposal of digits only gets the
        beamline's letters in front (``02-01234`` at bm02 → ``bm021234``)."""
        name = self.proposal_name
        if not name.isdigit() or self.proposal_type != "visitor":
            return name
        beamline = self.beamline
        joined = re.sub("[0-9]", "", beamline) + name
        if not joined.startswith(beamline):
            return name
        return beamline + str(int(joined[len(beamline):]))

    @property
    def proposal_session_name(self) -> str:
        return self._state["proposal_session"]

    @property
    def collection_name(self) -> str:
        return self._state["collection"]

    @property
    def sample_name(self) -> str:
        return self._state.get("sample_name") or self.collection_name

    @property
    def dataset_name(self) -> str:
        return self._state["dataset"]

    def __setattr__(self, name: str, value: Any) -> None:
        setters: dict[str, Callable[[Any], None]] = {
            "proposal_name": self.newproposal, "proposal_session_name": self._change_session,
            "collection_name": self.newcollection, "dataset_name": self.newdataset}
        if name in setters:
            setters[name](value)
        elif name in self._READ_ONLY:
            raise AttributeError(f"SCAN_SAVING.{name} is set by the ESRF data policy "
                                 "(use newproposal, newcollection, newdataset)")
        else:
            super().__setattr__(name, value)

    @_all_or_nothing
    def _change_session(self, name: str | None) -> None:
        self._set_proposal_session(name)
        self._set_collection(None)
        self._changed(f"Proposal set to '{self.proposal_name}' (session '{self.proposal_session_name}')")

    # -- data policy commands ------------------------------------------------------------

    @_all_or_nothing
    def newproposal(self, proposal_name: str | None = None, session_name: str | None = None,
                    prompt: bool = False) -> None:
        """Change the proposal (and its session): a new collection ``sample`` and a
        new dataset follow.  ``None``: the beamline's default in-house proposal.
        (``prompt`` is accepted for BLISS's signature; no dialog is shown.)"""
        old = (self._state.get("proposal"), self._state.get("proposal_session"))
        if _proposal_key(proposal_name) != old[0]:
            self._set_proposal(proposal_name)
            self._set_proposal_session(session_name)
            self._set_collection(None)
        elif session_name:
            self._set_proposal_session(session_name)
            self._set_collection(None)
        if (self._state["proposal"], self._state["proposal_session"]) != old:
            self._changed(f"Proposal set to '{self.proposal_name}' (session "
                          f"'{self.proposal_session_name}')")
        self._tell_no_icat()

    @_all_or_nothing
    def endproposal(self) -> None:
        """Close the dataset and move to the default in-house proposal."""
        self._set_proposal(None)
        self._set_proposal_session(None)
        self._set_collection(None)
        self._changed(f"Proposal set to '{self.proposal_name}' (session '{self.proposal_session_name}')")

    @_all_or_nothing
    def newcollection(self, collection_name: str | None = None, sample_name: str | None = None,
                      sample_description: str | None = None) -> None:
        """Change the dataset collection: a new dataset follows."""
        old = self._state.get("collection")
        self._set_collection(collection_name)
        if sample_name:
            self._state["sample_name"] = sample_name
        if sample_description is not None:
            self._state["sample_description"] = sample_description
        self._persist()
        if self._state["collection"] != old:
            self._changed(f"Dataset collection set to '{self.collection_name}'")

    def newsample(self, collection_name: str | None = None, description: str | None = None) -> None:
        """:meth:`newcollection` with the sample name equal to the collection name."""
        self.newcollection(collection_name, sample_name=collection_name, sample_description=description)

    @_all_or_nothing
    def newdataset(self, dataset_name: str | int | None = None, description: str | None = None,
                   sample_name: str | None = None, sample_description: str | None = None) -> None:
        """Change the dataset: a name (``"area"``, then ``area_0002`` ... when taken),
        a number, or None for the next free number.  A dataset directory that
        exists is never used again."""
        old = self._state.get("dataset")
        self._set_dataset(dataset_name)
        for key, value in (("dataset_description", description), ("sample_name", sample_name),
                           ("sample_description", sample_description)):
            if value is not None:
                self._state[key] = value
        self._persist()
        if self._state["dataset"] != old:
            self._changed(f"Dataset set to '{self.dataset_name}'")

    def enddataset(self) -> None:
        """Close the dataset: the next scans go to a new one."""
        self.newdataset(None)

    # -- choosing names -------------------------------------------------------------------

    def _set_proposal(self, name: str | None) -> None:
        self._state.update(proposal=_proposal_key(name), timestamp=time.time())
        self._persist()

    def _set_proposal_session(self, name: str | None) -> None:
        _check_name("proposal session", name)
        existing = self._proposal_sessions()
        if name not in existing:
            name = self._pick_session(existing)
        self._state["proposal_session"] = name
        self._persist()

    def _proposal_sessions(self) -> list[str]:
        folder = os.path.join(self.base_path, self.proposal_name, self.beamline)
        if not os.path.isdir(folder):
            return []
        return [entry.name for entry in os.scandir(folder)
                if entry.is_dir() and _SESSION_DIR.match(entry.name)]

    def _pick_session(self, existing: list[str]) -> str:
        if len(existing) == 1:
            return existing[0]
        if not existing:   # the first day of this month
            return datetime.date.today().replace(day=1).strftime(_SESSION_FORMAT)
        now = datetime.datetime.now() + datetime.timedelta(
            hours=float(self._config("newproposal_now_offset", 0)))
        dates = sorted(datetime.datetime.strptime(s, _SESSION_FORMAT) for s in existing)
        chosen = dates[-1]
        for index, date in enumerate(dates):
            if date > now:
                chosen = dates[max(0, index - 1)]
                break
        return chosen.strftime(_SESSION_FORMAT)

    def _set_collection(self, name: str | None) -> None:
        _check_name("collection", name)
        self._state["collection"] = name or "sample"
        for key in ("sample_name", "sample_description"):
            self._state.pop(key, None)
        self._state.pop("dataset", None)
        self._set_dataset(None)

    def _set_dataset(self, name: str | int | None) -> None:
        _check_name("dataset", name)
        if isinstance(name, bool) or not isinstance(name, (str, int, type(None))):
            raise TypeError(f"a dataset name must be a string or a number, not {type(name).__name__}")
        if not name:
            name = 0
        if isinstance(name, str) and name.isdigit():
            name = int(name)
        number_format = "%04d"
        if isinstance(name, str):
            suffix_always = bool(self._config("enforce_dataset_suffix", False))
            pattern = re.escape(name) + ("_([0-9]+)" if suffix_always else "(?:_([0-9]+))?")
            template, first = f"{name}_{number_format}", (f"{name}_{number_format}" % 1
                                                            if suffix_always else name)
            lowest = 1
        else:
            pattern, template = "([0-9]+)", number_format
            lowest = max(name, 1)
            first = template % lowest
        collection = self._state["collection"]
        folder = self._collection_dir()
        regex = re.compile(f"^{re.escape(collection)}_{pattern}$")
        taken: list[int] = []
        if os.path.isdir(folder):
            for entry in os.listdir(folder):
                match = regex.match(entry)
                if match:
                    taken.append(int(match.group(1)) if match.group(1) else 0)
        if not taken:
            chosen = first
        else:
            index = max(taken) + 1
            if isinstance(name, str):
                index = max(index, 2)       # "area", then "area_0002"
            else:
                index = max(index, lowest)
            chosen = template % index
        if chosen != self._state.get("dataset"):
            self._restart_scan_numbers()
        self._state["dataset"] = chosen
        self._state.pop("dataset_description", None)
        object.__setattr__(self, "_dataset_metadata", None)
        self._persist()

    def _restart_scan_numbers(self) -> None:
        """A new dataset numbers its scans from 1, as BLISS does (its file is new: a
        dataset directory is never reused)."""
        from bliss_lite.scanning import numbering

        store = self.__dict__.get("_store")
        if store is not None and store.get(numbering.STORE_KEY):
            store.set(numbering.STORE_KEY, 0)

    def _collection_dir(self) -> str:
        saved = self._state.get("dataset")
        self._state["dataset"] = "x"
        try:
            return os.path.dirname(self.scan_root_path())
        finally:
            if saved is None:
                self._state.pop("dataset")
            else:
                self._state["dataset"] = saved

    # -- paths ------------------------------------------------------------------------------

    def _values(self, scan_name: str | None, scan_number: int | None) -> dict[str, Callable[[], str]]:
        values = super()._values(scan_name, scan_number)
        for key in ("proposal_name", "proposal_dirname", "proposal_type", "beamline",
                    "proposal_session_name", "collection_name", "dataset_name", "date"):
            values[key] = lambda key=key: str(getattr(self, key))
        return values

    def scan_root_path(self, scan_name: str | None = None, scan_number: int | None = None) -> str:
        template = self._eval("template", self.template, scan_name, scan_number)
        return os.path.abspath(os.path.join(os.path.expanduser(self.base_path), template))

    def scan_filename(self, scan_name: str | None = None, scan_number: int | None = None) -> str:
        root = self.scan_root_path(scan_name, scan_number)
        data = self._eval("data_filename", self.data_filename, scan_name, scan_number)
        return os.path.join(root, f"{data}.{FILE_EXTENSION}")

    @property
    def data_path(self) -> str:
        return os.path.splitext(self.filename)[0]

    @property
    def collection_master_filename(self) -> str:
        """``RAW_DATA/{collection}/{proposal}_{collection}.h5``: links to every scan
        of the collection."""
        return os.path.join(self._collection_dir(),
                            f"{self.proposal_name}_{self.collection_name}.{FILE_EXTENSION}")

    @property
    def proposal_master_filename(self) -> str:
        """``RAW_DATA/{proposal}_{beamline}.h5``: links to every scan of the proposal
        session."""
        return os.path.join(os.path.dirname(self._collection_dir()),
                            f"{self.proposal_name}_{self.beamline}.{FILE_EXTENSION}")

    # -- state, messages ----------------------------------------------------------------------

    def _persist(self) -> None:
        super()._persist()
        store = self.__dict__.get("_store")
        if store is not None and "_state" in self.__dict__:
            store.set(STORE_KEY, dict(self._state))

    def _changed(self, message: str) -> None:
        print(f"{message}\nData path: {self.root_path}")

    def _tell_no_icat(self) -> None:
        if not self._told_no_icat:
            object.__setattr__(self, "_told_no_icat", True)
            print(NO_ICAT)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update({key: getattr(self, key) for key in _POLICY_FIELDS})
        return data

    # -- dataset metadata --------------------------------------------------------------------

    def gather_dataset_metadata(self, devices: Sequence[Any]) -> dict[str, Any]:
        """The current dataset's metadata, gathered once per dataset (at its first
        scan): names, description, sample and every enabled device's
        ``dataset_metadata()``.  A device that fails is left out, with a warning."""
        if self._dataset_metadata is None:
            metadata: dict[str, Any] = {
                "@NX_class": "NXcollection", "proposal": self.proposal_name,
                "beamline": self.beamline, "collection": self.collection_name,
                "dataset": self.dataset_name, "sample_name": self.sample_name,
                "start_date": datetime.datetime.now().astimezone().isoformat()}
            for key in ("dataset_description", "sample_description"):
                if self._state.get(key):
                    metadata[key.replace("dataset_", "")] = self._state[key]
            for device in devices:
                gather = getattr(device, "dataset_metadata", None)
                name = getattr(device, "name", None)
                if not callable(gather) or not isinstance(name, str) \
                        or not getattr(device, "dataset_metadata_enabled", True):
                    continue
                try:
                    values = gather()
                except Exception as exc:
                    print_warning(f"cannot gather dataset metadata from {name!r}: {exc}")
                    continue
                if isinstance(values, dict) and values:
                    metadata[name] = values
            object.__setattr__(self, "_dataset_metadata", metadata)
            self._tell_no_icat()
        return self._dataset_metadata

    # -- display ---------------------------------------------------------------------------

    def _info_keys(self) -> list[str]:
        return ["images_path_template", "images_prefix", "date_format", "scan_number_format",
                "session", "date", "user_name", "scan_name", "scan_number", "img_acq_device",
                "writer", "data_policy", "base_path", "data_filename", "template",
                "images_path_relative", "dataset_number_format", "proposal_name",
                "proposal_type", "beamline", "proposal_dirname", "proposal_session_name",
                "mount_point", "collection_name", "dataset_name"]

    def __info__(self) -> str:
        fixed = {"images_path_template": "scan{scan_number}", "images_prefix": "{img_acq_device}_",
                 "scan_name": "{scan_name}", "scan_number": "{scan_number}",
                 "img_acq_device": "{img_acq_device}", "images_path_relative": True,
                 "dataset_number_format": "%04d"}
        rows = [(key, fixed[key] if key in fixed else getattr(self, key)) for key in self._info_keys()]
        rows += [(k, "<callable>" if callable(v) else v) for k, v in self._added.items()]
        width = max(len(key) for key, _ in rows)
        lines = ["Parameters (default) -", ""]
        lines += [f"  .{key:<{width}} = {value!r}" for key, value in rows]
        if self._fields["writer"] == "null":
            extra = [("NO SAVING",)]
        else:
            filename = self.filename
            extra = [("exists" if os.path.exists(path) else "does not exist", what, path)
                     for what, path in (("filename", filename), ("directory", os.path.dirname(filename)))]
        extra.append(("ICAT", "not available", "no ICAT server in bliss_lite: datasets are not registered"))
        lines.append(table(extra, framed=True))
        return "\n".join(lines)


class MasterFiles:
    """A scan subscriber writing the collection and proposal master files of a
    scan saved under the ESRF data policy: one external link per scan, named
    ``{data file name}_{entry}``, to the scan's entry in the dataset file.

    It runs after the scan has ended and opens only the master files (each
    briefly); a master file that cannot be written costs a warning, never the
    scan."""

    def __init__(self, scan: Any, masters: Sequence[str]) -> None:
        self.scan = scan
        self.masters = list(masters)

    def scan_start(self, event: Any) -> None:
        pass

    def scan_points(self, event: Any) -> None:
        pass

    def scan_end(self, event: Any) -> None:
        filename = getattr(self.scan, "filename", None)
        number = getattr(self.scan, "scan_number", None)
        if not filename or number is None:
            return
        for master in self.masters:
            try:
                link_scan(master, filename, f"/{number}.1")
            except Exception as exc:  # never the scan's concern
                print_warning(f"cannot link scan {number} in the master file {master}: {exc}")


def link_scan(master: str, data_file: str, entry: str) -> str:
    """Add to ``master`` an external link to ``entry`` of ``data_file`` (a relative
    file name, so that the tree can be moved); returns the link's name."""
    import h5py

    stem = os.path.splitext(os.path.basename(data_file))[0]
    name = f"{stem}_{entry.strip('/')}"
    target = os.path.relpath(data_file, os.path.dirname(master))
    os.makedirs(os.path.dirname(master), exist_ok=True)
    with h5py.File(master, "a", locking=False) as f:
        if "NX_class" not in f.attrs:
            f.attrs["NX_class"] = "NXroot"
            f.attrs["creator"] = "bliss_lite"
            f.attrs["file_name"] = master
        if name not in f:
            f[name] = h5py.ExternalLink(target, entry)
    return name


def master_files_factory(scan_saving: Any) -> Callable[[Any], "MasterFiles | None"]:
    """The subscriber factory of a session using :class:`ESRFScanSaving`."""

    def factory(scan: Any) -> "MasterFiles | None":
        saving = scan_saving
        if not isinstance(saving, ESRFScanSaving) or saving.writer == "null":
            return None
        return MasterFiles(scan, [saving.collection_master_filename, saving.proposal_master_filename])

    return factory


# -- the shell commands (bliss.shell.standard) -----------------------------------------------

def _policy() -> ESRFScanSaving:
    from bliss_lite.scanning import context

    saving = context.current().scan_saving
    if not isinstance(saving, ESRFScanSaving):
        raise RuntimeError("this command needs the ESRF data policy (scan_saving: "
                           "{class: ESRFScanSaving, ...} in config/__init__.yml); this session "
                           "uses the basic SCAN_SAVING")
    return saving


def newproposal(proposal_name: str | None = None, session_name: str | None = None,
                prompt: bool = False) -> None:
    """Change the proposal and session name used to determine the saving path."""
    _policy().newproposal(proposal_name, session_name=session_name, prompt=prompt)


def endproposal() -> None:
    """Close the active dataset and move to the default in-house proposal."""
    _policy().endproposal()


def newsample(collection_name: str | None = None, description: str | None = None) -> None:
    """Same as ``newcollection`` with sample name equal to the collection name."""
    _policy().newsample(collection_name, description=description)


def newcollection(collection_name: str | None = None, sample_name: str | None = None,
                  sample_description: str | None = None) -> None:
    """Change the collection name used to determine the saving path."""
    _policy().newcollection(collection_name, sample_name=sample_name,
                            sample_description=sample_description)


def newdataset(dataset_name: str | int | None = None, description: str | None = None,
               sample_name: str | None = None, sample_description: str | None = None) -> None:
    """Change the dataset name used to determine the saving path."""
    _policy().newdataset(dataset_name, description=description, sample_name=sample_name,
                         sample_description=sample_description)


def enddataset() -> None:
    """Close the active dataset."""
    _policy().enddataset()


DATA_POLICY_FUNCTIONS = ("newproposal", "endproposal", "newsample", "newcollection",
                         "newdataset", "enddataset")
