"""SPEC 8 "Rules": metadata dicts to HDF5, written to real files and read back."""

from __future__ import annotations

import datetime

import h5py
import numpy
import pytest

from bliss_lite.nexus.mapping import check_metadata, convert_value, resolve_path, write_dict


@pytest.fixture
def h5(tmp_path):
    with h5py.File(tmp_path / "m.h5", "w") as f:
        yield f.create_group("1.1").create_group("instrument")


def write(group, data, **kwargs):
    warnings: list[tuple[str, str]] = []
    write_dict(group, data, where="instrument", warn=lambda key, reason: warnings.append((key, reason)), **kwargs)
    return warnings


def test_nested_dicts_are_groups_with_their_nx_class(h5):
    assert write(h5, {
        "att": {"@NX_class": "NXattenuator", "status": "in"},
        "plain": {"NX_class": "NXbeam_stop", "status": "out"},
        "other": {"x": 1, "deeper": {"y": 2}},
    }) == []
    assert h5["att"].attrs["NX_class"] == "NXattenuator"
    assert h5["plain"].attrs["NX_class"] == "NXbeam_stop" and "NX_class" not in h5["plain"]
    assert h5["other"].attrs["NX_class"] == "NXcollection"
    assert h5["other/deeper"].attrs["NX_class"] == "NXcollection"
    assert h5["other/deeper/y"][()] == 2


def test_attributes_on_items_on_groups_and_on_missing_items(h5):
    write(h5, {
        "mygroup": {"myvalue": 10, "myvalue@units": "mm", "@comment": "on the group"},
        "myattenuator@NX_class": "NXattenuator",
        "lonely@units": "mm",
    })
    assert h5["mygroup/myvalue"][()] == 10
    assert h5["mygroup/myvalue"].attrs["units"] == "mm"
    assert h5["mygroup"].attrs["comment"] == "on the group"
    assert isinstance(h5["myattenuator"], h5py.Group) and len(h5["myattenuator"]) == 0
    assert h5["myattenuator"].attrs["NX_class"] == "NXattenuator"
    assert h5["lonely"].attrs["units"] == "mm"


def test_bliss_data_dict_is_a_dataset_with_attributes(h5):
    write(h5, {"myattenuator": {"@NX_class": "NXattenuator", "status": "in", "type": "aluminium",
                                "thickness": {"@data": 20.0, "@units": "um"}}})
    assert h5["myattenuator/thickness"][()] == 20.0
    assert h5["myattenuator/thickness"].attrs["units"] == "um"
    assert h5["myattenuator/type"].asstr()[()] == "aluminium"


def test_links_soft_relative_absolute_and_external(h5):
    h5.create_group("roby").create_dataset("value", data=[1.0, 2.0])
    write(h5, {"g": {">rel": "../roby/value", ">abs": "/1.1/instrument/roby", ">ext": "other.h5::/entry/data"}})
    assert h5["g"].get("rel", getlink=True).path == "/1.1/instrument/roby/value"
    assert list(h5["g/rel"][()]) == [1.0, 2.0]
    assert h5["g"].get("abs", getlink=True).path == "/1.1/instrument/roby"
    ext = h5["g"].get("ext", getlink=True)
    assert isinstance(ext, h5py.ExternalLink) and (ext.filename, ext.path) == ("other.h5", "/entry/data")
    assert resolve_path("/1.1/instrument/g", "x/../../y") == "/1.1/instrument/y"


def test_value_conversions_keep_types(h5):
    write(h5, {"v": {
        "s": "text", "i": 3, "f": 2.5, "b": True, "f32": numpy.float32(1.5), "u8": numpy.uint8(7),
        "ints": [1, 2, 3], "floats": (1.0, 2.0), "arr": numpy.arange(6).reshape(2, 3),
        "strs": ["a", "bc"], "ustrs": numpy.array(["x", "yz"]), "date": datetime.date(2024, 1, 2),
        "none": None, "empty": {}, "only_class": {"@NX_class": "NXsample"},
        "nested_empty": {"@NX_class": "NXsample", "inner": {"@NX_class": "NXcollection"}},
    }})
    v = h5["v"]
    assert v["s"].asstr()[()] == "text" and v["s"].shape == ()
    assert v["i"].dtype.kind == "i" and v["i"][()] == 3
    assert v["f"].dtype == numpy.float64 and v["b"][()] == True  # noqa: E712
    assert v["f32"].dtype == numpy.float32 and v["u8"].dtype == numpy.uint8
    assert list(v["ints"][()]) == [1, 2, 3] and list(v["floats"][()]) == [1.0, 2.0]
    assert v["arr"].shape == (2, 3)
    assert list(v["strs"].asstr()[()]) == ["a", "bc"] and list(v["ustrs"].asstr()[()]) == ["x", "yz"]
    assert v["date"].asstr()[()] == "2024-01-02"
    for skipped in ("none", "empty", "only_class", "nested_empty"):
        assert skipped not in v


@pytest.mark.parametrize("value, reason", [
    ([1, "a"], "only numbers or only strings"),
    (object(), "cannot be stored"),
    ([[1, 2], [3]], "rectangular"),
    ([1, None], "only numbers or only strings"),
])
def test_bad_values_are_skipped_with_a_warning_naming_the_key(h5, value, reason):
    warnings = write(h5, {"g": {"bad": value, "good": 1}})
    assert len(warnings) == 1
    key, text = warnings[0]
    assert key == "instrument/g/bad" and reason in text
    assert "bad" not in h5["g"] and h5["g/good"][()] == 1


@pytest.mark.parametrize("name", ["a/b", "", ".", ".."])
def test_bad_names_are_skipped_with_a_warning(h5, name):
    warnings = write(h5, {"g": {name: 1, "good": 2}})
    assert len(warnings) == 1 and warnings[0][0] == f"instrument/g/{name}"
    assert list(h5["g"]) == ["good"]


def test_check_metadata_reports_what_write_would_skip():
    assert check_metadata({"a": {"x": 1, "y@units": "mm"}}) == []
    problems = check_metadata({"a": {"x/y": 1, "z": [1, "a"], "w@units": object()}}, "instrument")
    assert problems == [
        "instrument/a/x/y: a name cannot contain '/'",
        "instrument/a/z: a list must hold only numbers or only strings, not int, str",
        "instrument/a/w@units: a value of type object cannot be stored",
    ]


def test_rewriting_replaces_changed_values_and_keeps_equal_ones(h5):
    write(h5, {"g": {"a": 1, "b": "x", "c": [1, 2]}})
    h5["g/b"].attrs["marker"] = 1  # survives only if "b" is left alone
    write(h5, {"g": {"a": 2, "b": "x", "c": ["p", "q"], "d": 4}})
    assert h5["g/a"][()] == 2 and list(h5["g/c"].asstr()[()]) == ["p", "q"] and h5["g/d"][()] == 4
    assert h5["g/b"].attrs["marker"] == 1


def test_protected_items_are_never_replaced(h5):
    h5.create_dataset("value", data=[1.0, 2.0])
    warnings = write(h5, {"value": 5, "extra": 1}, protected={"value"})
    assert list(h5["value"][()]) == [1.0, 2.0] and h5["extra"][()] == 1
    assert warnings and warnings[0][0] == "instrument/value"


def test_convert_value_is_strict():
    assert convert_value("x") == "x"
    with pytest.raises(ValueError, match="too large"):
        convert_value(2**70)
    with pytest.raises(ValueError, match="type set cannot be stored"):
        convert_value({1, 2})
    with pytest.raises(ValueError, match="not dict, str"):
        convert_value(["a", {"b": 1}])
