"""scan_meta: the registry, its evaluation, and what a scan gathers (SPEC 6)."""

from __future__ import annotations

import math
import threading
import time

import numpy
import pytest

from bliss_lite import current, scan_meta
from bliss_lite.devices.protocols import ScanOutline
from bliss_lite.scan_meta import META_TIMING, ScanMeta, ScanMetadataGatherer

START, PREPARED, END = META_TIMING.START, META_TIMING.PREPARED, META_TIMING.END


# -- stand-ins for what a session gives a scan -------------------------------------------


class FakeScan:
    """What the gatherer sees of a scan: scan_info, state, name, scan_number."""

    def __init__(self, scan_info: dict | None = None):
        self.scan_info = {} if scan_info is None else scan_info
        self.state = "PREPARING"
        self.name = "loopscan"
        self.scan_number = 7


class Motor:
    def __init__(self, name: str, position: float = 1.5, offset: float = 0.5, unit: str | None = "mm"):
        self.name = name
        self._position = position
        self._offset = offset
        self.unit = unit

    @property
    def position(self) -> float:
        return self._position

    @property
    def dial(self) -> float:
        return self._position - self._offset


class BrokenMotor(Motor):
    @property
    def position(self) -> float:
        raise RuntimeError("controller not answering")


class Device:
    """A HasMetadataForScan device (like MultiplePositions)."""

    def __init__(self, name: str, metadata: dict | None = None, fail: bool = False):
        self.name = name
        self.metadata = metadata if metadata is not None else {"@NX_class": "NXbeam_stop", "status": "in"}
        self.fail = fail
        self.scan_metadata_enabled = True

    def scan_metadata(self) -> dict | None:
        if self.fail:
            raise RuntimeError("device offline")
        return dict(self.metadata)

    def enable_scan_metadata(self) -> None:
        self.scan_metadata_enabled = True

    def disable_scan_metadata(self) -> None:
        self.scan_metadata_enabled = False


@pytest.fixture
def registry():
    """A fresh session-like registry, installed as the user registry for the test."""
    categories = set(ScanMeta._CATEGORIES)
    ScanMeta._CATEGORIES = {"instrument", "positioners", "technique"}  # BLISS's defaults
    reg = scan_meta.create_user_scan_meta()
    scan_meta.set_user_scan_meta(reg)
    yield reg
    scan_meta.set_user_scan_meta(None)
    ScanMeta._CATEGORIES = categories


def gather(registry, scan=None, timings=(START, PREPARED, END), motors=(), devices=(), user=True):
    scan = FakeScan() if scan is None else scan
    warnings: list[str] = []
    context = current.get().scan_context  # as the engine does: the last profile is the session's
    gatherer = ScanMetadataGatherer(scan, registry.copy(), motors, devices, user=user, warn=warnings.append,
                                    record_profile=lambda p: setattr(context, "last_metadata_profile", p))
    for timing in timings:
        gatherer.gather(timing)
    return scan, warnings, gatherer


# -- the registry ----------------------------------------------------------------------


def test_meta_timing_is_a_combinable_flag():
    both = START | END
    assert START in both and END in both and PREPARED not in both
    assert isinstance(both, META_TIMING)


def test_default_registry_content_and_timings(registry):
    assert registry.categories_names() == ["instrument", "positioners", "technique"]
    assert registry.instrument.timing == END
    assert registry.technique.timing == START
    assert registry.positioners.timing == START
    assert registry.instrument.metadata == {"@NX_class": {"@NX_class": "NXinstrument"}}
    assert registry.technique.metadata == {"@NX_class": {"@NX_class": "NXcollection"}}
    assert registry.used_categories_names() == ["instrument", "technique"]
    assert "instrument (timing END)" in registry.__info__()


def test_get_user_scan_meta_is_the_session_registry_else_a_module_default(registry):
    assert scan_meta.get_user_scan_meta() is registry
    scan_meta.set_user_scan_meta(None)
    default = scan_meta.get_user_scan_meta()
    assert default is not registry and default is scan_meta.get_user_scan_meta()
    assert default.instrument.timing == END
    with pytest.raises(TypeError):
        scan_meta.set_user_scan_meta({"not": "a registry"})


def test_set_with_a_name_or_an_object_and_the_category_api(registry):
    class MP:
        name = "beamstop"

    def label(scan):
        return {"position_label": "IN"}

    registry.instrument.set(MP(), label)
    registry.instrument.set("mymetadata", {"a": 1})
    assert registry.instrument.is_set("beamstop") and registry.instrument.is_set(MP())
    assert registry.instrument.keys == ["@NX_class", "beamstop", "mymetadata"]
    assert registry.instrument.names == registry.instrument.keys
    assert registry.instrument.metadata["beamstop"] is label
    registry.instrument.set("mymetadata", {"b": 2})  # replaces
    assert registry.instrument.metadata["mymetadata"] == {"b": 2}
    registry.instrument.remove("mymetadata")
    registry.instrument.remove("mymetadata")  # absent: no error
    registry.instrument.remove(MP())
    assert registry.instrument.keys == ["@NX_class"]
    registry.technique.timing = START | END
    assert registry.technique.timing == START | END
    assert "technique" in registry.technique.__info__()


