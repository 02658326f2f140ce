"""The standard scans: points and positions, titles, types, argument checks, limits."""

from __future__ import annotations

import time

import numpy
import pytest

from scan_fixtures import Group, axis, close_env, make_env

from bliss_lite.scanning import (
    a2scan,
    amesh,
    anscan,
    ascan,
    cen,
    ct,
    d2scan,
    dmesh,
    dnscan,
    dscan,
    lineup,
    lookupscan,
    loopscan,
    pointscan,
    sct,
    timescan,
)


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path)
    yield env
    close_env(env)


def _positions(scan, motor):
    return scan.get_data()[motor.name].tolist()


# -- points and positions ----------------------------------------------------------------

def test_ascan_points(env):
    scan = ascan(env.roby, 0, 1, 10, 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), numpy.linspace(0, 1, 11))
    assert scan.scan_info["npoints"] == 11 and scan.scan_info["start"] == [0] and scan.scan_info["stop"] == [1]
    assert env.roby.position == 1


def test_dscan_is_relative_and_moves_back(env):
    env.roby.move(2)
    scan = dscan(env.roby, -1, 1, 4, 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [1, 1.5, 2, 2.5, 3])
    assert env.roby.position == 2
    assert scan.scan_info["type"] == "dscan"
    assert scan.scan_info["title"] == "ascan roby 1.000000 3.000000 4 0"


def test_a2scan_and_d2scan(env):
    scan = a2scan(env.roby, 0, 1, env.robz, 10, 20, 2, 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [0, 0.5, 1])
    assert numpy.allclose(_positions(scan, env.robz), [10, 15, 20])
    assert scan.scan_info["title"] == "a2scan roby 0.000000 1.000000 robz 10.00000 20.00000 2 0"
    env.roby.move(1)
    env.robz.move(1)
    scan = d2scan(env.roby, 0, 1, env.robz, -1, 0, 1, 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [1, 2])
    assert numpy.allclose(_positions(scan, env.robz), [0, 1])
    assert scan.scan_info["title"] == "a2scan roby 1.000000 2.000000 robz 0.00000 1.00000 1 0"
    assert scan.scan_info["type"] == "d2scan"
    assert (env.roby.position, env.robz.position) == (1, 1)


def test_anscan_and_dnscan(env):
    third = axis("third", steps_per_unit=1)
    scan = anscan([(env.roby, 0, 2), (env.robz, 0, 4), (third, 5, 7)], 2, 0, env.diode1)
    assert numpy.allclose(_positions(scan, third), [5, 6, 7])
    assert scan.scan_info["type"] == "a3scan"  # BLISS 2.4 types anscan as aNscan
    assert scan.scan_info["title"].startswith("a3scan roby 0.000000 2.000000 robz")
    assert scan.scan_info["title"].endswith("third 5.00000 7.00000 2 0")
    third.move(10)
    scan = dnscan([(third, -1, 1)], 2, 0, env.diode1)
    assert numpy.allclose(_positions(scan, third), [9, 10, 11])
    assert third.position == 10 and scan.scan_info["title"] == "ascan third 9.00000 11.00000 2 0"


def test_amesh_first_motor_fastest(env):
    scan = amesh(env.roby, 0, 1, 2, env.robz, 0, 10, 1, 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [0, 0.5, 1, 0, 0.5, 1])
    assert numpy.allclose(_positions(scan, env.robz), [0, 0, 0, 10, 10, 10])
    info = scan.scan_info
    assert (info["npoints"], info["npoints1"], info["npoints2"], info["data_dim"]) == (6, 3, 2, 2)
    assert info["title"] == "amesh roby 0.000000 1.000000 2 robz 0.00000 10.00000 1 0"


