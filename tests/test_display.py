"""SCAN_DISPLAY and the scan printer, driven with synthetic scan events."""

from __future__ import annotations

import io
import re
import time

import numpy
import pytest

from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite.scanning.display import DISPLAY_MODES, ScanDisplay, ScanPrinter
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart
from bliss_lite.settings import StateStore

DIODE3 = "simulation_diode_sampling_controller:diode3"
CHANNELS = [
    ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer"),
    ChannelSpec("epoch", "timer:epoch", "s", kind="timer"),
    ChannelSpec("roby", "axis:roby", "mm", kind="motor"),
    ChannelSpec("diode3", DIODE3, "counts"),
]
START = "2024-04-20T10:24:18.000000+02:00"
END = "2024-04-20T10:24:18.312345+02:00"


class StandInScan:
    """What the printer may look at on a scan besides the events."""

    def __init__(self, scan_info: dict) -> None:
        self.name = scan_info["type"]
        self.scan_number = scan_info.get("scan_nb")
        self.scan_info = scan_info
        self.filename = scan_info.get("filename")


class TtyBuffer(io.StringIO):
    """An in-memory terminal."""

    def isatty(self) -> bool:
        return True


def ascan_info(**changes) -> dict:
    info = {
        "type": "ascan",
        "title": "ascan roby 0.0000 1.0000 2 0.1",
        "npoints": 3,
        "count_time": 0.1,
        "scan_nb": 3,
        "filename": "/tmp/scans/demo/data.h5",
        "save": True,
        "session_name": "demo",
        "user_name": "seb",
        "start_time": START,
        "plotselect": [],
    }
    info.update(changes)
    return info


def block(first: int, elapsed, roby, diode3) -> dict:
    n = len(elapsed)
    return {
        "timer:elapsed_time": numpy.asarray(elapsed, dtype=float),
        "timer:epoch": 1.7e9 + numpy.arange(first, first + n, dtype=float),
        "axis:roby": numpy.asarray(roby, dtype=float),
        DIODE3: numpy.asarray(diode3, dtype=float),
    }


def run_three_points(printer, info: dict, end_reason: str = "SUCCESS", npoints_done: int = 3) -> None:
    scan = StandInScan(info)
    printer.scan_start(ScanStart(scan, info, CHANNELS))
    printer.scan_points(ScanPoints(scan, 0, block(0, [0.0, 0.101234], [0.0, 0.5], [49.7712, 50.1234])))
    if npoints_done == 3:
        printer.scan_points(ScanPoints(scan, 2, block(2, [0.202345], [1.0], [48.9876])))
    final = dict(info, end_time=END, end_reason=end_reason)
    printer.scan_end(ScanEnd(scan, final, npoints_done))


TABLE_3_POINTS = """\
Total 3 points

Scan 3 Sat Apr 20 10:24:18 2024 /tmp/scans/demo/data.h5 demo user = seb
ascan roby 0.0000 1.0000 2 0.1

           #         dt[s]      roby[mm]  diode3[counts]
           0             0             0         49.7712
           1      0.101234           0.5         50.1234
           2      0.202345             1         48.9876

Took 0:00:00.312345
"""


def test_table_of_a_three_point_scan(capsys):
    run_three_points(ScanDisplay().subscriber(None), ascan_info())
    assert capsys.readouterr().out == TABLE_3_POINTS


def test_unsaved_scan_and_abort_summary(capsys):
    info = ascan_info(save=False, filename=None)
    run_three_points(ScanPrinter("table"), info, end_reason="USER_ABORT", npoints_done=2)
    out = capsys.readouterr().out
    assert "Scan 3 Sat Apr 20 10:24:18 2024 not saved demo user = seb\n" in out
    assert out.endswith("\nTook 0:00:00.312345 (USER_ABORT after 2/3 points)\n")
    assert "           1      0.101234           0.5         50.1234\n" in out


def test_progress_mode_without_terminal(capsys):
    display = ScanDisplay()
    display.mode = "progress"
    run_three_points(display.subscriber(None), ascan_info())
    out = capsys.readouterr().out
    header = TABLE_3_POINTS.split("           #")[0]
    assert out == header + "   ascan 3/3 points 100%   elapsed 0:00:00   roby[mm] 1\n\nTook 0:00:00.312345\n"