@pytest.mark.parametrize("bad", ["", object(), type("Nameless", (), {"name": ""})()])
def test_set_refuses_objects_without_a_name(registry, bad):
    with pytest.raises(ValueError, match="name"):
        registry.instrument.set(bad, {"a": 1})


def test_set_refuses_values_that_are_neither_dict_nor_callable(registry):
    with pytest.raises(TypeError, match="dict or a callable"):
        registry.instrument.set("x", [1, 2])


def test_timing_must_be_a_meta_timing(registry):
    with pytest.raises(TypeError, match="META_TIMING"):
        registry.instrument.timing = "END"


def test_add_and_remove_categories(registry):
    with pytest.raises(AttributeError, match="add_categories"):
        registry.sample
    ScanMeta.add_categories(["Sample"])
    assert "sample" in ScanMeta.categories_names() and "sample" in scan_meta.categories_names()
    registry.sample.set("s", {"name": "quartz"})
    assert registry.sample.timing == START
    assert registry.used_categories_names() == ["instrument", "sample", "technique"]
    ScanMeta.remove_categories(["sample"])
    with pytest.raises(AttributeError):
        registry.sample
    assert registry.used_categories_names() == ["instrument", "technique"]
    with pytest.raises(ValueError):
        ScanMeta.add_categories(["a/b"])


def test_clear_and_copy(registry):
    registry.instrument.set("x", {"a": 1})
    copy = registry.copy()
    registry.clear()
    assert registry.used_categories_names() == []
    assert copy.instrument.metadata["x"] == {"a": 1}


# -- evaluation ------------------------------------------------------------------------


def test_to_dict_statics_then_callables_and_the_merge_rule(registry):
    registry.instrument.set("gen", lambda scan: {"dev": {"value": 2, "extra": "g"}})
    registry.instrument.set("static", {"dev": {"value": 1, "kept": True}, "other": [1, 2]})
    registry.instrument.set("none", lambda scan: None)
    result = registry.to_dict(FakeScan())
    assert result["instrument"] == {
        "@NX_class": "NXinstrument",
        "dev": {"value": 2, "kept": True, "extra": "g"},
        "other": [1, 2],
    }
    assert result["technique"] == {"@NX_class": "NXcollection"}


def test_to_dict_warns_about_a_failing_generator(registry, capsys):
    registry.technique.set("boom", lambda scan: 1 / 0)
    registry.technique.set("text", lambda scan: "not a dict")
    assert registry.to_dict(FakeScan())["technique"] == {"@NX_class": "NXcollection"}
    assert capsys.readouterr().err.splitlines() == [
        "WARNING: cannot generate metadata from 'boom' for category 'technique': "
        "ZeroDivisionError: division by zero",
        "WARNING: cannot generate metadata from 'text' for category 'technique': "
        "it returned str, not a dict",
    ]


def test_to_dict_filters_by_timing_and_absent_categories(registry):
    registry.technique.set("t", lambda scan: None)
    registry.technique.remove("@NX_class")
    assert registry.to_dict(FakeScan(), START) == {}
    assert list(registry.to_dict(FakeScan(), END)) == ["instrument"]
    assert sorted(registry.to_dict(FakeScan())) == ["instrument"]


def test_set_is_a_handle_the_dict_merges_straight_into_the_category(registry):
    class MP:
        name = "mp"

    registry.instrument.set(MP(), lambda scan: {"position_label": "IN"})
    scan, _, _ = gather(registry)
    assert scan.scan_info["instrument"]["position_label"] == "IN"
    assert "mp" not in scan.scan_info["instrument"]


def test_copy_isolation_changes_during_a_scan_apply_to_the_next_one(registry):
    static = {"sample": {"temperature": 300}}
    registry.technique.set("static", static)
    scan = FakeScan()
    gatherer = ScanMetadataGatherer(scan, registry.copy(), [], [], warn=lambda m: None)
    gatherer.gather(START)
    # the user changes the registry while the scan runs
    static["sample"]["temperature"] = 4
    registry.technique.set("late", {"late": 1})
    registry.instrument.set("late", {"late": 1})
    registry.instrument.timing = START
    gatherer.gather(PREPARED)
    gatherer.gather(END)
    assert scan.scan_info["technique"] == {"@NX_class": "NXcollection", "sample": {"temperature": 300}}
    assert "late" not in scan.scan_info["instrument"]
    next_scan, _, _ = gather(registry, timings=(START,))
    assert next_scan.scan_info["technique"]["sample"] == {"temperature": 4}
    assert next_scan.scan_info["instrument"]["late"] == 1


def test_gathering_never_modifies_the_registry_statics(registry):
    static = {"dev": {"a": 1}}
    registry.technique.set("static", static)
    registry.technique.set("gen", lambda scan: {"dev": {"b": 2}})
    registry.technique.timing = START | END
    scan, _, _ = gather(registry)
    assert static == {"dev": {"a": 1}}
    assert scan.scan_info["technique"]["dev"] == {"a": 1, "b": 2}


