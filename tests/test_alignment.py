"""Alignment: the pure computations, and peak/cen/goto_*/where/plotselect on scans."""

from __future__ import annotations

import numpy
import pytest

from bliss_lite.devices.protocols import ChannelSpec, Movable
from bliss_lite import current
from bliss_lite.scanning import alignment, scan_math
from bliss_lite.scanning.context import ScanContext
from bliss_lite.scanning.scan_math import AlignmentError
from bliss_lite.settings import StateStore

X = numpy.linspace(0.0, 1.0, 21)
GAUSS = 100.0 * numpy.exp(-((X - 0.5) ** 2) / (2 * (1 / 6) ** 2))
GAUSS_FWHM = 2 * numpy.sqrt(2 * numpy.log(2)) / 6


# --------------------------------------------------------------------------------------
# Pure functions
# --------------------------------------------------------------------------------------


def test_gaussian_centre_width_peak_com():
    position, width = scan_math.cen(X, GAUSS)
    assert position == pytest.approx(0.5, abs=1e-12)
    assert width == pytest.approx(GAUSS_FWHM, rel=0.02)
    assert scan_math.fwhm(X, GAUSS) == width
    assert scan_math.peak(X, GAUSS) == 0.5
    assert scan_math.com(X, GAUSS) == pytest.approx(0.5, abs=1e-12)
    assert scan_math.trough(X, GAUSS) == 0.0


def test_off_centre_peak_dip_and_steps():
    peak = numpy.exp(-((X - 0.37) ** 2) / (2 * 0.08**2))
    assert scan_math.cen(X, peak).position == pytest.approx(0.37, abs=0.005)
    dip = 10 - 5 * peak
    assert scan_math.cen(X, dip).position == pytest.approx(0.37, abs=0.005)
    assert scan_math.trough(X, dip) == pytest.approx(0.35)
    rising = 1 / (1 + numpy.exp(-(X - 0.3) / 0.05))
    assert scan_math.cen(X, rising).position == pytest.approx(0.3, abs=0.005)
    assert scan_math.cen(X, rising[::-1]).position == pytest.approx(0.7, abs=0.005)
    assert scan_math.cen(X, rising).fwhm == pytest.approx(0.2, abs=0.02)


def test_unordered_and_repeated_positions():
    order = numpy.random.default_rng(1).permutation(X.size)
    assert scan_math.cen(X[order], GAUSS[order]).position == pytest.approx(0.5)
    # A mesh: the same x line twice, the second one weaker.
    x = numpy.concatenate([X, X])
    y = numpy.concatenate([GAUSS, GAUSS / 2])
    assert scan_math.cen(x, y) == scan_math.cen(X, GAUSS)
    assert scan_math.peak(x, y) == 0.5


def test_nan_points_are_ignored():
    y = GAUSS.copy()
    y[3] = numpy.nan
    assert scan_math.cen(X, y).position == pytest.approx(0.5)