def test_amesh_back_and_forth(env):
    scan = amesh(env.roby, 0, 1, 1, env.robz, 0, 2, 2, 0, env.diode1, backnforth=True)
    assert numpy.allclose(_positions(scan, env.roby), [0, 1, 1, 0, 0, 1])
    assert numpy.allclose(_positions(scan, env.robz), [0, 0, 1, 1, 2, 2])


def test_dmesh_relative_moves_back(env):
    env.roby.move(1)
    env.robz.move(-1)
    scan = dmesh(env.roby, -1, 1, 1, env.robz, 0, 1, 1, 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [0, 2, 0, 2])
    assert numpy.allclose(_positions(scan, env.robz), [-1, -1, 0, 0])
    assert scan.scan_info["title"] == "amesh roby 0.000000 2.000000 1 robz -1.00000 0.00000 1 0"
    assert scan.scan_info["type"] == "dmesh"
    assert (env.roby.position, env.robz.position) == (1, -1)


def test_lookupscan_and_pointscan(env):
    scan = lookupscan([(env.roby, numpy.array([0, 0.5, 2])), (env.robz, [3, 1, 2])], 0.01, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [0, 0.5, 2])
    assert numpy.allclose(_positions(scan, env.robz), [3, 1, 2])
    assert scan.scan_info["title"] == "lookupscan 0.010000 on motors (roby,robz)"
    scan = pointscan(env.roby, [1, 3, 2], 0, env.diode1)
    assert numpy.allclose(_positions(scan, env.roby), [1, 3, 2])
    assert scan.scan_info["type"] == "pointscan"
    assert scan.scan_info["title"] == "lookupscan 0.000000 on motors (roby)"
    with pytest.raises(ValueError, match="same number of positions"):
        lookupscan([(env.roby, [0, 1]), (env.robz, [0])], 0, env.diode1)


def test_count_scans(env):
    scan = loopscan(4, 0, env.diode1)
    assert len(scan.get_data()["diode"]) == 4 and scan.scan_info["title"] == "loopscan 4 0"
    scan = timescan(0, env.diode1, npoints=3)
    assert len(scan.get_data()["diode"]) == 3 and scan.scan_info["title"] == "timescan 0 3"
    scan = ct(0.01, env.diode1)
    assert scan.scan_info["title"] == "ct 0.01 1" and scan.scan_info["type"] == "ct"  # as BLISS 2.4
    assert scan.scan_info["save"] is False and scan.filename is None
    assert len(scan.get_data()["diode"]) == 1
    scan = sct(0.01, env.diode1)
    assert scan.scan_info["title"] == "ct 0.01 1" and scan.scan_info["save"] is True  # BLISS: sct is a ct
    scan = ct(env.diode2, run=False)
    assert scan.counters == [env.diode2] and scan.scan_info["count_time"] == 1.0


def test_titles_can_be_replaced_and_names_given(env):
    scan = ascan(env.roby, 0, 1, 1, 0, env.diode1, title="my title", name="align")
    assert scan.scan_info["title"] == "my title" and scan.name == "align"
    assert scan.scan_info["type"] == "ascan"


def test_counter_arguments(env):
    group = Group("MG1", [env.diode2, env.diode3])
    scan = loopscan(1, 0, env.diode3, group, env.diode3)
    assert scan.counters == [env.diode3, env.diode2]
    scan = loopscan(1, 0)
    assert scan.counters == [env.diode1]
    with pytest.raises(ValueError, match=r"No counters for scan. Hint: are all counters disabled \?"):
        loopscan(1, 0, Group("empty", []))
    env.ctx.default_counters = lambda: []
    with pytest.raises(ValueError, match="No counters for scan"):
        loopscan(1, 0)


def test_sleep_time_and_stab_time(env):
    t0 = time.perf_counter()
    loopscan(3, 0, env.diode1, sleep_time=0.05)
    ascan(env.roby, 0, 1, 2, 0, env.diode1, stab_time=0.05)
    assert time.perf_counter() - t0 >= 0.25  # 2 sleeps between 3 points, 3 stabilisations