# -- timings, precedence, the scan object -----------------------------------------------


def test_a_generator_with_three_timings_is_called_three_times_with_the_scan(registry):
    calls = []

    def generator(scan):
        calls.append((scan, scan.state))
        return {"state": scan.state}

    registry.technique.timing = START | PREPARED | END
    registry.technique.set("gen", generator)
    scan = FakeScan()
    gatherer = ScanMetadataGatherer(scan, registry.copy(), [], [], warn=lambda m: None)
    for timing, state in ((START, "PREPARING"), (PREPARED, "STARTING"), (END, "STOPPING")):
        scan.state = state
        gatherer.gather(timing)
    assert calls == [(scan, "PREPARING"), (scan, "STARTING"), (scan, "STOPPING")]
    assert scan.scan_info["technique"]["state"] == "STOPPING"  # END wins over START


def test_precedence_scan_info_argument_controllers_user_registry(registry):
    scan = FakeScan(
        {"instrument": {"beamstop": {"status": "from scan_info", "only_arg": 1}, "mygroup": {"myvalue": 10}}}
    )
    registry.instrument.timing = START
    registry.instrument.set("override", {"beamstop": {"status": "from user"}})
    device = Device("beamstop", {"@NX_class": "NXbeam_stop", "status": "from controller", "only_ctrl": 2})
    gather(registry, scan, timings=(START,), devices=[device])
    assert scan.scan_info["instrument"]["beamstop"] == {
        "@NX_class": "NXbeam_stop",
        "status": "from user",
        "only_arg": 1,
        "only_ctrl": 2,
    }
    assert scan.scan_info["instrument"]["mygroup"] == {"myvalue": 10}


def test_later_timings_win(registry):
    registry.technique.timing = START | PREPARED | END
    values = iter(["start", "prepared", "end"])
    registry.technique.set("gen", lambda scan: {"when": next(values)})
    scan = FakeScan()
    gatherer = ScanMetadataGatherer(scan, registry.copy(), [], [])
    gatherer.gather(START)
    assert scan.scan_info["technique"]["when"] == "start"
    gatherer.gather(PREPARED)
    assert scan.scan_info["technique"]["when"] == "prepared"
    gatherer.gather(END)
    assert scan.scan_info["technique"]["when"] == "end"


def test_scan_meta_categories_is_the_union(registry):
    ScanMeta.add_categories(["sample"])
    registry.sample.set("s", {"name": "quartz"})
    scan = FakeScan({"scan_meta_categories": ["mycat"], "mycat": {"x": 1}})
    gather(registry, scan, motors=[Motor("roby")])
    categories = scan.scan_info["scan_meta_categories"]
    assert categories[0] == "mycat"
    assert sorted(categories) == ["instrument", "mycat", "positioners", "sample", "technique"]


def test_user_false_gathers_no_user_metadata(registry):
    registry.technique.set("gen", lambda scan: {"x": 1})
    scan, _, gatherer = gather(registry, motors=[Motor("roby")], devices=[Device("beamstop")], user=False)
    assert "technique" not in scan.scan_info
    assert scan.scan_info["instrument"] == {"beamstop": {"@NX_class": "NXbeam_stop", "status": "in"}}
    assert scan.scan_info["positioners"]["positioners_start"] == {"roby": 1.5}
    assert gatherer.registry is None


def test_gather_takes_one_timing(registry):
    gatherer = ScanMetadataGatherer(FakeScan(), registry.copy(), [], [])
    with pytest.raises(ValueError):
        gatherer.gather(START | END)


# -- positioners and controllers ---------------------------------------------------------


def test_positioners_at_start_and_end_with_dial_units_and_err(registry):
    roby = Motor("roby", position=1.5, offset=0.5, unit="mm")
    robz = Motor("robz", position=-2.0, offset=0.0, unit=None)
    scan = FakeScan()
    gatherer = ScanMetadataGatherer(scan, registry.copy(), [roby, robz, BrokenMotor("bad")], [], warn=print)
    gatherer.gather(START)
    roby._position = 3.0
    gatherer.gather(PREPARED)
    gatherer.gather(END)
    pos = scan.scan_info["positioners"]
    assert pos["positioners_start"] == {"roby": 1.5, "robz": -2.0, "bad": "ERR"}
    assert pos["positioners_dial_start"] == {"roby": 1.0, "robz": -2.0, "bad": "ERR"}
    assert pos["positioners_end"] == {"roby": 3.0, "robz": -2.0, "bad": "ERR"}
    assert pos["positioners_dial_end"] == {"roby": 2.5, "robz": -2.0, "bad": "ERR"}
    assert pos["positioners_units"] == {"roby": "mm", "robz": None, "bad": "mm"}
    assert gatherer.warnings == []