def test_progress_line_on_a_terminal(monkeypatch):
    terminal = TtyBuffer()
    monkeypatch.setattr("sys.stdout", terminal)
    run_three_points(ScanPrinter("progress"), ascan_info())
    out = terminal.getvalue()
    assert "\r\33[2K   ascan 2/3 points  66%   elapsed 0:00:00   roby[mm] 0.5" in out
    assert out.endswith("\r\33[2K   ascan 3/3 points 100%   elapsed 0:00:00   roby[mm] 1\n\nTook 0:00:00.312345\n")
    assert "#" not in out  # no table in progress mode


def test_off_mode_prints_nothing(capsys):
    display = ScanDisplay()
    display.mode = "off"
    assert display.subscriber(None) is None
    assert capsys.readouterr().out == ""


def test_mode_is_checked_and_persisted(tmp_path):
    store = StateStore("display_test", directory=tmp_path)
    display = ScanDisplay(store)
    assert display.mode == "table"
    with pytest.raises(ValueError, match=r"SCAN_DISPLAY.mode must be one of 'table', 'progress', 'off', not 'fancy'"):
        display.mode = "fancy"
    display.mode = "progress"
    store.close()
    reopened = StateStore("display_test", directory=tmp_path)
    assert ScanDisplay(reopened).mode == "progress"
    assert "progress" in ScanDisplay(reopened).__info__()
    reopened.close()
    assert DISPLAY_MODES == ("table", "progress", "off")


CT_OUTPUT = """
   Sat Apr 20 10:24:18 2024

                diode3  =       49.7712     counts (     497.712        counts/s)  simulation_diode_sampling_controller
          sim_ct_gauss  =      100.000             (    1000.00               /s)  sim_ct_gauss_controller
"""


@pytest.mark.parametrize("mode", ["table", "progress"])
@pytest.mark.parametrize("scan_type", ["ct", "sct"])
def test_ct_prints_one_line_per_counter(capsys, mode, scan_type):
    info = ascan_info(type=scan_type, title=f"{scan_type} 0.1", npoints=1, save=scan_type == "sct")
    channels = [CHANNELS[0], CHANNELS[1], CHANNELS[3], ChannelSpec("sim_ct_gauss", "sim_ct_gauss_controller:sim_ct_gauss")]
    scan = StandInScan(info)
    printer = ScanPrinter(mode)
    printer.scan_start(ScanStart(scan, info, channels))
    data = {"timer:elapsed_time": numpy.array([0.1]), "timer:epoch": numpy.array([1.7e9]),
            DIODE3: numpy.array([49.7712]), "sim_ct_gauss_controller:sim_ct_gauss": numpy.array([100.0])}
    printer.scan_points(ScanPoints(scan, 0, data))
    printer.scan_end(ScanEnd(scan, dict(info, end_time=START, end_reason="SUCCESS"), 1))
    assert capsys.readouterr().out == CT_OUTPUT


def test_fast_scan_rows_are_decimated_and_the_last_point_shows(capsys):
    n = 100_000
    info = ascan_info(npoints=n, title="ascan roby 0 1 99999 0")
    scan = StandInScan(info)
    printer = ScanPrinter("table")
    began = time.monotonic()
    printer.scan_start(ScanStart(scan, info, CHANNELS))
    step = 5000
    for first in range(0, n, step):
        index = numpy.arange(first, first + step, dtype=float)
        printer.scan_points(ScanPoints(scan, first, block(first, index * 1e-5, index / n, index)))
    printer.scan_end(ScanEnd(scan, dict(info, end_time=END, end_reason="SUCCESS"), n))
    took = time.monotonic() - began
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^ +\d+  ", line)]
    assert len(rows) <= ScanPrinter.ROW_BURST + ScanPrinter.ROW_RATE * took + 2
    assert rows[-1].split()[0] == str(n - 1)
    assert rows[-1].split()[-1] == f"{n - 1:g}"
    assert re.search(rf"Took 0:00:00.312345 \(\d+ of {n} rows shown\)\n$", out)


