"""Simulated counters: simulation_diode (SPEC 3.1) and SimulationCounter (SPEC 3.2)."""

from __future__ import annotations

import math
import statistics
import textwrap
from pathlib import Path

import numpy
import pytest

from bliss_lite.config import Config, ConfigError
from bliss_lite.devices import (
    BUILTIN_CLASSES,
    ChannelSpec,
    Counter,
    PreparesForScan,
    SamplingMode,
    ScanOutline,
    SimulationCounter,
    SimulationDiode,
)
from bliss_lite.devices.simulation_counter import distribution_values

REPO = Path(__file__).resolve().parent.parent


def make_config(tmp_path: Path, text: str) -> Config:
    """A beamline directory holding one configuration file."""
    (tmp_path / "config").mkdir()
    (tmp_path / "sessions").mkdir()
    (tmp_path / "config" / "counters.yml").write_text(textwrap.dedent(text))
    return Config(tmp_path, classes=BUILTIN_CLASSES)


@pytest.fixture
def demo() -> Config:
    return Config(REPO, classes=BUILTIN_CLASSES)


# -- simulation_diode ------------------------------------------------------------------

def test_demo_diodes_are_counters(demo):
    diode3 = demo.get("diode3")
    assert isinstance(diode3, SimulationDiode)
    assert isinstance(diode3, Counter)
    assert diode3.fullname == "simulation_diode_sampling_controller:diode3"
    assert diode3.unit == "counts"
    assert diode3.channels() == (
        ChannelSpec("diode3", "simulation_diode_sampling_controller:diode3", "counts",
                    attrs={"type": "sampling", "mode": "MEAN"}),)


def test_single_samples_lie_in_range_with_two_decimals():
    diode = SimulationDiode("d", mode="SINGLE")
    values = [diode.read(0.1)[0] for _ in range(5000)]
    assert min(values) >= 0.01 and max(values) <= 100.0
    assert all(abs(v * 100 - round(v * 100)) < 1e-6 for v in values)
    # uniform: mean about 50, both ends reached
    assert 47 < statistics.mean(values) < 53
    assert min(values) < 1 and max(values) > 99


def test_mean_of_one_second_is_about_fifty():
    diode = SimulationDiode("d")
    assert SimulationDiode.nsamples(1.0) == 100
    means = [diode.read(1.0)[0] for _ in range(200)]
    # the mean of 100 uniform samples: sigma ~ 2.9
    assert all(30 < m < 70 for m in means)
    assert 48 < statistics.mean(means) < 52


def test_integrate_is_mean_times_count_time():
    diode = SimulationDiode("d", mode=SamplingMode.INTEGRATE, constant=4)
    assert diode.read(0.5) == (2.0,)
    assert SimulationDiode("d", mode="INTEGRATE").read(0.0) == (0.0,)


def test_constant_in_every_mode():
    for mode in ("MEAN", "SINGLE", "LAST"):
        assert SimulationDiode("d", mode=mode, constant=4).read(0.2) == (4,)
    stats = SimulationDiode("d", mode="STATS", constant=4).read(0.05)
    assert stats == (4.0, 5.0, 0.0, 0.0, 4.0, 4.0, 0.0)


def test_stats_mode_channels_and_values():
    diode = SimulationDiode("d7", mode="STATS", unit="mm")
    names = [c.name for c in diode.channels()]
    assert names == ["d7", "d7_N", "d7_std", "d7_var", "d7_min", "d7_max", "d7_p2v"]
    units = [c.unit for c in diode.channels()]
    assert units == ["mm", "#", "mm", "mm^2", "mm", "mm", "mm"]
    assert all(c.attrs == {"type": "sampling", "mode": "STATS"} for c in diode.channels())
    mean, n, std, var, low, high, p2v = diode.read(0.1)
    assert n == 10
    assert low <= mean <= high
    assert math.isclose(std * std, var)
    assert math.isclose(p2v, high - low)


def test_samples_mode_gives_every_sample():
    diode = SimulationDiode("d9", mode="SAMPLES")
    main, samples = diode.channels()
    assert samples.name == "d9_samples" and samples.shape == (-1,)
    mean, values = diode.read(0.5)
    assert isinstance(values, numpy.ndarray) and values.shape == (50,)
    assert math.isclose(mean, float(values.mean()))
    # many samples are drawn with numpy: still in range, two decimals
    _, many = diode.read(2.0)
    assert many.shape == (200,) and many.min() >= 0.01 and many.max() <= 100.0


def test_mode_can_change_at_run_time():
    diode = SimulationDiode("d")
    diode.mode = "stats"
    assert diode.mode is SamplingMode.STATS and len(diode.channels()) == 7
    with pytest.raises(ValueError, match="d: invalid sampling mode 'BAD'"):
        diode.mode = "BAD"


def test_diode_info_is_bliss_like(demo):
    assert demo.get("diode").__info__() == (
        "'diode` counter info:\n"
        "  counter type = sampling\n"
        "  sampling mode = MEAN\n"
        "  fullname = simulation_diode_sampling_controller:diode\n"
        "  unit = None\n"
        "  mode = MEAN (1)\n")