def test_controllers_metadata_enable_disable_and_failure(registry):
    beamstop = Device("beamstop")
    att1 = Device("att1", {"@NX_class": "NXattenuator", "type": "Al"})
    broken = Device("broken", fail=True)
    att1.disable_scan_metadata()
    scan, warnings, _ = gather(registry, devices=[beamstop, att1, broken])
    instrument = scan.scan_info["instrument"]
    assert instrument["beamstop"] == {"@NX_class": "NXbeam_stop", "status": "in"}
    assert "att1" not in instrument and "broken" not in instrument
    assert warnings == [
        "cannot generate metadata from 'broken' for category 'instrument': RuntimeError: device offline"
    ]
    att1.enable_scan_metadata()
    scan, _, _ = gather(registry, devices=[beamstop, att1])
    assert scan.scan_info["instrument"]["att1"]["type"] == "Al"


# -- failing generators ----------------------------------------------------------------


def test_a_raising_generator_warns_in_one_line_and_the_rest_is_kept(registry):
    class MP:
        name = "mp"

    def broken(scan):
        raise ZeroDivisionError("division by zero")

    registry.instrument.set(MP(), broken)
    registry.instrument.set("good", lambda scan: {"good": 1})
    scan, warnings, gatherer = gather(registry)
    assert warnings == [
        "cannot generate metadata from 'mp' for category 'instrument': ZeroDivisionError: division by zero"
    ]
    assert scan.scan_info["instrument"] == {"@NX_class": "NXinstrument", "good": 1}
    assert [r.name for r in gatherer.profile if r.failed] == ["mp"]


def test_a_generator_returning_something_else_than_a_dict_warns(registry):
    registry.technique.set("listy", lambda scan: [1, 2])
    scan, warnings, _ = gather(registry)
    assert warnings == ["cannot generate metadata from 'listy' for category 'technique': it returned list, not a dict"]
    assert scan.scan_info["technique"] == {"@NX_class": "NXcollection"}


def test_a_generator_bad_output_is_dropped_with_a_warning(registry):
    registry.technique.set("gen", lambda scan: {"ok": 1, "a/b": 2, "grp": {"mixed": [1, "x"], "fine": "y"}})
    scan, warnings, _ = gather(registry)
    assert scan.scan_info["technique"] == {"@NX_class": "NXcollection", "ok": 1, "grp": {"fine": "y"}}
    assert len(warnings) == 1
    assert warnings[0].startswith("cannot generate metadata from 'gen' for category 'technique': dropped ")
    assert "'a/b'" in warnings[0] and "'mixed' in 'grp'" in warnings[0]


def test_warnings_go_to_stderr_by_default(registry, capsys):
    registry.technique.set("boom", lambda scan: 1 / 0)
    ScanMetadataGatherer(FakeScan(), registry.copy(), [], []).gather(START)
    err = capsys.readouterr().err
    assert err == (
        "WARNING: cannot generate metadata from 'boom' for category 'technique': "
        "ZeroDivisionError: division by zero\n"
    )


# -- concurrency and profiling ----------------------------------------------------------


def test_generators_run_concurrently_and_slow_gathering_warns(registry):
    def slow(scan):
        time.sleep(0.5)
        return {threading.current_thread().name: 1}

    for i in range(5):
        registry.technique.set(f"slow{i}", slow)
    scan, warnings, gatherer = gather(registry, timings=(START,))
    assert gatherer.durations["START"] >= 0.5
    assert len(scan.scan_info["technique"]) == 1 + 5  # five different threads
    assert len(warnings) == 1
    assert warnings[0].startswith("metadata gathering took ")
    assert warnings[0].endswith(" ms at START, type 'metadata_profiling()' for more details")
    assert gatherer.durations["START"] >= 0.5


def test_a_single_generator_runs_in_a_worker_thread(registry):
    # (not in the scan thread: a generator that never returns must be abandonable)
    registry.technique.set("where", lambda scan: {"thread": threading.current_thread().name})
    scan, _, _ = gather(registry, timings=(START,))
    assert scan.scan_info["technique"]["thread"].startswith("scan_meta-")


def test_metadata_profiling_prints_slowest_first_and_nan_for_failures(registry, capsys):
    registry.technique.set("fast", lambda scan: {"a": 1})
    registry.technique.set("slow", lambda scan: time.sleep(0.05) or {"b": 1})
    registry.technique.set("boom", lambda scan: 1 / 0)
    scan, _, gatherer = gather(registry, motors=[Motor("roby")], devices=[Device("beamstop")])
    assert scan.metadata_profile is gatherer.profile
    capsys.readouterr()
    scan_meta.metadata_profiling(scan)
    out = capsys.readouterr().out
    assert "USER META DATA" in out and "CONTROLLERS META DATA" in out
    user_part = out.split("CONTROLLERS META DATA")[0]
    rows = [line.split("|") for line in user_part.splitlines() if line.count("|") == 3]
    names = [row[0].strip() for row in rows[1:]]
    assert names == ["slow", "fast", "boom"]
    assert float(rows[1][2]) >= 50.0
    assert rows[3][2].strip() == "nan"
    assert "positioners" in out.split("CONTROLLERS META DATA")[1]
    # the last scan is the default; a timing filter keeps that timing only
    scan_meta.metadata_profiling(timing=END)
    out = capsys.readouterr().out
    assert "positioners" in out and "slow" not in out and "beamstop" not in out
    scan_meta.metadata_profiling(timing="START")
    out = capsys.readouterr().out
    assert "slow" in out and "beamstop" in out
    with pytest.raises(ValueError):
        scan_meta.metadata_profiling(timing="SOON")


