"""The ESRF data policy: directories and file names as BLISS 2.4's template, dataset
numbering, the collection and proposal master files (external links read back with
h5py), dataset metadata, SCAN_SAVING.__info__, persistence across restarts."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import h5py
import pytest

from bliss_lite.scanning.esrf_saving import NO_ICAT, ESRFScanSaving
from bliss_lite.settings import StateStore
from test_cli import bliss_lite

SESSION_DIR = datetime.date.today().replace(day=1).strftime("%Y%m%d")


def esrf_beamline(root: Path, data: Path) -> Path:
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "config" / "__init__.yml").write_text(
        "scan_saving:\n  class: ESRFScanSaving\n  beamline: ID00\n"
        f"  tmp_data_root: {data}/tmp\n  visitor_data_root: {data}/visitor\n"
        f"  inhouse_data_root: {data}/id00/inhouse\n")
    (root / "config" / "objects.yml").write_text(
        "- name: diode\n  class: simulation_diode\n"
        "- class: mockup\n  axes:\n    - name: bsy\n      steps_per_unit: 1000\n"
        "      velocity: 1000\n      acceleration: 1e6\n"
        "- name: beamstop\n  class: MultiplePositions\n  positions:\n"
        "    - label: IN\n      target: [{axis: $bsy, destination: 2.5}]\n"
        "      dataset_metadata: {status: in, type: lead}\n"
        "    - label: OUT\n      target: [{axis: $bsy, destination: 0}]\n")
    (root / "sessions" / "s.yml").write_text(
        "- class: Session\n  name: s\n  config-objects: [diode, bsy, beamstop]\n")
    return root


def test_proposal_collection_datasets_and_master_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    root = esrf_beamline(tmp_path / "bl", data)
    commands = """\
