"""SPEC 8 layout: real scans of the nexus tests' session (tests/beamlines/nexus), every item read back with h5py,
plus the nexusformat and silx validators as oracles."""

from __future__ import annotations

import datetime
import threading
from types import SimpleNamespace

import h5py
import numpy
import pytest

import bliss_lite
from bliss_lite import open_session
from conftest import NEXUS_BEAMLINE
from scan_fixtures import nexusformat_errors
from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite import scan_meta

MOTORS = ("roby", "robz", "bsy", "bsz")


class BrokenCounter:
    """A counter whose device fails at its sixth point."""

    name = "broken"
    fullname = "broken_controller:broken"

    def __init__(self) -> None:
        self.reads = 0

    def channels(self):
        return [ChannelSpec("broken", self.fullname, "V", attrs={"type": "sampling", "mode": "MEAN"})]

    def read(self, count_time):
        self.reads += 1
        if self.reads > 5:
            raise RuntimeError("broken device")
        return (float(self.reads),)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One file written by a real session: every kind of scan the issue names."""
    base = tmp_path_factory.mktemp("scans")
    state = tmp_path_factory.mktemp("state")
    scans = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BLISS_LITE_STATE_DIR", str(state))
        with open_session("nexus", root=NEXUS_BEAMLINE, verbose=False) as session:
            env = session.env
            env["SCAN_SAVING"].base_path = str(base)
            env["SCAN_DISPLAY"].mode = "off"
            env["beamstop"].move("IN")
            registry = scan_meta.get_user_scan_meta()
            registry.instrument.set("myattenuator", {"myattenuator": {
                "@NX_class": "NXattenuator", "status": "in", "type": "aluminium",
                "thickness": {"@data": 20.0, "@units": "um"}}})
            registry.instrument.set(env["beamstop"], lambda scan: {"position_label": env["beamstop"].position})
            registry.add_categories(["sample"])
            registry.sample.set("sample", {"name": "lysozyme", "temperature": 100.0, "temperature@units": "K"})

            scan = env["loopscan"](5, 0.01, env["diode3"], run=False,
                                   scan_info={"instrument": {"mygroup": {"myvalue": 10, "myvalue@units": "mm"}}})
            scan.add_comment("first note")
            scan.add_comment("second note")
            scan.run()
            scans["loopscan"] = scan
            registry.clear()

            env["plotselect"](env["sim_ct_gauss"])
            scans["ascan"] = env["ascan"](env["roby"], 0, 1, 4, 0.01, env["diode3"], env["sim_ct_gauss"])
            env["plotselect"](env["diode3"])
            scans["amesh"] = env["amesh"](env["roby"], 0, 1, 2, env["robz"], 0, 1, 1, 0.01, env["diode3"])
            scans["sct"] = env["sct"](0.01, env["diode3"])
            env["ct"](0.01, env["diode3"])

            aborted = env["loopscan"](500, 0.01, env["diode3"], run=False)
            threading.Timer(0.3, aborted.abort).start()
            with pytest.raises(BaseException, match="abort"):
                aborted.run()
            scans["aborted"] = aborted
            with pytest.raises(RuntimeError, match="broken device"):
                env["loopscan"](20, 0.01, env["diode3"], BrokenCounter())
            scans["failed"] = env["SCANS"][-1]

            env["SCAN_SAVING"].writer = "null"
            env["loopscan"](3, 0.01, env["diode3"])
    filename = scans["loopscan"].filename
    return SimpleNamespace(filename=filename, scans=scans, entries={k: f"{s.scan_number}.1" for k, s in scans.items()})


@pytest.fixture
def f(run):
    with h5py.File(run.filename, "r") as h5:
        yield h5


def text(dataset) -> str:
    return dataset.asstr()[()]


def is_iso_with_timezone(value: str) -> bool:
    return datetime.datetime.fromisoformat(value).tzinfo is not None


def test_one_entry_per_saved_scan(run, f):
    assert list(f) == [run.entries[k] for k in ("loopscan", "ascan", "amesh", "sct", "aborted", "failed")]
    assert run.entries["loopscan"] == "1.1"  # ct and the "null" writer wrote nothing


def test_root_attributes(run, f):
    attrs = f.attrs
    assert attrs["NX_class"] == "NXroot"
    assert attrs["default"] == run.entries["failed"]  # the last finished entry
    assert attrs["file_name"] == run.filename
    assert is_iso_with_timezone(attrs["file_time"])
    assert attrs["creator"] == "bliss_lite" and attrs["creator_version"] == bliss_lite.__version__
    assert attrs["HDF5_Version"] == h5py.version.hdf5_version and attrs["h5py_version"] == h5py.version.version


@pytest.mark.parametrize("kind, reason", [
    ("loopscan", "SUCCESS"), ("ascan", "SUCCESS"), ("amesh", "SUCCESS"), ("sct", "SUCCESS"),
    ("aborted", "USER_ABORT"), ("failed", "FAILURE"),
])
def test_entry_fields(run, f, kind, reason):
    scan = run.scans[kind]
    entry = f[run.entries[kind]]
    assert entry.attrs["NX_class"] == "NXentry"
    assert text(entry["title"]) == scan.scan_info["title"]
    assert text(entry["start_time"]) == scan.scan_info["start_time"] and is_iso_with_timezone(text(entry["start_time"]))
    assert text(entry["end_time"]) == scan.scan_info["end_time"] and is_iso_with_timezone(text(entry["end_time"]))
    assert text(entry["end_reason"]) == reason
    parameters = entry["scan_parameters"]
    assert parameters.attrs["NX_class"] == "NXparameters"
    assert parameters["count_time"][()] == pytest.approx(0.01) and parameters["count_time"].attrs["units"] == "s"
    assert entry["writer"].attrs["NX_class"] == "NXnote" and text(entry["writer/status"]) == "SUCCEEDED"


@pytest.mark.parametrize("kind", ["loopscan", "ascan", "amesh", "sct", "aborted", "failed"])
def test_channels_measurement_and_data(run, f, kind):
    scan = run.scans[kind]
    entry = f[run.entries[kind]]
    instrument, measurement = entry["instrument"], entry["measurement"]
    assert instrument.attrs["NX_class"] == "NXinstrument" and measurement.attrs["NX_class"] == "NXcollection"
    data = scan.get_data()
    npoints = len(data["elapsed_time"])
    assert npoints > 0
    assert sorted(measurement) == sorted(spec.name for spec in scan.channels)
    for spec in scan.channels:
        group = instrument[spec.name]
        field = "data" if spec.kind == "counter" else "value"
        assert group.attrs["NX_class"] == ("NXdetector" if spec.kind == "counter" else "NXpositioner")
        dataset = group[field]
        assert measurement.get(spec.name, getlink=True).path == dataset.name
        assert numpy.array_equal(dataset[()], data[spec.name]), spec.name  # every channel: every point
        assert dataset.attrs.get("units") == spec.unit
        if spec.kind == "counter":
            for key, value in spec.attrs.items():
                assert text(group[key]) == value


def test_point_counts(run, f):
    assert f[run.entries["amesh"]]["measurement/roby"].shape == (6,)
    assert f[run.entries["sct"]]["measurement/diode3"].shape == (1,)
    aborted = f[run.entries["aborted"]]["measurement"]
    assert 0 < aborted["diode3"].shape[0] < 500
    assert {aborted[name].shape for name in aborted} == {aborted["diode3"].shape}
    failed = f[run.entries["failed"]]["measurement"]
    assert {failed[name].shape for name in failed} == {(5,)}


def test_positioners(run, f):
    instrument = f[run.entries["ascan"]]["instrument"]
    scan = run.scans["ascan"]
    positioners = scan.scan_info["positioners"]
    for key in ("positioners_start", "positioners_dial_start", "positioners_end", "positioners_dial_end"):
        group = instrument[key]
        assert group.attrs["NX_class"] == "NXcollection"
        assert set(MOTORS) <= set(group)
        for name, value in positioners[key].items():
            assert group[name][()] == pytest.approx(value)
            assert group[name].attrs.get("units") == positioners["positioners_units"][name]
    collection = instrument["positioners"]
    assert collection.get("roby", getlink=True).path == instrument["roby/value"].name  # scanned: its values
    assert collection["robz"][()] == pytest.approx(positioners["positioners_start"]["robz"])  # not scanned
    loop = f[run.entries["loopscan"]]["instrument/positioners"]
    assert isinstance(loop.get("roby", getlink=True), h5py.HardLink)


def test_documentation_examples(run, f):
    instrument = f[run.entries["loopscan"]]["instrument"]
    assert instrument["mygroup/myvalue"][()] == 10
    assert instrument["mygroup/myvalue"].attrs["units"] == "mm"
    assert instrument["myattenuator"].attrs["NX_class"] == "NXattenuator"
    assert text(instrument["myattenuator/status"]) == "in"
    assert instrument["myattenuator/thickness"][()] == 20.0
    assert instrument["myattenuator/thickness"].attrs["units"] == "um"
    assert text(instrument["position_label"]) == "IN"
    # MultiplePositions publishes the scan_metadata of its position (SPEC 6.6)
    assert instrument["beamstop"].attrs["NX_class"] == "NXbeam_stop"


def test_categories_only_with_content(run, f):
    entry = f[run.entries["loopscan"]]
    assert entry["sample"].attrs["NX_class"] == "NXcollection"
    assert text(entry["sample/name"]) == "lysozyme"
    assert entry["sample/temperature"].attrs["units"] == "K"
    assert "technique" not in entry  # only its NX_class: nothing written
    assert "sample" not in f[run.entries["ascan"]]  # the registry was cleared


def test_notes(run, f):
    notes = f[run.entries["loopscan"]]["notes"]
    assert notes.attrs["NX_class"] == "NXnote"
    assert list(notes) == ["note_01", "note_02"]
    for name, message in (("note_01", "first note"), ("note_02", "second note")):
        assert notes[name].attrs["NX_class"] == "NXnote"
        assert text(notes[name]["data"]) == message
        assert text(notes[name]["type"]) == "text/plain"
        assert is_iso_with_timezone(text(notes[name]["date"]))
    assert "notes" not in f[run.entries["ascan"]]


def test_plotselect_and_default_chain(run, f):
    from silx.io.nxdata import get_default

    # Before any plotselect: the first counter, under "plot" (issue 16: every entry has a plot).
    loopscan = f[run.entries["loopscan"]]
    assert "plotselect" not in loopscan and loopscan.attrs["default"] == "plot"
    assert loopscan["plot"].attrs["signal"] == "diode3" and list(loopscan["plot"].attrs["axes"]) == ["elapsed_time"]
    ascan = f[run.entries["ascan"]]
    assert ascan.attrs["default"] == "plotselect"
    nxdata = ascan["plotselect"]
    assert nxdata.attrs["NX_class"] == "NXdata" and nxdata.attrs["signal"] == "sim_ct_gauss"
    assert list(nxdata.attrs["axes"]) == ["roby"]
    assert nxdata.get("roby", getlink=True).path == ascan["instrument/roby/value"].name
    found = get_default(ascan, validate=True)
    assert found is not None and found.is_valid and found.signal_name == "sim_ct_gauss"

    mesh = f[run.entries["amesh"]]["plotselect"]
    assert list(mesh.attrs["axes"]) == ["roby", "robz"]  # a scatter silx draws as a map
    assert mesh.attrs["roby_indices"] == 0 and mesh.attrs["robz_indices"] == 0
    assert mesh["robz"].shape == mesh["diode3"].shape == (6,)
    found = get_default(f[run.entries["amesh"]], validate=True)
    assert found is not None and found.is_valid and found.is_scatter

    # root @default -> last entry -> its plotselect (a loopscan: plotted against elapsed_time)
    root = get_default(f, validate=True)
    assert root is not None and root.is_valid and root.signal_name.startswith("diode3")
    assert root.group.name == f"/{run.entries['failed']}/plotselect"


def test_nexusformat_finds_only_the_entry_naming(run):
    errors = nexusformat_errors(run.filename)
    naming = {f'"{name}" is an invalid name' for name in run.entries.values()}
    # The mesh's scatter NXdata names both motors in @axes (nexus/default_plot.py).
    mesh_rule = '"@axes" length does not match the signal rank'
    assert errors.count(mesh_rule) == 1
    errors = [e for e in errors if e != mesh_rule]
    assert set(errors) - naming == set()
    assert naming <= set(errors)