def test_metadata_profile_records(registry):
    registry.technique.timing = START | END
    registry.technique.set("gen", lambda scan: {"a": 1})
    _, _, gatherer = gather(registry)
    records = [(r.name, r.category, r.timing, r.source) for r in gatherer.profile]
    assert ("gen", "technique", START, "user") in records and ("gen", "technique", END, "user") in records
    assert all(not math.isnan(r.seconds) for r in gatherer.profile)


# -- validation at the door ------------------------------------------------------------


@pytest.mark.parametrize(
    "scan_info, fragment",
    [
        ({"instrument": {"a/b": 1}}, "key 'a/b' in 'instrument' is not a valid HDF5 name (it contains '/')"),
        ({"instrument": {"": 1}}, "is empty"),
        ({"instrument": {"g": {".": 1}}}, "key '.' in 'instrument/g'"),
        ({"instrument": {"..": 1}}, "'..'"),
        ({"instrument": {"v": [1, "a"]}}, "value of 'v' in 'instrument' is a list that mixes strings and numbers"),
        ({"instrument": {"v": object()}}, "value of 'v' in 'instrument' is an object of type 'object'"),
        ({"instrument": {"v": [[1, 2], [3]]}}, "not rectangular"),
        ({"instrument": {"v": [1, None]}}, "holds None"),
        ({"instrument": {"v": numpy.array([object()])}}, "dtype object"),
        ({"instrument": {"v@units": {"a": 1}}}, "attribute 'v@units'"),
        ({"instrument": {">v": 3}}, "link '>v'"),
        ({"instrument": {"v@": 3}}, "attribute name is empty"),
        ({"instrument": {1: 2}}, "key 1 in 'instrument' is not a string"),
        ({"technique": 3}, "'technique' must be a dict, not int"),
        ({"scan_meta_categories": ["sample"], "sample": {"a/b": 1}}, "key 'a/b' in 'sample'"),
        ({"scan_meta_categories": "sample"}, "'scan_meta_categories' must be a list"),
    ],
)
def test_check_scan_info_refuses_what_cannot_be_stored(scan_info, fragment):
    with pytest.raises(ValueError) as info:
        scan_meta.check_scan_info(scan_info)
    assert str(info.value).startswith("invalid scan_info: ")
    assert fragment in str(info.value)


def test_check_scan_info_accepts_what_spec_8_allows():
    scan_meta.check_scan_info(
        {
            "instrument": {
                "mygroup": {"myvalue": 10, "myvalue@units": "mm", "@NX_class": "NXcollection"},
                "@default": "mygroup",
                ">link": "../mygroup/myvalue",
                "ext": {">data": "other.h5::/1.1/data"},
                "strings": ["a", "b"],
                "matrix": [[1, 2.5], [3, 4]],
                "array": numpy.arange(3),
                "scalar": numpy.float32(1.0),
                "flag": True,
                "nothing": None,
                "empty": {},
            },
            "scan_meta_categories": ["sample"],
            "sample": {"name": "quartz"},
        }
    )
    with pytest.raises(TypeError):
        scan_meta.check_scan_info([1, 2])


def test_check_scan_info_leaves_keys_that_are_not_written_alone(registry):
    # BLISS scripts pass plot descriptions and other free-form keys in scan_info
    scan_meta.check_scan_info({"plots": [{"kind": "curve-plot", "items": []}], 1: object(),
                               "sample": {"a/b": object()}})


def test_set_refuses_static_dicts_that_cannot_be_stored(registry):
    with pytest.raises(ValueError) as info:
        registry.instrument.set("mymetadata", {"att": {"bad/name": 1}})
    assert str(info.value) == (
        "cannot set 'mymetadata' in scan_meta category 'instrument': "
        "key 'bad/name' in 'att' is not a valid HDF5 name (it contains '/')"
    )
    assert not registry.instrument.is_set("mymetadata")


# -- the documentation's examples ---------------------------------------------------------


def test_the_documentation_examples(registry):
    class MultiplePositions:
        name = "mp"
        position = "IN"

    mp = MultiplePositions()
    scan_meta_obj = scan_meta.get_user_scan_meta()

    def generate_label(scan):
        return {"position_label": mp.position}

    scan_meta_obj.instrument.set(mp, generate_label)
    scan_meta_obj.instrument.set(
        "mymetadata",
        {
            "myattenuator": {
                "@NX_class": "NXattenuator",
                "status": "in",
                "type": "aluminium",
                "thickness": 20.0,
                "thickness@units": "um",
            }
        },
    )
    scan_info = {"instrument": {"mygroup": {"myvalue": 10, "myvalue@units": "mm"}}}
    scan_meta.check_scan_info(scan_info)
    scan, warnings, _ = gather(scan_meta_obj, FakeScan(scan_info))
    instrument = scan.scan_info["instrument"]
    assert instrument["position_label"] == "IN"
    assert instrument["myattenuator"]["thickness@units"] == "um"
    assert instrument["mygroup"] == {"myvalue": 10, "myvalue@units": "mm"}
    assert instrument["@NX_class"] == "NXinstrument"
    assert warnings == []


