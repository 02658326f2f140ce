"""SCAN_SAVING (SPEC 5.3) and scan numbering (SPEC 7.4)."""

from __future__ import annotations

import os
import time

import h5py
import pytest

from scan_fixtures import close_env, make_env

from bliss_lite.scanning import ct, loopscan
from bliss_lite.scanning.scan_saving import ScanSaving
from bliss_lite.settings import StateStore


@pytest.fixture
def store():
    store = StateStore("savingtest")
    yield store
    store.close()


# -- SCAN_SAVING ---------------------------------------------------------------------------

def test_defaults_and_paths(store):
    saving = ScanSaving("demo", store)
    assert (saving.base_path, saving.template, saving.data_filename, saving.writer,
            saving.scan_number_format) == ("/tmp/scans", "{session}/", "data", "hdf5", "%04d")
    assert saving.session == "demo" and saving.user_name
    assert saving.date == time.strftime("%Y%m%d")
    assert saving.root_path == "/tmp/scans/demo"
    assert saving.get_path() == saving.root_path
    assert saving.data_path == "/tmp/scans/demo/data"
    assert saving.filename == "/tmp/scans/demo/data.h5"


def test_template_fields(store, tmp_path):
    saving = ScanSaving("demo", store, user_name="alice")
    saving.base_path = str(tmp_path)
    saving.template = "{session}/{user_name}/{date}/{sample}"
    with pytest.raises(ValueError, match="unknown field 'sample'"):
        saving.filename
    saving.add("sample", "lysozyme")
    assert saving.sample == "lysozyme"
    assert saving.root_path == str(tmp_path / "demo" / "alice" / time.strftime("%Y%m%d") / "lysozyme")
    saving.sample = "insulin"
    assert saving.root_path.endswith("/insulin")
    saving.template = "{session}/{scan_name}_{scan_number}"
    assert saving.filename == str(tmp_path / "demo" / "{scan_name}_{scan_number}" / "data.h5")
    assert saving.scan_filename("ascan", 7) == str(tmp_path / "demo" / "ascan_0007" / "data.h5")
    saving.remove("sample")
    with pytest.raises(AttributeError):
        saving.sample


def test_initial_values_from_config_then_persisted(store, tmp_path):
    config = {"base_path": str(tmp_path / "cfg"), "data_filename": "cfg_data"}
    saving = ScanSaving("demo", store, config)
    assert saving.base_path == str(tmp_path / "cfg") and saving.data_filename == "cfg_data"
    saving.base_path = str(tmp_path / "mine")
    saving.add("proposal", "ma1234")
    store.close()
    reopened = StateStore("savingtest")
    try:
        again = ScanSaving("demo", reopened, config)
        assert again.base_path == str(tmp_path / "mine")
        assert again.data_filename == "cfg_data" and again.proposal == "ma1234"
    finally:
        reopened.close()


def test_read_only_and_checked_fields(store):
    saving = ScanSaving("demo", store)
    for name in ("session", "user_name", "date", "filename", "root_path", "data_path"):
        with pytest.raises(AttributeError, match=f"SCAN_SAVING.{name} is read-only"):
            setattr(saving, name, "x")
    with pytest.raises(AttributeError, match=r"add\('colour'"):
        saving.colour = "blue"
    with pytest.raises(ValueError, match="hdf5, null"):
        saving.writer = "csv"
    saving.writer = "null"
    with pytest.raises(ValueError, match="scan_number_format"):
        saving.scan_number_format = "%s%s"
    with pytest.raises(TypeError, match="base_path must be a string"):
        saving.base_path = 3
    with pytest.raises(ValueError, match="built-in"):
        saving.add("template", "x")


def test_info(store, tmp_path):
    saving = ScanSaving("demo", store)
    saving.base_path = str(tmp_path)
    text = saving.__info__()
    assert text.startswith("Parameters (default)")
    assert "  .base_path" in text and f"'{tmp_path}'" in text and ".session" in text
    assert f"does not exist  filename   {tmp_path}/demo/data.h5" in text
    (tmp_path / "demo").mkdir()
    assert f"exists          directory  {tmp_path}/demo" in saving.__info__()
    saving.writer = "null"
    assert "NO SAVING" in saving.__info__()