def test_diode_configuration(tmp_path):
    cfg = make_config(tmp_path, """\
        - name: d4
          class: simulation_diode
          constant: 4
          independent: true
        - name: d6
          class: simulation_diode
          mode : INTEGRATE
        - name: bad_mode
          class: simulation_diode
          mode: AVERAGE
        - name: bad_constant
          class: simulation_diode
          constant: four
        - name: typo
          class: simulation_diode
          constnt: 3
        """)
    assert cfg.get("d4").read(1.0) == (4.0,)
    assert cfg.get("d6").mode is SamplingMode.INTEGRATE
    with pytest.raises(ConfigError) as err:
        cfg.get("bad_mode")
    assert str(err.value).startswith("config/counters.yml, line 10, object 'bad_mode': "
                                     "invalid sampling mode 'AVERAGE'")
    with pytest.raises(ConfigError, match=r"line 13, object 'bad_constant': 'constant' must "
                                          r"be a number, got 'four'"):
        cfg.get("bad_constant")
    cfg.get("typo")
    assert any("unknown key 'constnt' (did you mean 'constant'?)" in w for w in cfg.warnings)


def test_reading_is_not_slowed_by_sampling():
    """count_time is waited by the scan, never by read(): 100 "1 s" points are drawn
    long before the 100 s that sleeping would take (a hang guard, not a speed bound)."""
    import threading

    diode = SimulationDiode("d")
    reader = threading.Thread(target=lambda: [diode.read(1.0) for _ in range(100)], daemon=True)
    reader.start()
    reader.join(60)
    assert not reader.is_alive()


# -- SimulationCounter -----------------------------------------------------------------

def test_gaussian_peak_mid_range(demo):
    gauss = demo.get("sim_ct_gauss")
    assert isinstance(gauss, PreparesForScan) and isinstance(gauss, Counter)
    gauss.prepare_for_scan(ScanOutline("ascan", 21, 0.01, motor_start=0.0, motor_stop=1.0))
    values = [gauss.read(0.01)[0] for _ in range(21)]
    peak = max(range(21), key=values.__getitem__)
    assert peak == 10  # x = 0.5
    assert values[10] == pytest.approx(100.0)
    assert values == pytest.approx(values[::-1])  # symmetric about the middle
    # sigma = range / 6: at x = mu ± sigma the value is height × e^-0.5
    x = [i / 20 for i in range(21)]
    expected = [100 * math.exp(-((v - 0.5) ** 2) / (2 * (1 / 6) ** 2)) for v in x]
    assert values == pytest.approx(expected)


def test_gaussian_centre_of_mass_over_a_reversed_range():
    cnt = SimulationCounter("g", "GAUSSIAN", height_factor=10)
    cnt.prepare_for_scan(ScanOutline("dscan", 41, 0.0, motor_start=3.0, motor_stop=-1.0))
    x = numpy.linspace(3.0, -1.0, 41)
    y = numpy.array([cnt.read(0)[0] for _ in range(41)])
    assert float((x * y).sum() / y.sum()) == pytest.approx(1.0)


def test_ct_reads_height_factor(demo):
    gauss = demo.get("sim_ct_gauss")
    gauss.prepare_for_scan(ScanOutline("ct", 1, 0.1))
    assert gauss.read(0.1) == (100.0,)
    assert gauss.read(0.1) == (100.0,)
    fresh = SimulationCounter("fresh", "GAUSSIAN", height_factor=7)
    assert fresh.read(0.1) == (7,)  # never prepared: the height


def test_point_index_without_motor():
    cnt = SimulationCounter("lin", "LINEAR", height_factor=10)
    cnt.prepare_for_scan(ScanOutline("loopscan", 11, 0.1))
    assert [cnt.read(0.1)[0] for _ in range(11)] == pytest.approx(list(range(11)))
    assert cnt.read(0.1) == (10.0,)  # past the end: the last value
    cnt.prepare_for_scan(ScanOutline("timescan", 0, 0.1))  # endless: flat
    assert cnt.read(0.1) == (10,)


def test_positions_and_other_distributions():
    cnt = SimulationCounter("s", "SIGMOID", height_factor=2)
    cnt.prepare_for_scan(ScanOutline("lookupscan", 3, 0.1, positions=[0.0, 5.0, 10.0]))
    low, mid, high = (cnt.read(0)[0] for _ in range(3))
    assert low < 0.1 and mid == pytest.approx(1.0) and high > 1.9
    flat = SimulationCounter("f", "FLAT", height_factor=12)
    flat.prepare_for_scan(ScanOutline("ascan", 5, 0.1, motor_start=0, motor_stop=1))
    assert [flat.read(0)[0] for _ in range(5)] == [12] * 5
    assert distribution_values("GAUSSIAN", [1.0, 1.0]) == [1.0, 1.0]  # no range: flat
    assert distribution_values("GAUSSIAN", [0, 1, 2], mu_offset=1.0)[2] == pytest.approx(1.0)


def test_noise_multiplies_by_one_plus_rand_times_factor():
    cnt = SimulationCounter("n", "FLAT", height_factor=12, noise_factor=1.01)
    values = [cnt.read(0.1)[0] for _ in range(2000)]
    assert all(12 <= v <= 12 * 2.01 for v in values)
    assert max(values) > 20 and min(values) < 13


def test_simulation_counter_configuration(tmp_path):
    cfg = make_config(tmp_path, """\
        - name: sim_ct_linear
          class: SimulationCounter
          distribution: LINEAR
          noise_factor: 0.0
        - name: wrong
          class: SimulationCounter
          distribution: POISSON
        """)
    linear = cfg.get("sim_ct_linear")
    assert linear.distribution == "LINEAR" and linear.height_factor == 1.0
    assert linear.fullname == "simulation_counter_controller:sim_ct_linear"
    with pytest.raises(ConfigError, match=r"line 7, object 'wrong': unknown distribution "
                                          r"'POISSON'"):
        cfg.get("wrong")