# == end to end: the real scan engine and real devices =====================================

BEAMLINE_YAML = """
- class: mockup
  axes:
    - name: roby
      velocity: 2500.0
      acceleration: 1000.0
      steps_per_unit: 10000
      unit: mm
    - name: bsy
      velocity: 2500.0
      acceleration: 1000.0
      unit: mm
- name: diode
  class: simulation_diode
- name: beamstop
  class: MultiplePositions
  positions:
    - label: IN
      target:
        - axis: $bsy
          destination: 0
      scan_metadata: {"@NX_class": NXbeam_stop, status: in}
    - label: OUT
      target:
        - axis: $bsy
          destination: 3
      scan_metadata: {"@NX_class": NXbeam_stop, status: out}
"""


class Beamline:
    """Real devices from a small configuration, and a scan context using them."""

    def __init__(self, tmp_path, registry):
        from bliss_lite.config import ClassEntry, Config
        from bliss_lite.devices.mockup import mockup
        from bliss_lite.devices.multiple_positions import multiple_positions
        from bliss_lite.devices.simulation_diode import simulation_diode
        from bliss_lite.scanning.context import ScanContext
        from bliss_lite.scanning.scan_saving import ScanSaving
        from bliss_lite.settings import StateStore

        (tmp_path / "config").mkdir()
        (tmp_path / "sessions").mkdir()
        (tmp_path / "config" / "devices.yml").write_text(BEAMLINE_YAML)
        self.store = StateStore("scan_meta_test", tmp_path / "state")
        classes = {
            "mockup": ClassEntry(mockup, controller=True),
            "MultiplePositions": ClassEntry(multiple_positions),
            "simulation_diode": ClassEntry(simulation_diode),
        }
        config = Config(tmp_path, classes=classes, store=self.store)
        self.roby, self.bsy, self.diode, self.beamstop = (config.get(n) for n in ("roby", "bsy", "diode", "beamstop"))
        saving = ScanSaving("scan_meta_test", self.store)
        saving.base_path = str(tmp_path / "scans")
        self.context = ScanContext(
            session_name="scan_meta_test",
            store=self.store,
            scan_saving=saving,
            scan_meta=registry,
            motors=lambda: [self.roby, self.bsy],
            metadata_devices=lambda: [self.beamstop],
        )
        self.state = current.SessionState("scan_meta_test", self.context)
        current.activate(self.state)

    def loopscan(self, npoints=3, counters=None, run=True, **kw):
        from bliss_lite.scanning.engine import Scan
        from bliss_lite.scanning.toolbox import DefaultAcquisitionChain

        counters = [self.diode] if counters is None else counters
        kw.setdefault("save", False)
        chain = DefaultAcquisitionChain().get({"npoints": npoints, "count_time": 0.01}, counters)
        info = dict(kw.pop("scan_info", None) or {}, type="loopscan", title=f"loopscan {npoints} 0.01",
                    npoints=npoints, count_time=0.01)
        scan = Scan(chain, name="loopscan", scan_info=info, context=self.context, **kw)
        if run:
            scan.run()
        return scan

    def ascan(self, start, stop, npoints, **kw):
        from bliss_lite.scanning.acquisition.motor import VariableStepTriggerMaster
        from bliss_lite.scanning.engine import Scan
        from bliss_lite.scanning.toolbox import DefaultAcquisitionChain

        master = VariableStepTriggerMaster(self.roby, numpy.linspace(start, stop, npoints))
        chain = DefaultAcquisitionChain().get({"npoints": npoints, "count_time": 0.01},
                                              [self.diode], top_master=master)
        scan = Scan(chain, name="ascan", scan_info={"type": "ascan", "title": "ascan"},
                    save=False, context=self.context, **kw)
        scan.run()
        return scan


@pytest.fixture
def beamline(tmp_path, registry):
    bl = Beamline(tmp_path, registry)
    yield bl
    current.deactivate(bl.state)
    bl.store.close()


def test_real_scan_calls_a_three_timing_generator_three_times_with_the_scan(beamline, registry):
    from bliss_lite.scanning.engine import ScanState

    calls = []

    def generator(scan):
        calls.append((scan, scan.state, scan.npoints_done))
        return {"states": [c[1].name for c in calls]}

    registry.technique.timing = START | END | PREPARED
    registry.technique.set("gen", generator)
    scan = beamline.loopscan(3)
    assert [c[0] for c in calls] == [scan, scan, scan]
    assert [c[1] for c in calls] == [ScanState.PREPARING, ScanState.PREPARING, ScanState.STOPPING]
    assert [c[2] for c in calls] == [0, 0, 3]
    assert scan.scan_info["technique"]["states"] == ["PREPARING", "PREPARING", "STOPPING"]