@pytest.mark.parametrize(
    "y, message",
    [
        (numpy.full(21, 3.0), "the signal is flat (every value is 3)"),
        (numpy.full(21, numpy.nan), "the signal has no finite value"),
        (numpy.where(X == 0.5, 1.0, numpy.nan), "the signal has a single finite point"),
    ],
)
@pytest.mark.parametrize("function", [scan_math.peak, scan_math.trough, scan_math.com, scan_math.cen])
def test_meaningless_signals_raise(function, y, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        function(X, y)


def test_mismatched_arrays_raise():
    with pytest.raises(AlignmentError, match=r"differ in length \(21 and 3\)"):
        scan_math.peak(X, [1, 2, 3])


# --------------------------------------------------------------------------------------
# On scans
# --------------------------------------------------------------------------------------


class StandInMotor:
    """A Movable that moves instantly, with limits, recording its moves."""

    def __init__(self, name: str, position: float = 0.0, limits=(-10.0, 10.0)) -> None:
        self.name = name
        self._position = position
        self.limits = limits
        self.moves: list[float] = []

    @property
    def position(self) -> float:
        return self._position

    @property
    def dial(self) -> float:
        return self._position

    @property
    def unit(self) -> str | None:
        return "mm"

    @property
    def display_digits(self) -> int:
        return 4

    def check_target(self, target: float) -> None:
        low, high = self.limits
        if not low <= target <= high:
            raise ValueError(f"{self.name}: move to {target} would exceed its limits ({low}, {high})")

    def move(self, target: float, wait: bool = True) -> None:
        self.check_target(target)
        self._position = float(target)
        self.moves.append(float(target))

    def wait_move(self) -> None:
        pass

    def stop(self) -> None:
        pass


class StandInScan:
    """Just what the alignment functions use of a Scan."""

    def __init__(self, number: int, scan_type: str, motors, data: dict, counters, plotselect=()):
        self.name = scan_type
        self.scan_number = number
        self.motors = list(motors)
        self._data = {k: numpy.asarray(v, dtype=float) for k, v in data.items()}
        self.channels = [ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer")]
        self.channels += [ChannelSpec(m.name, f"axis:{m.name}", "mm", kind="motor") for m in self.motors]
        self.channels += [ChannelSpec(c, f"ctrl:{c}") for c in counters]
        self.scan_info = {"type": scan_type, "title": f"{scan_type} test", "plotselect": list(plotselect)}

    def get_data(self):
        return self._data


@pytest.fixture
def session(tmp_path):
    store = StateStore("align_test", directory=tmp_path)
    ctx = ScanContext(session_name="align_test", store=store, scan_saving=None, scan_meta=None)
    state = current.SessionState("align_test", ctx)
    current.activate(state)
    yield ctx
    current.deactivate(state)
    store.close()


def ascan(ctx, motor, counters: dict, number: int = 1, plotselect=()):
    data = {"elapsed_time": X * 0.1, motor.name: X, **counters}
    scan = StandInScan(number, "ascan", [motor], data, list(counters), plotselect)
    ctx.scans.append(scan)
    return scan


def test_cen_of_last_scan_and_goto_cen(session, capsys):
    roby = StandInMotor("roby", position=1.0)
    ascan(session, roby, {"diode": X * 0 + 50 + X, "sim_ct_gauss": GAUSS}, plotselect=["sim_ct_gauss"])
    result = alignment.cen()
    # BLISS 2.4: one axis gives the float itself (here one carrying .position / .fwhm)
    assert isinstance(result, float) and result == pytest.approx(0.5) and result.position == result
    width = result.fwhm
    assert width == pytest.approx(GAUSS_FWHM, rel=0.02)
    assert alignment.fwhm() == width
    assert alignment.peak() == 0.5
    assert alignment.com() == pytest.approx(0.5)
    assert alignment.trough() == 0.0
    assert capsys.readouterr().out == "Counter used: sim_ct_gauss\n" * 5
    assert alignment.goto_cen() == pytest.approx(0.5)
    assert roby.position == pytest.approx(0.5)
    assert capsys.readouterr().out == "Counter used: sim_ct_gauss\nMoving roby from 1.0000 to 0.5000\n"
    alignment.goto_min()
    assert roby.position == 0.0
    alignment.goto_peak()
    alignment.goto_com()
    assert roby.moves == [pytest.approx(0.5), 0.0, 0.5, pytest.approx(0.5)]


def test_counter_choice(session, capsys):
    roby = StandInMotor("roby")
    ramp = 10 * X
    scan = ascan(session, roby, {"diode": ramp, "sim_ct_gauss": GAUSS})
    assert alignment.peak() == 1.0  # no selection: the first counter
    scan.scan_info["plotselect"] = ["nothere", "ctrl:sim_ct_gauss"]
    assert alignment.peak() == 0.5  # recorded with the scan
    alignment.plotselect("diode")
    assert alignment.peak() == 1.0  # the session's current selection wins
    assert alignment.peak("sim_ct_gauss") == 0.5
    assert alignment.peak(counter=StandInMotor("sim_ct_gauss")) == 0.5  # any object with that name
    with pytest.raises(AlignmentError, match=r"Counter 'diode9' is not in scan 1 \(ascan\) \(its counters: diode, sim_ct_gauss\)"):
        alignment.cen("diode9")


def test_given_scan_and_axis(session):
    roby, robz = StandInMotor("roby"), StandInMotor("robz")
    first = ascan(session, roby, {"diode": GAUSS})
    data = {"elapsed_time": X, "roby": X, "robz": 2 + X, "diode": numpy.roll(GAUSS, 4)}
    session.scans.append(StandInScan(2, "a2scan", [roby, robz], data, ["diode"]))
    assert alignment.cen(scan=first).position == pytest.approx(0.5)
    both = alignment.cen()  # BLISS 2.4: several motors give {motor: position}
    assert isinstance(both, alignment.MotionDict) and list(both) == [roby, robz]
    assert both[roby] == pytest.approx(0.7) and both[robz].position == pytest.approx(2.7)
    assert both.__info__() == "{roby: 0.7000, robz: 2.7000}"
    assert alignment.cen(axis=robz).position == pytest.approx(2.7)
    assert alignment.peak(axis="robz") == pytest.approx(2.7)
    with pytest.raises(AlignmentError, match=r"Axis 'bsy' is not a motor of scan 2 \(a2scan\) \(its motors: roby, robz\)"):
        alignment.peak(axis="bsy")
    assert dict(alignment.goto_peak()) == {roby: pytest.approx(0.7), robz: pytest.approx(2.7)}  # the maximum
    assert (roby.position, robz.position) == (pytest.approx(0.7), pytest.approx(2.7))
    alignment.goto_cen(scan=first)
    assert roby.position == pytest.approx(0.5) and robz.position == pytest.approx(2.7)


@pytest.mark.parametrize("goto", ["goto_peak", "goto_cen", "goto_com", "goto_min"])
def test_flat_or_nan_signal_never_moves(session, goto):
    roby = StandInMotor("roby", position=3.0)
    ascan(session, roby, {"flat": numpy.full(21, 7.0), "broken": numpy.full(21, numpy.nan)})
    with pytest.raises(ValueError, match=r"'flat' versus 'roby' in scan 1 \(ascan\): the signal is flat \(every value is 7\)\.$"):
        getattr(alignment, goto)()
    with pytest.raises(ValueError, match=r"the signal has no finite value"):
        getattr(alignment, goto)("broken")
    assert roby.moves == [] and roby.position == 3.0


def test_target_outside_limits_moves_nothing(session, capsys):
    roby, robz = StandInMotor("roby", 1.0), StandInMotor("robz", 2.0, limits=(0.0, 2.4))
    data = {"elapsed_time": X, "roby": X, "robz": 2 + X, "diode": GAUSS}
    session.scans.append(StandInScan(1, "a2scan", [roby, robz], data, ["diode"]))
    with pytest.raises(ValueError, match="robz: move to 2.5"):
        alignment.goto_cen()
    assert roby.moves == [] and robz.moves == []
    assert capsys.readouterr().out == "Counter used: diode\n"  # as BLISS: computed, then refused


def test_loopscan_computes_on_time_but_never_moves(session):
    data = {"elapsed_time": X * 2, "diode": GAUSS}
    session.scans.append(StandInScan(4, "loopscan", [], data, ["diode"]))
    assert alignment.cen().position == pytest.approx(1.0)
    assert alignment.scan_fit("peak", None, None, session.scans[-1], return_axes=True) == {"elapsed_time": 1.0}
    with pytest.raises(AlignmentError, match=r"Cannot goto_cen\(\): scan 4 \(loopscan\) has no motor to move\."):
        alignment.goto_cen()
    with pytest.raises(AlignmentError, match="no motor to move"):
        alignment.goto_min()


def test_no_scan_yet(session):
    with pytest.raises(AlignmentError, match=r"No scan to align on: run a scan first \(SCANS is empty\)\."):
        alignment.cen()


def test_where(session, capsys):
    roby = StandInMotor("roby", position=0.25)
    ascan(session, roby, {"sim_ct_gauss": GAUSS})
    alignment.where()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Scan 1 (ascan): ascan test  counter: sim_ct_gauss"
    assert out[1].startswith("  roby[mm]: current 0.2500   peak 0.5000   cen 0.5000 (fwhm 0.3896)")
    assert out[1].endswith("   com 0.5000   min 0.0000")
    ascan(session, roby, {"flat": numpy.full(21, 1.0)}, number=2)
    alignment.where()
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  roby[mm]: current 0.2500   peak n/a   cen n/a   com n/a   min n/a"
    assert out[2] == "  (flat: the signal is flat (every value is 1))"


def test_plotselect_prints_and_persists(session, tmp_path, capsys):
    alignment.plotselect(StandInMotor("sim_ct_gauss"), "diode", "diode")
    assert capsys.readouterr().out == "\nCurrently plotted counter(s):\n- sim_ct_gauss\n- diode\n\n"
    assert alignment.selected_counters() == ["sim_ct_gauss", "diode"]
    alignment.plotselect()
    out = capsys.readouterr().out
    assert out.startswith("\nplotselect usage:\n    plotselect(<counters>*)\nexample:\n")
    assert out.endswith("Currently plotted counter(s):\n- sim_ct_gauss\n- diode\n\n")
    session.store.close()
    assert StateStore("align_test", directory=tmp_path).get("plotselect") == ["sim_ct_gauss", "diode"]
    with pytest.raises(TypeError, match=r"plotselect\(\) takes counters or counter names, not 3"):
        alignment.plotselect(3)


def test_stand_in_motor_is_movable():
    assert isinstance(StandInMotor("m"), Movable)


# --------------------------------------------------------------------------------------
# End to end: a real session, real scans, a real mockup motor
# --------------------------------------------------------------------------------------


def test_real_ascan_cen_and_goto(tmp_path, capsys):
    from pathlib import Path

    from bliss_lite import open_session

    root = Path(__file__).resolve().parent.parent
    with open_session("demo", root=str(root), verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = str(tmp_path)
        env["SCAN_DISPLAY"].mode = "off"
        roby = env["roby"]
        env["plotselect"](env["sim_ct_gauss"])
        scan = env["ascan"](roby, 0, 1, 20, 0.01, env["diode3"], env["sim_ct_gauss"])
        assert scan.scan_info["plotselect"] == ["sim_ct_gauss"]
        assert env["cen"]().position == pytest.approx(0.5)
        assert scan.cen("sim_ct_gauss").position == pytest.approx(0.5)
        assert env["peak"]() == pytest.approx(0.5)
        capsys.readouterr()
        env["goto_cen"]()
        assert roby.position == pytest.approx(0.5)
        assert capsys.readouterr().out == ("Counter used: sim_ct_gauss\n"
                                           f"Moving roby from {1:.{roby.display_digits}f} to {0.5:.{roby.display_digits}f}\n")
        env["loopscan"](5, 0.01, env["sim_ct_gauss"])
        with pytest.raises(ValueError, match="has no motor to move"):
            env["goto_peak"]()
        assert roby.position == pytest.approx(0.5)


def test_find_position_goto_custom_and_move(session, capsys):
    roby = StandInMotor("roby", position=1.0)
    ascan(session, roby, {"sim_ct_gauss": GAUSS})
    seen = []

    def my_peak(x, y):
        return float(x[numpy.argmax(y)])

    def my_move(positions, relative):
        seen.append((dict(positions), relative))

    assert alignment.find_position(my_peak) == 0.5
    assert alignment.goto_custom(my_peak, move=my_move) == 0.5
    assert seen == [({roby: 0.5}, False)] and roby.moves == []  # the given move did the moving
    assert alignment.goto_cen(move=my_move) == pytest.approx(0.5)
    out = capsys.readouterr().out
    assert out == "Counter used: sim_ct_gauss\n" + ("Counter used: sim_ct_gauss\nMoving roby from 1.0000 to 0.5000\n") * 2
    with pytest.raises(TypeError, match="find_position\\(\\) argument 'func' must be callable, not int"):
        alignment.find_position(3)


def test_markers_for_every_motor(session):
    class Listener:
        def __init__(self):
            self.calls = []

        def alignment_markers(self, key, markers, clear):
            self.calls.append((list(markers), clear))

    listener = Listener()
    session.subscribers.append(listener)
    roby, robz = StandInMotor("roby", 0.5), StandInMotor("robz", 9.0)
    data = {"elapsed_time": X, "roby": X, "robz": 2 + X, "diode": GAUSS}
    scan = StandInScan(1, "a2scan", [roby, robz], data, ["diode"])
    scan.key = "key1"
    session.scans.append(scan)
    alignment.cen()
    markers, clear = listener.calls[-1]
    assert clear and [(m.axis, m.id) for m in markers] == [("roby", "cen"), ("robz", "cen"), ("roby", "current")]
    assert markers[1].position == pytest.approx(2.5) and markers[1].label == "cen\n2.5000"
    alignment.goto_peak()
    (moved, clear_1), (current, clear_2) = listener.calls[-2:]
    assert [m.id for m in moved] == ["peak", "peak"] and clear_1 and not clear_2
    assert [(m.axis, m.id, m.position) for m in current] == [("roby", "current", 0.5), ("robz", "current", 2.5)]


def test_real_a2scan_results_and_quiet_scan_methods(tmp_path, capsys):
    from pathlib import Path

    import h5py

    from bliss_lite import open_session

    root = Path(__file__).resolve().parent.parent
    with open_session("demo", root=str(root), verbose=False) as session:
        env = session.env
        env["SCAN_SAVING"].base_path = str(tmp_path)
        env["SCAN_DISPLAY"].mode = "off"
        roby, robz = env["roby"], env["robz"]
        scan = env["a2scan"](roby, 0, 1, robz, 0, 2, 20, 0.01, env["sim_ct_gauss"])
        with h5py.File(scan.filename, "r") as f:
            entry = f[f"{scan.scan_number}.1/measurement"]
            x, z, y = entry["roby"][()], entry["robz"][()], entry["sim_ct_gauss"][()]
        expected = scan_math.cen(x, y).position
        capsys.readouterr()
        both = env["cen"]()
        assert capsys.readouterr().out == "Counter used: sim_ct_gauss\n"
        assert isinstance(both, alignment.MotionDict) and list(both) == [roby, robz]
        assert both[roby] == pytest.approx(expected) and both[robz] == pytest.approx(scan_math.cen(z, y).position)
        assert both.__info__() == f"{{roby: {roby.axis_rounder(both[roby])}, robz: {robz.axis_rounder(both[robz])}}}"
        assert env["cen"](axis=robz) == both[robz]
        # the Scan's methods are BLISS's: quiet, one axis or return_axes=True
        assert scan.peak("sim_ct_gauss", axis=roby) == pytest.approx(x[numpy.argmax(y)])
        assert dict(scan.com("sim_ct_gauss")) == {roby: env["com"](axis=roby), robz: env["com"](axis=robz)}
        capsys.readouterr()
        scan.goto_cen("sim_ct_gauss")
        assert capsys.readouterr().out == ""
        assert (roby.position, robz.position) == (pytest.approx(both[roby], abs=1e-3), pytest.approx(both[robz], abs=1e-3))
        loop = env["loopscan"](5, 0.01, env["sim_ct_gauss"])
        assert list(loop.fwhm("sim_ct_gauss", return_axes=True)) == ["elapsed_time"]
        assert isinstance(env["peak"](), float)