# -- numbering -----------------------------------------------------------------------------

def test_numbering_persists_across_sessions(tmp_path):
    env = make_env(tmp_path, session="numbers")
    try:
        assert [loopscan(1, 0, env.diode1).scan_number for _ in range(3)] == [1, 2, 3]
    finally:
        close_env(env)
    env = make_env(tmp_path, session="numbers")
    try:
        assert loopscan(1, 0, env.diode1).scan_number == 4
        assert env.store.get("scan_counter") == 4
    finally:
        close_env(env)


def test_numbering_skips_entries_already_in_the_file(tmp_path):
    env = make_env(tmp_path, session="foreign")
    try:
        filename = env.saving.filename
        os.makedirs(os.path.dirname(filename))
        with h5py.File(filename, "w") as f:
            f.create_group("41.1")
        scan = loopscan(1, 0, env.diode1)
        assert scan.scan_number == 42 and scan.scan_info["scan_nb"] == 42
        assert env.store.get("scan_counter") == 42
    finally:
        close_env(env)


def test_unsaved_scans_have_their_own_counter(tmp_path):
    env = make_env(tmp_path)
    try:
        assert loopscan(1, 0, env.diode1).scan_number == 1
        assert [ct(0, env.diode1).scan_number for _ in range(3)] == [1, 2, 3]
        assert loopscan(1, 0, env.diode1, save=False).scan_number == 4
        assert loopscan(1, 0, env.diode1).scan_number == 2
    finally:
        close_env(env)


def test_file_per_scan_template(tmp_path):
    env = make_env(tmp_path)
    try:
        env.saving.template = "{session}/scan{scan_number}"
        scan = loopscan(1, 0, env.diode1, name="probe")
        assert scan.filename == str(env.base / "scantest" / "scan0001" / "data.h5")
        env.saving.data_filename = "{scan_name}"
        scan = loopscan(1, 0, env.diode1, name="probe")
        assert scan.filename == str(env.base / "scantest" / "scan0002" / "probe.h5")
    finally:
        close_env(env)


def test_configured_values_are_checked_with_file_and_line(tmp_path, capsys):
    from bliss_lite.config import Config

    (tmp_path / "config").mkdir()
    (tmp_path / "sessions").mkdir()
    (tmp_path / "config" / "__init__.yml").write_text(
        "scan_saving:\n  base_path: /data/root\n  data_filename: rootdata\n")
    (tmp_path / "sessions" / "x.yml").write_text(
        "- class: Session\n  name: x\n  scan_saving:\n    base_path: /data/x\n"
        "    writer: nexus\n    base_pth: /oops\n    sample: lyso\n"
        "    class: ESRFScanSaving\n    tmp_data_root: {fs1: /tmp/scans/fs1}\n")
    config = Config(tmp_path, classes={})
    sections = [config.root_settings["scan_saving"], config.sessions["x"]["scan_saving"]]
    saving = ScanSaving("x", None, sections)
    assert (saving.base_path, saving.data_filename, saving.writer) == ("/data/x", "rootdata", "hdf5")
    assert saving.sample == "lyso"
    assert not hasattr(saving, "base_pth")
    assert saving.warnings == [
        "sessions/x.yml, line 5, object 'x': scan_saving: SCAN_SAVING.writer must be one of "
        "hdf5, null, external, not 'nexus'; ignored",
        "sessions/x.yml, line 6, object 'x': scan_saving: unknown key 'base_pth' "
        "(did you mean 'base_path'?); ignored",
    ]
    assert capsys.readouterr().err.count("WARNING: sessions/x.yml, line ") == 2
    plain = ScanSaving("x", None, {"writer": 3, "user_name": "bob"})
    assert plain.warnings == ["scan_saving: SCAN_SAVING.writer must be a string, not int; ignored",
                              "scan_saving: SCAN_SAVING.user_name is read-only and cannot be "
                              "configured; ignored"]
