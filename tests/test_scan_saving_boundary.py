"""SCAN_SAVING's base_path is a boundary: no template or data_filename (nor the value
of a field they use) puts a file outside it; each refusal is one sentence, at
assignment when the text itself is wrong, before the scan when a field's value is."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

from bliss_lite.scanning.scan_saving import ScanSaving
from test_cli import bliss_lite

REFUSED = {
    'SCAN_SAVING.template = ".."':
        "SCAN_SAVING.template '..' contains '..'; the data file must stay inside "
        "SCAN_SAVING.base_path",
    'SCAN_SAVING.template = "{session}/../../up"':
        "SCAN_SAVING.template '{session}/../../up' contains '..'; the data file must stay "
        "inside SCAN_SAVING.base_path",
    'SCAN_SAVING.template = OUTSIDE':
        "is an absolute path; it must be relative to SCAN_SAVING.base_path",
    'SCAN_SAVING.template = "~/x"':
        "SCAN_SAVING.template '~/x' is an absolute path; it must be relative to "
        "SCAN_SAVING.base_path",
    'SCAN_SAVING.data_filename = "../../x"':
        "SCAN_SAVING.data_filename '../../x' contains a path separator; put directories in "
        "SCAN_SAVING.template",
    'SCAN_SAVING.data_filename = OUTSIDE + "/abs"':
        "contains a path separator; put directories in SCAN_SAVING.template",
    'SCAN_SAVING.data_filename = "a\\0b"':
        "SCAN_SAVING.data_filename cannot contain a NUL character: 'a\\x00b'",
    'SCAN_SAVING.template = "{session}/\\0/"':
        "SCAN_SAVING.template cannot contain a NUL character: '{session}/\\x00/'",
    'SCAN_SAVING.data_filename = "a\\x01b"':
        "SCAN_SAVING.data_filename 'a\\x01b' contains a control character",
    'SCAN_SAVING.template = "{session}/a\\nb"':
        "SCAN_SAVING.template '{session}/a\\nb' contains a control character",
    'SCAN_SAVING.data_filename = "..\\\\x"':
        "SCAN_SAVING.data_filename '..\\\\x' contains a backslash; directories are separated by "
        "'/' in SCAN_SAVING.template",
    'SCAN_SAVING.template = "{session}\\\\..\\\\.."':
        "contains a backslash; directories are separated by '/' in SCAN_SAVING.template",
    'SCAN_SAVING.data_filename = ""':
        "SCAN_SAVING.data_filename '' is not a file name",
    'SCAN_SAVING.data_filename = "a" * 250':
        "is too long (250 bytes; a data file name takes at most 249)",
    'SCAN_SAVING.template = "x/" * 3000':
        "is too long (6000 bytes; at most 2048)",
    'SCAN_SAVING.template = "{session}/" + "d" * 256':
        "holds a directory name longer than 255 bytes",
}


def test_refusals_at_assignment_and_before_the_scan_in_a_real_session(tmp_path: Path) -> None:
    base, outside = tmp_path / "base", tmp_path / "outside"
    lines = [f"OUTSIDE = {str(outside)!r}", f"SCAN_SAVING.base_path = {str(base)!r}"]
    lines += list(REFUSED)
    lines += ['SCAN_SAVING.template = "{session}/{sample}/"',
              'SCAN_SAVING.add("sample", "../../..")',
              "loopscan(2, 0, diode)",
              'SCAN_SAVING.add("sample", "s1")',
              'SCAN_SAVING.data_filename = "{sample}_{scan_name}"',
              "print('FILE', loopscan(2, 0, diode).filename)"]
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    errors = [line for line in result.stderr.splitlines() if line.startswith("!!!")]
    assert len(errors) == len(REFUSED) + 1, result.stderr
    for error, expected in zip(errors, REFUSED.values()):
        assert f"ValueError: {expected}" in error or expected in error
    assert ("ValueError: SCAN_SAVING.template evaluates to 'demo/../../../', which contains "
            "'..'; the data file must stay inside SCAN_SAVING.base_path") in errors[-1]
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    data_file = base / "demo" / "s1" / "s1_loopscan.h5"
    scans = base / "demo" / "s1" / "s1_loopscan_scans"  # the data file's own scan files
    assert data_file in written and all(p == data_file or scans in p.parents for p in written), written
    assert f"FILE {base / 'demo' / 's1' / 's1_loopscan.h5'}" in result.stdout
    with h5py.File(data_file, "r") as f:
        assert list(f) == ["1.1"]       # the refused scan never took a number


def test_bliss_fields_keep_working(tmp_path: Path) -> None:
    saving = ScanSaving("demo")
    saving.base_path = str(tmp_path)
    saving.template = "{session}/{date}/{user_name}/{scan_name}_{scan_number}/"
    saving.data_filename = "{session}_{scan_name}_{scan_number}"
    assert saving.scan_filename("ascan", 7) == str(
        tmp_path / "demo" / saving.date / saving.user_name / "ascan_0007" / "demo_ascan_0007.h5")


@pytest.mark.parametrize("key, value, message", [
    ("template", "..", "SCAN_SAVING.template '..' contains '..'"),
    ("data_filename", "a/b", "SCAN_SAVING.data_filename 'a/b' contains a path separator"),
])
def test_configured_value_is_refused_with_file_and_line(tmp_path: Path, key: str, value: str,
                                                        message: str) -> None:
    from bliss_lite.config.loader import load_yaml

    section, _ = load_yaml(f"base_path: {tmp_path}\n{key}: '{value}'\n", "config/__init__.yml")
    saving = ScanSaving("demo", defaults=section)
    assert saving.warnings[0].startswith(f"config/__init__.yml, line 2: scan_saving: {message}")
    assert saving.filename == str(tmp_path / "demo" / "data.h5")


def test_a_symlinked_directory_inside_base_path_pointing_outside(tmp_path: Path) -> None:
    base, outside = tmp_path / "base", tmp_path / "outside"
    (base / "demo").mkdir(parents=True)
    outside.mkdir()
    (base / "demo" / "link").symlink_to(outside)
    (base / "demo" / "inside").symlink_to(base / "demo")    # a link that stays inside is fine
    lines = [f"SCAN_SAVING.base_path = {str(base)!r}",
             'SCAN_SAVING.template = "{session}/link/run1"',
             "loopscan(2, 0, diode)",
             'SCAN_SAVING.template = "{session}/inside/run2"',
             "print('FILE', loopscan(2, 0, diode).filename)"]
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    errors = [line for line in result.stderr.splitlines() if line.startswith("!!!")]
    assert errors == [
        f"!!! === ValueError: The data file {base}/demo/link/run1/data.h5 would be written outside "
        f"SCAN_SAVING.base_path {base}: {base}/demo/link leads to {outside} (a symbolic link). === !!! "
        "( for more details type cmd 'last_error()' )"], result.stderr
    assert list(outside.iterdir()) == []
    assert f"FILE {base}/demo/inside/run2/data.h5" in result.stdout


def test_a_refused_esrf_name_changes_nothing(tmp_path: Path) -> None:
    from test_esrf_data_policy import esrf_beamline

    data = tmp_path / "data"
    root = esrf_beamline(tmp_path / "bl", data)
    commands = ('newproposal("hg123")\nBEFORE = SCAN_SAVING.filename\n'
                'newsample("..")\nnewsample(".")\nnewdataset("..")\nnewsample("a\\x01b")\n'
                'print("SAME", SCAN_SAVING.filename == BEFORE)\n'
                'print("FILE", loopscan(2, 0, diode).filename)\n')
    result = bliss_lite("--root", str(root), "-s", "s", cwd=tmp_path, stdin=commands)
    errors = [line for line in result.stderr.splitlines() if line.startswith("!!!")]
    assert [e.split(" === ")[1] for e in errors] == [
        "ValueError: the collection name '..' is not a directory name",
        "ValueError: the collection name '.' is not a directory name",
        "ValueError: the dataset name '..' is not a directory name",
        "ValueError: the collection name 'a\\x01b' holds forbidden characters: '\\x01'"], result.stderr
    assert "SAME True" in result.stdout
    assert "FILE " + str(data / "visitor" / "hg123") in result.stdout
    assert all(data in p.parents for p in tmp_path.rglob("*.h5") if "bl" not in p.parts)


def test_a_field_value_with_a_control_character_or_a_backslash_refuses_the_scan(tmp_path: Path) -> None:
    base = tmp_path / "base"
    lines = [f"SCAN_SAVING.base_path = {str(base)!r}", 'SCAN_SAVING.add("sample", "s1")',
             'SCAN_SAVING.template = "{session}/{sample}"',
             'SCAN_SAVING.sample = "../x"', "loopscan(1, 0, diode)",
             'SCAN_SAVING.sample = "a\\x07b"', "loopscan(1, 0, diode)",
             'SCAN_SAVING.sample = "..\\\\..\\\\x"', "loopscan(1, 0, diode)"]
    result = bliss_lite("-s", "demo", cwd=tmp_path, stdin="\n".join(lines) + "\n")
    errors = [line.split(" === ")[1] for line in result.stderr.splitlines() if line.startswith("!!!")]
    assert errors == [
        "ValueError: SCAN_SAVING.template evaluates to 'demo/../x', which contains '..'; the data file "
        "must stay inside SCAN_SAVING.base_path",
        "ValueError: SCAN_SAVING.template evaluates to 'demo/a\\x07b', which contains a control character",
        "ValueError: SCAN_SAVING.template evaluates to 'demo/..\\\\..\\\\x', which contains a backslash; "
        "directories are separated by '/' in SCAN_SAVING.template"], result.stderr
    assert not any(p.is_file() for p in tmp_path.rglob("*.h5"))


def test_the_data_file_name_bound_leaves_room_for_the_scans_directory() -> None:
    from bliss_lite.nexus import ondisk
    from bliss_lite.scanning import scan_saving

    assert scan_saving.SCANS_DIR_SUFFIX == ondisk.SCANS_SUFFIX