def test_real_scan_precedence_and_multiple_positions_metadata(beamline, registry):
    def generate_label(scan):
        return {"position_label": beamline.beamstop.position}

    registry.instrument.set(beamline.beamstop, generate_label)
    registry.instrument.set("override", {"beamstop": {"status": "user says in"}})
    arg = {"instrument": {"beamstop": {"status": "arg", "note": "from scan_info"}, "mygroup": {"myvalue": 10}}}
    scan = beamline.loopscan(2, scan_info=arg)
    instrument = scan.scan_info["instrument"]
    assert instrument["position_label"] == "IN"
    assert instrument["beamstop"] == {"@NX_class": "NXbeam_stop", "status": "user says in", "note": "from scan_info"}
    assert instrument["mygroup"] == {"myvalue": 10}
    assert instrument["@NX_class"] == "NXinstrument"
    beamline.beamstop.disable_scan_metadata()
    registry.instrument.remove("override")
    scan = beamline.loopscan(2)
    assert "beamstop" not in scan.scan_info["instrument"]


def test_real_scan_positioners_hold_the_positions_the_scan_found(beamline):
    beamline.roby.move(0.25)
    scan = beamline.ascan(0.5, 1.0, 3)
    positioners = scan.scan_info["positioners"]
    assert positioners["positioners_start"] == {"roby": 0.25, "bsy": 0.0}
    assert positioners["positioners_end"] == {"roby": 1.0, "bsy": 0.0}
    assert positioners["positioners_dial_start"]["roby"] == 0.25
    assert positioners["positioners_units"] == {"roby": "mm", "bsy": "mm"}
    assert "positioners" in scan.scan_info["scan_meta_categories"]


def test_real_scan_takes_a_copy_of_the_registry(beamline, registry):
    def meddler(scan):
        registry.technique.set("late", {"late": True})
        registry.technique.timing = START | END
        return {"meddled": True}

    registry.technique.set("meddler", meddler)
    scan = beamline.loopscan(2)
    assert scan.scan_info["technique"] == {"@NX_class": "NXcollection", "meddled": True}
    registry.technique.remove("meddler")
    scan = beamline.loopscan(2)
    assert scan.scan_info["technique"] == {"@NX_class": "NXcollection", "late": True}


class FailingCounter:
    """A Counter whose second read raises (an exception from a device)."""

    name = "failing"
    fullname = "failing_controller:failing"

    def __init__(self):
        self.reads = 0

    def channels(self):
        from bliss_lite.devices.protocols import ChannelSpec

        return [ChannelSpec(self.name, self.fullname)]

    def read(self, count_time):
        self.reads += 1
        if self.reads == 2:
            raise RuntimeError("detector lost")
        return (1.0,)


def test_real_scan_gathers_end_metadata_after_a_failure(beamline, registry):
    registry.instrument.set("label", lambda scan: {"end_reason_seen": scan.scan_info.get("end_reason")})
    scan = beamline.loopscan(5, counters=[FailingCounter()], run=False)
    with pytest.raises(RuntimeError, match="detector lost"):
        scan.run()
    assert scan.scan_info["end_reason"] == "FAILURE"
    assert scan.scan_info["instrument"]["end_reason_seen"] == "FAILURE"
    assert "positioners_end" in scan.scan_info["positioners"]


def test_real_scan_gathers_end_metadata_after_an_abort(beamline, registry):
    from bliss_lite.scanning.engine import ScanAbort

    registry.technique.timing = START | END
    registry.technique.set("gen", lambda scan: {"reason": scan.scan_info.get("end_reason", "running")})
    scan = beamline.loopscan(1000, run=False)
    threading.Timer(0.1, scan.abort).start()
    with pytest.raises(ScanAbort):
        scan.run()
    assert scan.scan_info["technique"]["reason"] == "USER_ABORT"
    assert scan.scan_info["instrument"]["beamstop"]["status"] == "in"
    assert "positioners_end" in scan.scan_info["positioners"]


def test_real_ct_without_saving_gathers_no_user_metadata(beamline, registry):
    registry.technique.set("gen", lambda scan: {"x": 1})
    scan = beamline.loopscan(1, user_metadata=False, in_scans=False)
    assert "technique" not in scan.scan_info
    assert scan.scan_info["instrument"]["beamstop"]["status"] == "in"
    assert scan.scan_info["positioners"]["positioners_start"]["bsy"] == 0.0


def test_metadata_profiling_after_a_ct_shows_the_last_scan_with_user_metadata(beamline, registry, capsys):
    registry.technique.set("label", lambda scan: {"label": 1})
    beamline.loopscan(2)
    beamline.loopscan(1, user_metadata=False, in_scans=False)  # what ct does
    capsys.readouterr()
    scan_meta.metadata_profiling()
    user_table = capsys.readouterr().out.split("CONTROLLERS META DATA")[0]
    assert "label" in user_table