def test_gaussian_cen_and_lineup(env):
    ascan(env.roby, 0, 1, 20, 0, env.gauss)
    assert cen().position == pytest.approx(0.5, abs=1e-6)
    env.roby.move(3)
    scan = lineup(env.roby, -1, 1, 20, 0, env.gauss)
    assert scan.scan_info["type"] == "dscan" and scan.name == "lineup"
    assert env.roby.position == pytest.approx(3, abs=1e-4)


# -- argument checking ---------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda e: ascan("roby", 0, 1, 10, 0.1, e.diode1), "argument 'motor' must be an axis"),
    (lambda e: ascan(e.roby, "0", 1, 10, 0.1, e.diode1), "argument 'start' must be a number"),
    (lambda e: ascan(e.roby, 0, 1, 2.5, 0.1, e.diode1), "argument 'intervals' must be an integer"),
    (lambda e: ascan(e.roby, 0, 1, True, 0.1, e.diode1), "argument 'intervals' must be an integer"),
    (lambda e: ascan(e.roby, 0, 1, 10, None, e.diode1), "argument 'count_time' must be a number"),
    (lambda e: ascan(e.roby, 0, 1, 10, 0.1, "diode"), "is not a counter"),
    (lambda e: ascan(e.roby, 0, 1, 10, 0.1, e.roby), "is not a counter"),
    (lambda e: loopscan(3.0, 0.1, e.diode1), "argument 'npoints' must be an integer"),
    (lambda e: loopscan(3, 0.1, e.diode1, save="yes"), "argument 'save' must be True or False"),
    (lambda e: loopscan(3, 0.1, e.diode1, scan_info=[1]), "argument 'scan_info' must be a dict"),
    (lambda e: amesh(e.roby, 0, 1, 2, "robz", 0, 1, 2, 0.1), "argument 'motor2' must be an axis"),
    (lambda e: lookupscan([(e.roby, ["a"])], 0.1), "must hold numbers only"),
    (lambda e: lineup(e.roby, 0, 1, 2, 0.1, Group("g", [])), "argument 'counter' must be a counter"),
])
def test_wrong_types_raise_type_error_before_anything(env, call, message):
    with pytest.raises(TypeError, match=message):
        call(env)
    assert env.spy.events == [] and env.roby.position == 0


@pytest.mark.parametrize("call, message", [
    (lambda e: loopscan(0, 0.1, e.diode1), "'npoints' must be at least 1"),
    (lambda e: ascan(e.roby, 0, 1, 0, 0.1, e.diode1), "'intervals' must be at least 1"),
    (lambda e: ascan(e.roby, 0, 1, 2, -1, e.diode1), "'count_time' must be at least 0"),
    (lambda e: a2scan(e.roby, 0, 1, e.roby, 0, 1, 2, 0, e.diode1), "axis 'roby' is given twice"),
])
def test_wrong_values_raise_value_error(env, call, message):
    with pytest.raises(ValueError, match=message):
        call(env)
    assert env.spy.events == []


def test_limits_checked_for_every_point_before_moving(env):
    limited = axis("limited", low=-1, high=1)
    with pytest.raises(ValueError, match="limited.*high limit"):
        ascan(limited, 0, 2, 10, 0, env.diode1)
    with pytest.raises(ValueError, match="limited.*low limit"):
        amesh(env.roby, 0, 1, 2, limited, 0, -3, 3, 0, env.diode1)
    limited.move(0.5)
    with pytest.raises(ValueError, match="limited.*high limit"):
        dscan(limited, -1, 1, 4, 0, env.diode1)
    with pytest.raises(ValueError, match="limited"):
        pointscan(limited, [0, 0.2, 7, 0.1], 0, env.diode1)
    assert limited.position == 0.5 and env.roby.position == 0
    assert env.spy.events == [] and env.store.get("scan_counter") is None
    assert not env.base.exists()
