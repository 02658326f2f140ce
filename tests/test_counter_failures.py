"""A failing device keeps what was acquired: a counter raising, or returning a value
its channel cannot hold, ends the scan with FAILURE, every complete point before it
in the file (read back with h5py), and one sentence naming the counter, the point
index and what it returned.  NaN is data, not an error."""

from __future__ import annotations

import math

import h5py
import numpy
import pytest

from bliss_lite.devices.protocols import ChannelSpec
from bliss_lite.scanning.engine import ScanState
from bliss_lite.scanning.scans import loopscan
from scan_fixtures import close_env, make_env

BAD_AT = 49


class BadCounter:
    """Good values, then ``bad`` (a value or a callable raising) at point BAD_AT."""

    def __init__(self, bad, channels: int = 1, shape: tuple = ()) -> None:
        self.name = "bad"
        self.fullname = "ctl:bad"
        self.bad = bad
        self.index = 0
        self.shape = shape
        self._channels = [ChannelSpec(f"bad{i or ''}", f"ctl:bad{i or ''}", shape=shape) for i in range(channels)]

    def channels(self):
        return self._channels

    def read(self, count_time):
        i, self.index = self.index, self.index + 1
        if i == BAD_AT:
            if callable(self.bad):
                self.bad()
            return self.bad
        good = numpy.full(self.shape, float(i)) if self.shape else float(i)
        return [good] * len(self._channels)


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path, writer=True)
    yield env
    close_env(env)


def boom():
    raise RuntimeError("detector on fire")


CASES = {
    "a string": (["oops"], ValueError, r"returned 'oops' \(str\) at point 49 instead of a number"),
    "None": (None, ValueError, "returned None at point 49 instead of a list of 1 value"),
    "a bare number": (3.5, ValueError, r"returned 3.5 \(float\) at point 49 instead of a list of 1 value"),
    "None inside": ([None], ValueError, "returned None at point 49 instead of a number"),
    "too many values": ([1.0, 2.0], ValueError, "returned 2 values at point 49 instead of 1 value"),
    "no value": ([], ValueError, "returned 0 values at point 49 instead of 1 value"),
    "an array for a number": ([numpy.arange(3.0)], ValueError,
                              r"returned array\(\[0., 1., 2.\]\) \(ndarray\) at point 49 instead of a number"),
    "an exception": (boom, RuntimeError, "failed at point 49: RuntimeError: detector on fire"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_counter_value_keeps_the_points_before_it(env, case):
    bad, error, message = CASES[case]
    counter = BadCounter(bad)
    with pytest.raises(error, match=rf"^counter 'bad' {message}$"):  # (message: a regex)
        loopscan(100, 0, env.diode1, counter)
    scan = env.ctx.scans[-1]
    assert scan.state == ScanState.KILLED and scan.scan_info["end_reason"] == "FAILURE"
    assert len(scan.get_data()["bad"]) == BAD_AT
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert entry["end_reason"].asstr()[()] == "FAILURE"
        assert list(entry["measurement/bad"][()]) == [float(i) for i in range(BAD_AT)]
        assert entry["measurement/diode"].shape == (BAD_AT,)


def test_wrong_number_of_values_from_a_multi_channel_counter(env):
    counter = BadCounter([1.0], channels=2)
    with pytest.raises(ValueError, match=r"^counter 'bad' returned 1 values at point 49 instead of 2 values$"):
        loopscan(60, 0, counter)
    assert len(env.ctx.scans[-1].get_data()["bad1"]) == BAD_AT


def test_wrong_shape_from_a_spectrum_counter(env):
    counter = BadCounter([numpy.zeros(3)], shape=(4,))
    with pytest.raises(ValueError, match=r"returned array\(\[0., 0., 0.\]\) \(ndarray\) at point 49 "
                                         r"instead of an array of shape \(4,\)$"):
        loopscan(60, 0, counter)
    scan = env.ctx.scans[-1]
    with h5py.File(scan.filename, "r") as f:
        assert f[f"{scan.scan_number}.1/measurement/bad"].shape == (BAD_AT, 4)


def test_nan_is_data(env):
    scan = loopscan(60, 0, BadCounter([math.nan]))
    assert scan.state == ScanState.DONE
    data = scan.get_data()["bad"]
    assert len(data) == 60 and math.isnan(data[BAD_AT])


# -- a number of points memory cannot hold: refused at call time, run=False included ----


def test_more_points_than_memory_can_hold_are_refused_at_call_time(env):
    with pytest.raises(ValueError, match=r"^loopscan\(\) argument 'npoints' must be at most \d+ \(more points "
                                         r"than this machine's memory can hold\), not 1180591620717411303424$"):
        loopscan(2**70, 0, env.diode1, run=False)
    from bliss_lite.scanning.scans import ascan

    with pytest.raises(ValueError, match=r"^ascan\(\) argument 'intervals' must be at most"):
        ascan(env.roby, 0, 1, 2**62, 0, env.diode1, run=False)
    assert env.roby.position == 0 and not env.ctx.scans


def test_a_scan_whose_channels_cannot_fit_in_memory_is_refused(env):
    from bliss_lite.scanning import _arguments

    n = _arguments.memory_bytes() // 16  # allowed as a count, but 3 channels of it are too much
    with pytest.raises(ValueError, match=rf"^loopscan: {n} points of 3 channels need .* GB of memory, "
                                         r"more than this machine has \(.* GB\)$"):
        loopscan(n, 0, env.diode1, run=False)


def test_a_mesh_whose_total_cannot_fit_in_memory_is_refused_before_its_positions_are_made(env):
    from bliss_lite.scanning.scans import amesh

    # each axis count is allowed; their product (2**40 points) is refused in one sentence
    with pytest.raises(ValueError, match=r"^amesh: 1099513724929 points of 4 channels need .* GB of memory, "
                                         r"more than this machine has \(.* GB\)$"):
        amesh(env.roby, 0, 1, 2**20, env.robz, 0, 1, 2**20, 0, env.diode1, run=False)
    assert env.roby.position == 0 and env.robz.position == 0 and not env.ctx.scans