def test_slow_scan_shows_every_row(capsys):
    info = ascan_info(npoints=30, title="ascan roby 0 1 29 0.1")
    scan = StandInScan(info)
    printer = ScanPrinter("table")
    printer.scan_start(ScanStart(scan, info, CHANNELS))
    for i in range(30):
        printer.scan_points(ScanPoints(scan, i, block(i, [i * 0.1], [i / 29], [float(i)])))
    printer.scan_end(ScanEnd(scan, dict(info, end_time=END, end_reason="SUCCESS"), 30))
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines() if re.match(r"^ +\d+  ", line)]
    assert rows == [str(i) for i in range(30)]


def test_spectrum_channels_are_listed_not_shown(capsys):
    info = ascan_info()
    channels = CHANNELS + [ChannelSpec("spectrum", "mca:spectrum", shape=(1024,))]
    scan = StandInScan(info)
    printer = ScanPrinter("table")
    printer.scan_start(ScanStart(scan, info, channels))
    out = capsys.readouterr().out
    assert out.startswith("Total 3 points\nActivated counters not shown: spectrum\n\nScan 3 ")
    assert "spectrum" not in out.splitlines()[-1]


def test_output_follows_sys_stdout_at_event_time(monkeypatch):
    printer = ScanDisplay().subscriber(None)
    first, second = io.StringIO(), io.StringIO()
    info = ascan_info()
    scan = StandInScan(info)
    monkeypatch.setattr("sys.stdout", first)
    printer.scan_start(ScanStart(scan, info, CHANNELS))
    monkeypatch.setattr("sys.stdout", second)
    printer.scan_points(ScanPoints(scan, 0, block(0, [0.0], [0.0], [1.0])))
    printer.scan_end(ScanEnd(scan, dict(info, end_time=END, end_reason="SUCCESS"), 1))
    assert first.getvalue().startswith("Total 3 points")
    assert second.getvalue().splitlines()[0].split() == ["0", "0", "0", "1"]


# --------------------------------------------------------------------------------------
# End to end: a real session, real scans
# --------------------------------------------------------------------------------------


def test_real_scans_in_each_mode(tmp_path, capsys):
    from pathlib import Path

    from bliss_lite import open_session

    root = Path(__file__).resolve().parent.parent
    with open_session("demo", root=str(root), verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = str(tmp_path)
        capsys.readouterr()
        scan = env["ascan"](env["roby"], 0, 1, 2, 0.01, env["diode3"])
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == "Total 3 points"
        assert re.fullmatch(rf"Scan {scan.scan_number} \w{{3}} \w{{3}} [ \d]\d [\d:]{{8}} \d{{4}} "
                            rf"{re.escape(scan.filename)} demo user = .*", lines[2])
        assert lines[3] == "ascan roby 0.000000 1.000000 2 0.01"
        assert lines[5].split() == ["#", "dt[s]", "roby[mm]", "diode3[counts]"]
        data = scan.get_data()
        for i in range(3):
            assert lines[6 + i].split() == [str(i), f"{data['elapsed_time'][i]:g}",
                                            f"{data['roby'][i]:g}", f"{data['diode3'][i]:g}"]
        assert re.fullmatch(r"Took \d:\d\d:\d\d(\.\d+)?", lines[-1])

        env["SCAN_DISPLAY"].mode = "progress"
        env["loopscan"](3, 0.01, env["diode3"])
        out = capsys.readouterr().out
        assert "   loopscan 3/3 points 100%   elapsed 0:00:00\n\nTook " in out and "dt[s]" not in out

        env["ct"](0.01, env["diode3"])
        out = capsys.readouterr().out.splitlines()
        assert out[-1].split()[:2] == ["diode3", "="] and out[-1].endswith("counts/s)  simulation_diode_sampling_controller")

        env["SCAN_DISPLAY"].mode = "off"
        env["loopscan"](3, 0.01, env["diode3"])
        env["ct"](0.01, env["diode3"])
        assert capsys.readouterr().out == ""