beamstop.IN()
newproposal("ihch-1234")
newsample("lyso", description="lysozyme")
loopscan(2, 0, diode)
loopscan(3, 0, diode)
newdataset()
loopscan(2, 0, diode)
newdataset("area")
loopscan(2, 0, diode)
newdataset("area")
loopscan(2, 0, diode)
newdataset(7)
print("FILE", SCAN_SAVING.filename)
"""
    result = bliss_lite("--root", str(root), "-s", "s", cwd=tmp_path, stdin=commands)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(NO_ICAT) == 1
    raw = data / "visitor" / "ihch1234" / "id00" / SESSION_DIR / "RAW_DATA"
    lyso = raw / "lyso"
    assert "Proposal set to 'ihch1234' (session '%s')" % SESSION_DIR in result.stdout
    assert f"Dataset set to 'area_0002'\nData path: {lyso / 'lyso_area_0002'}" in result.stdout
    assert f"FILE {lyso / 'lyso_0007' / 'lyso_0007.h5'}" in result.stdout
    datasets = {"lyso_0001": ["1.1", "2.1"], "lyso_0002": ["1.1"], "lyso_area": ["1.1"],
                "lyso_area_0002": ["1.1"]}
    assert sorted(p.name for p in lyso.iterdir()) == sorted([*datasets, "ihch1234_lyso.h5"])
    assert sorted(p.name for p in raw.iterdir()) == ["ihch1234_id00.h5", "lyso"]
    for name, entries in datasets.items():
        with h5py.File(lyso / name / f"{name}.h5", "r") as f:
            assert list(f) == entries          # each dataset numbers its scans from 1
            dataset = f["1.1/dataset"]
            assert dataset.attrs["NX_class"] == "NXcollection"
            assert dataset["dataset"][()].decode() == name[len("lyso_"):]
            assert dataset["beamstop/status"][()] == b"in"
            assert dataset["proposal"][()] == b"ihch1234" and dataset["sample_name"][()] == b"lyso"
    with h5py.File(lyso / "lyso_0001" / "lyso_0001.h5", "r") as f:
        assert f["1.1/dataset/sample_description"][()] == b"lysozyme"
    links = [f"{name}_{entry}" for name, entries in datasets.items() for entry in entries]
    os.chdir(tmp_path)  # external links resolve from the master file's folder, not the cwd
    for master, folder in ((lyso / "ihch1234_lyso.h5", ""), (raw / "ihch1234_id00.h5", "lyso/")):
        with h5py.File(master, "r") as f:
            assert f.attrs["NX_class"] == "NXroot"
            assert sorted(f) == sorted(links)
            link = f.get("lyso_0001_2.1", getlink=True)
            assert isinstance(link, h5py.ExternalLink)
            assert (link.filename, link.path) == (f"{folder}lyso_0001/lyso_0001.h5", "/2.1")
            assert f["lyso_0001_2.1/measurement/diode"].shape == (3,)

    # a restart keeps the proposal, collection and dataset; the next free number
    # follows the directories that exist (0007 was chosen but never written), as in BLISS
    again = bliss_lite("--root", str(root), "-s", "s", cwd=tmp_path,
                       stdin="print('FILE', SCAN_SAVING.filename)\nenddataset()\n"
                             "print('FILE', SCAN_SAVING.filename)\nSCAN_SAVING\n")
    assert again.returncode == 0, again.stderr
    files = [line.split()[1] for line in again.stdout.splitlines() if line.startswith("FILE")]
    assert files == [str(lyso / "lyso_0007" / "lyso_0007.h5"), str(lyso / "lyso_0003" / "lyso_0003.h5")]
    info = again.stdout[again.stdout.index("Parameters (default) -"):]
    for line in ("  .data_policy           = 'ESRF'",
                 f"  .base_path             = '{data}/visitor'",
                 "  .data_filename         = '{collection_name}_{dataset_name}'",
                 "  .template              = '{proposal_dirname}/{beamline}/{proposal_session_name}"
                 "/RAW_DATA/{collection_name}/{collection_name}_{dataset_name}'",
                 "  .proposal_name         = 'ihch1234'",
                 "  .proposal_type         = 'visitor'",
                 "  .beamline              = 'id00'",
                 f"  .proposal_session_name = '{SESSION_DIR}'",
                 "  .collection_name       = 'lyso'",
                 "  .dataset_name          = '0003'"):
        assert line in info
    assert "does not exist  filename" in info


@pytest.fixture
def saving(tmp_path: Path):
    config = {"class": "ESRFScanSaving", "beamline": "bm02", "tmp_data_root": str(tmp_path / "tmp"),
              "visitor_data_root": str(tmp_path / "visitor"),
              "inhouse_data_root": str(tmp_path / "inhouse")}
    store = StateStore("esrf_test")
    yield ESRFScanSaving("esrf_test", store, [config]), tmp_path, store
    store.close()


def test_proposal_types_and_directories(saving, capsys) -> None:
    scan_saving, root, _ = saving
    assert scan_saving.proposal_name == "bm02" + datetime.date.today().strftime("%y%m")
    assert (scan_saving.proposal_type, scan_saving.base_path) == ("inhouse", str(root / "inhouse"))
    scan_saving.newproposal("02-01234")
    assert (scan_saving.proposal_name, scan_saving.proposal_dirname) == ("0201234", "bm021234")
    assert scan_saving.filename == str(root / "visitor" / "bm021234" / "bm02" / SESSION_DIR /
                                       "RAW_DATA" / "sample" / "sample_0001" / "sample_0001.h5")
    scan_saving.newproposal("Test-7")
    assert (scan_saving.proposal_type, scan_saving.base_path) == ("tmp", str(root / "tmp"))
    scan_saving.endproposal()
    assert scan_saving.proposal_type == "inhouse"
    assert capsys.readouterr().out.count(NO_ICAT) == 1


def test_proposal_session_follows_existing_directories(saving) -> None:
    scan_saving, root, _ = saving
    for name in ("20200101", "20200301", "not_a_date"):
        (root / "visitor" / "hg99" / "bm02" / name).mkdir(parents=True)
    scan_saving.newproposal("hg99")
    assert scan_saving.proposal_session_name == "20200301"   # the latest before now
    scan_saving.newproposal("hg99", session_name="20200101")
    assert scan_saving.proposal_session_name == "20200101"


def test_refusals_are_one_sentence(saving) -> None:
    scan_saving, _, _ = saving
    with pytest.raises(ValueError, match=r"^Proposal name 'a/b' is invalid: it may hold letters, "
                                         r"digits, spaces, '-' and '_' only$"):
        scan_saving.newproposal("a/b")
    with pytest.raises(ValueError, match=r"^the collection name '\.\./x' holds forbidden characters: '/'$"):
        scan_saving.newcollection("../x")
    with pytest.raises(ValueError, match=r"^the dataset name 'a\{b' holds forbidden characters: '\{'$"):
        scan_saving.newdataset("a{b")
    with pytest.raises(AttributeError, match=r"^SCAN_SAVING.base_path is set by the ESRF data policy"):
        scan_saving.base_path = "/elsewhere"
    scan_saving.writer = "null"          # the basic fields still work
    assert scan_saving.writer == "null"


def test_an_existing_dataset_directory_is_never_reused(saving) -> None:
    scan_saving, _, _ = saving
    first = Path(scan_saving.root_path)
    first.mkdir(parents=True)
    scan_saving.newdataset(1)
    assert scan_saving.dataset_name == "0002"
    (first.parent / "sample_0005").mkdir()
    scan_saving.enddataset()
    assert scan_saving.dataset_name == "0006"


def test_commands_need_the_policy(tmp_path: Path) -> None:
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin="newdataset()\n")
    assert ("RuntimeError: this command needs the ESRF data policy (scan_saving: {class: "
            "ESRFScanSaving, ...} in config/__init__.yml); this session uses the basic "
            "SCAN_SAVING") in result.stderr