def test_real_scan_survives_failing_generators_and_runs_them_concurrently(beamline, registry, capsys):
    def slow(scan):
        time.sleep(0.5)
        return {"slow": 1}

    for i in range(5):
        registry.technique.set(f"slow{i}", slow)
    registry.technique.set("broken", lambda scan: {}["missing"])
    scan = beamline.loopscan(2)
    assert scan.scan_info["end_reason"] == "SUCCESS"
    assert scan.scan_info["technique"]["slow"] == 1
    err = capsys.readouterr().err
    assert "WARNING: cannot generate metadata from 'broken' for category 'technique': KeyError: 'missing'" in err
    assert "type 'metadata_profiling()' for more details" in err
    scan_meta.metadata_profiling()
    out = capsys.readouterr().out
    assert out.index("slow") < out.index("broken")  # nan last


# == end to end: a session whose setup file uses the documentation's examples ==================

DOC_SETUP = '''
from bliss.scanning import scan_meta

scan_meta_obj = scan_meta.get_user_scan_meta()

mp = beamstop


def generate_label(scan):
    return {"position_label": mp.position}


# mp is a BLISS Multiple Position object
scan_meta_obj.instrument.set(mp, generate_label)

scan_meta_obj.instrument.set("mymetadata", {"myattenuator":
    {"@NX_class": "NXattenuator",
     "status": "in",
     "type": "aluminium",
     "thickness": 20.,
     "thickness@units": "um"}})
'''


@pytest.fixture
def doc_session(tmp_path, monkeypatch):
    """A session ``metatest`` whose setup file registers the documentation's examples."""
    from bliss_lite import open_session

    root = tmp_path / "beamline"
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "config" / "devices.yml").write_text(BEAMLINE_YAML)
    (root / "sessions" / "metatest.yml").write_text(
        "- class: Session\n  name: metatest\n  setup-file: ./metatest_setup.py\n"
    )
    (root / "sessions" / "metatest_setup.py").write_text(DOC_SETUP)
    session = open_session("metatest", root=str(root), verbose=False)
    session.env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    yield session
    session.close()
    scan_meta.set_user_scan_meta(None)


def test_session_setup_file_with_the_documentation_examples(doc_session):
    env = doc_session.env
    registry = scan_meta.get_user_scan_meta()
    assert registry.instrument.keys == ["@NX_class", "beamstop", "mymetadata"]
    scan = env["loopscan"](
        3, 0.01, env["diode"], save=False,
        scan_info={"instrument": {"mygroup": {"myvalue": 10, "myvalue@units": "mm"}}},
    )
    instrument = scan.scan_info["instrument"]
    assert instrument["position_label"] == "IN"
    assert instrument["myattenuator"] == {
        "@NX_class": "NXattenuator", "status": "in", "type": "aluminium", "thickness": 20.0, "thickness@units": "um",
    }
    assert instrument["mygroup"] == {"myvalue": 10, "myvalue@units": "mm"}
    assert instrument["beamstop"] == {"@NX_class": "NXbeam_stop", "status": "in"}
    assert set(scan.scan_info["positioners"]["positioners_start"]) == {"roby", "bsy"}


def test_session_scan_file_holds_the_metadata(doc_session):
    h5py = pytest.importorskip("h5py")
    env = doc_session.env
    env["beamstop"].move("OUT")
    scan = env["loopscan"](
        3, 0.01, env["diode"], scan_info={"instrument": {"mygroup": {"myvalue": 10, "myvalue@units": "mm"}}}
    )
    with h5py.File(scan.filename, "r") as f:
        instrument = f[f"{scan.scan_number}.1/instrument"]
        assert instrument["position_label"][()].decode() == "OUT"
        assert instrument["myattenuator"].attrs["NX_class"] == "NXattenuator"
        assert instrument["myattenuator/thickness"][()] == 20.0
        assert instrument["myattenuator/thickness"].attrs["units"] == "um"
        assert instrument["mygroup/myvalue"][()] == 10
        assert instrument["mygroup/myvalue"].attrs["units"] == "mm"
        assert instrument["beamstop/status"][()].decode() == "out"
        assert instrument["positioners_start/bsy"][()] == 3.0


def test_scan_meta_and_the_writer_share_one_rule_of_what_hdf5_can_hold():
    import datetime

    from bliss_lite.nexus.mapping import convert_value
    from bliss_lite.scan_meta import tree

    values = [1, 2**64, "é", b"x", 1.5, 1j, numpy.float32(1), numpy.arange(3), numpy.array(["a"]),
              [1, 2], [[1, 2], [3]], ["a", 1], [numpy.arange(2), numpy.arange(2)], (1.0, 2.0),
              datetime.datetime(2024, 1, 1), datetime.date(2024, 1, 1), {1, 2}, object(),
              numpy.array([object()]), numpy.datetime64("2024-01-01")]
    for value in values:
        try:
            convert_value(value)
            storable = True
        except ValueError:
            storable = False
        assert (tree.value_problem(value) is None) == storable, value
    assert tree.problems({"when": datetime.datetime(2024, 1, 1)}) == []  # the writer stores it
