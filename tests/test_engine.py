"""The scan engine: states, events, data, timing, metadata timings, abort, failure."""

from __future__ import annotations

import _thread
import datetime
import signal
import threading
import time

import numpy
import pytest

from scan_fixtures import Group, ScriptedCounter, Spy, close_env, make_env

from bliss_lite import scan_meta
from bliss_lite.scanning import ScanAbort, ScanState, ascan, ct, dscan, loopscan, timescan
from bliss_lite.scanning.data import ScanDataStore
from bliss_lite.scanning.engine import BLOCK_MAX, TIMER_CHANNELS
from bliss_lite.events import ScanEnd, ScanPoints, ScanStart


@pytest.fixture
def env(tmp_path):
    env = make_env(tmp_path)
    yield env
    close_env(env)


def _interrupt_after(seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, _thread.interrupt_main)
    timer.start()
    return timer


# -- events and states -------------------------------------------------------------------

def test_events_states_and_channels(env):
    scan = loopscan(3, 0, env.diode1, env.diode2)
    spy = env.spy
    assert spy.kinds()[0] == "start" and spy.kinds()[-1] == "end"
    assert set(spy.kinds()[1:-1]) == {"points"}
    assert spy.states[0] == ScanState.PREPARING
    assert all(s == ScanState.STARTING for k, s in zip(spy.kinds(), spy.states) if k == "points")
    assert spy.states[-1] == ScanState.STOPPING
    assert scan.state == ScanState.DONE
    start: ScanStart = spy.events[0][1]
    assert [c.name for c in start.channels] == ["elapsed_time", "epoch", "diode", "diode2"]
    assert [c.kind for c in start.channels[:2]] == ["timer", "timer"]
    assert start.scan_info is not scan.scan_info  # a snapshot taken at START
    assert start.scan_info["title"] == scan.scan_info["title"] and "end_time" not in start.scan_info
    assert start.key == scan.key and start.key.number == scan.scan_number
    end: ScanEnd = spy.events[-1][1]
    assert end.npoints == 3 and end.scan_info["end_reason"] == "SUCCESS"
    blocks = [e for k, e in spy.events if k == "points"]
    assert blocks[0].first_index == 0
    assert sum(len(b) for b in blocks) == 3
    assert set(blocks[0].data) == {c.fullname for c in start.channels}


def test_scan_info_keys_and_times(env):
    env.store.set("plotselect", ["diode2"])
    scan = loopscan(2, 0, env.diode1, scan_info={"instrument": {"mygroup": {"myvalue": 10}}})
    info = scan.scan_info
    for key in ("title", "type", "npoints", "count_time", "scan_nb", "session_name", "user_name",
                "filename", "save", "start_time", "end_time", "end_reason", "positioners",
                "instrument", "scan_meta_categories", "comments", "plotselect"):
        assert key in info, key
    assert info["type"] == "loopscan" and info["npoints"] == 2 and info["count_time"] == 0
    assert info["session_name"] == "scantest" and info["user_name"] == "tester"
    assert info["filename"] == str(env.base / "scantest" / "data.h5") == scan.filename
    assert info["plotselect"] == ["diode2"]
    assert info["instrument"]["mygroup"] == {"myvalue": 10}
    for key in ("start_time", "end_time"):
        assert datetime.datetime.fromisoformat(info[key]).tzinfo is not None
    assert "roby" in info["positioners"]["positioners_start"]


def test_repr_and_get_data_names(env):
    scan = loopscan(4, 0, env.diode1, Group("mg", [env.diode2, env.diode1]))
    assert repr(scan) == f"Scan(number={scan.scan_number}, name=loopscan, path={scan.filename})"
    data = scan.get_data()
    assert list(data) == ["elapsed_time", "epoch", "diode", "diode2"]
    assert data["diode"] is not None and len(data["diode"]) == 4
    assert numpy.array_equal(data["diode"], data["simulation_diode_sampling_controller:diode"])
    assert numpy.array_equal(data[env.diode2], data["diode2"])
    assert numpy.array_equal(scan.get_data("epoch"), data["timer:epoch"])
    assert numpy.all(numpy.diff(data["elapsed_time"]) >= 0) and data["elapsed_time"][0] == 0
    with pytest.raises(KeyError, match="nope"):
        data["nope"]
    unsaved = ct(0, env.diode1)
    assert repr(unsaved) == f"Scan(number={unsaved.scan_number}, name=ct, path='not saved')"


def test_writer_null_numbers_the_scan_but_names_no_file(env):
    first = loopscan(1, 0, env.diode1)
    env.ctx.scan_saving.writer = "null"
    scan = loopscan(1, 0, env.diode1, run=False)
    assert repr(scan) == "Scan(number=None, name=loopscan, path='not saved')"
    scan.run()
    assert scan.scan_number == first.scan_number + 1 and scan.filename is None
    assert scan.scan_info["filename"] is None and scan.scan_info["writer"] == "null"
    assert repr(scan) == f"Scan(number={scan.scan_number}, name=loopscan, path='not saved')"


def test_motor_channel_holds_positions_read_back(env):
    scan = ascan(env.roby, 0, 1, 4, 0, env.diode1)
    assert numpy.allclose(scan.get_data()["roby"], [0, 0.25, 0.5, 0.75, 1.0])
    assert numpy.allclose(scan.get_data()["axis:roby"], scan.get_data(env.roby))
    assert [c.fullname for c in scan.channels][2] == "axis:roby"
    assert scan.motors == [env.roby] and scan.counters == [env.diode1]


def test_multichannel_counter_and_large_blocks(env):
    counter = ScriptedCounter("multi", channels=3)
    n = BLOCK_MAX + 10
    scan = loopscan(n, 0, counter)
    data = scan.get_data()
    assert numpy.array_equal(data["multi"], numpy.arange(n) * 10.0)
    assert numpy.array_equal(data["multi_2"], numpy.arange(n) * 10.0 + 2)
    assert max(len(e) for k, e in env.spy.events if k == "points") <= BLOCK_MAX
    assert scan.npoints_done == n


def test_run_false_then_run_once(env):
    scan = loopscan(2, 0, env.diode1, run=False)
    assert scan.state == ScanState.IDLE and scan.scan_number is None
    assert env.spy.events == [] and len(scan.get_data()) == 0
    scan.run()
    assert scan.state == ScanState.DONE and len(scan.get_data()["diode"]) == 2
    with pytest.raises(RuntimeError, match="only once"):
        scan.run()
    assert loopscan(1, 0, env.diode1, return_scan=False) is None


def test_add_comment(env):
    scan = loopscan(1, 0, env.diode1, run=False)
    scan.add_comment("before")
    scan.run()
    assert [c["message"] for c in scan.scan_info["comments"]] == ["before"]
    assert datetime.datetime.fromisoformat(scan.scan_info["comments"][0]["date"]).tzinfo
    with pytest.raises(RuntimeError, match="ended"):
        scan.add_comment("too late")
    with pytest.raises(TypeError):
        loopscan(1, 0, env.diode1, run=False).add_comment(3)


def test_scans_holds_scans_but_ct(env):
    first = loopscan(1, 0, env.diode1)
    ct(0, env.diode1)
    assert list(env.ctx.scans) == [first]
    for _ in range(21):
        loopscan(1, 0, env.diode1, save=False)
    assert len(env.ctx.scans) == 20 and first not in env.ctx.scans


def test_count_time_is_real_time(env):
    t0 = time.perf_counter()
    scan = loopscan(10, 0.1, env.diode1)
    elapsed = time.perf_counter() - t0
    assert 1.0 <= elapsed
    steps = numpy.diff(scan.get_data()["elapsed_time"])
    assert numpy.all(steps >= 0.1)


def test_prepare_for_scan_gets_the_plan(env):
    counter = ScriptedCounter("c")
    ascan(env.roby, 1, 3, 4, 0, counter)
    plan = counter.plans[-1]
    assert (plan.scan_type, plan.npoints, plan.motor_start, plan.motor_stop) == ("ascan", 5, 1, 3)
    loopscan(7, 0, counter)
    assert counter.plans[-1].npoints == 7 and counter.plans[-1].motor_start is None


# -- metadata timings ------------------------------------------------------------------

def test_metadata_timings_in_engine_order(env):
    seen = []

    def record(scan):
        seen.append((scan.state, env.roby.position, scan.npoints_done))
        return {"n": len(seen)}

    env.registry.technique.set("probe", record)
    env.registry.technique.timing = (scan_meta.META_TIMING.START | scan_meta.META_TIMING.PREPARED
                                     | scan_meta.META_TIMING.END)
    env.roby.move(5)
    ascan(env.roby, 0, 1, 2, 0, env.diode1)
    assert seen == [(ScanState.PREPARING, 5.0, 0), (ScanState.PREPARING, 0.0, 0),
                    (ScanState.STOPPING, 1.0, 3)]
    scan = env.ctx.scans[-1]
    assert scan.scan_info["positioners"]["positioners_start"]["roby"] == 5.0
    assert scan.scan_info["positioners"]["positioners_end"]["roby"] == 1.0
    assert scan.scan_info["technique"]["n"] == 3


def test_ct_skips_user_metadata_but_sct_does_not(env):
    calls = []
    env.registry.technique.set("probe", lambda scan: calls.append(scan.scan_info["type"]) or {})
    ct(0, env.diode1)
    assert calls == []
    from bliss_lite.scanning import sct

    sct(0, env.diode1)
    assert calls == ["ct"]  # BLISS 2.4: sct is a scan of type "ct"


def test_bad_scan_info_is_refused_before_anything(env):
    with pytest.raises(ValueError):
        loopscan(2, 0, env.diode1, scan_info={"instrument": {"a/b": 1}})
    assert env.spy.events == [] and env.store.get("scan_counter") is None


# -- abort -------------------------------------------------------------------------------

def test_ctrl_c_aborts_within_a_point(env):
    timer = _interrupt_after(0.25)
    with pytest.raises(ScanAbort) as info:
        loopscan(1000, 0.1, env.diode1, env.diode2)
    timer.join()
    assert str(info.value) == "scan aborted" and isinstance(info.value, KeyboardInterrupt)
    scan = env.ctx.scans[-1]
    assert scan.state == ScanState.USER_ABORTED
    assert scan.scan_info["end_reason"] == "USER_ABORT"
    lengths = {len(v) for v in scan.get_data().values()}
    assert len(lengths) == 1 and 1 <= lengths.pop() <= 4
    assert env.spy.kinds()[-1] == "end"
    assert env.spy.events[-1][1].npoints == len(scan.get_data()["diode"])
    assert "positioners_end" in scan.scan_info["positioners"]


def test_half_read_point_is_dropped(env):
    def interrupt(i):
        if i == 3:
            raise KeyboardInterrupt

    second = ScriptedCounter("second", interrupt)
    with pytest.raises(ScanAbort):
        ascan(env.roby, 0, 9, 9, 0, env.diode1, second)
    data = env.ctx.scans[-1].get_data()
    assert {k: len(v) for k, v in data.items()} == {k: 3 for k in data}
    assert env.spy.npoints() == 3


def test_abort_from_another_thread(env):
    scan = loopscan(1000, 0.05, env.diode1, run=False)
    threading.Timer(0.2, scan.abort).start()
    with pytest.raises(ScanAbort):
        scan.run()
    assert len(scan.get_data()["diode"]) < 1000  # ended long before its last point
    assert scan.state == ScanState.USER_ABORTED and scan.scan_info["end_reason"] == "USER_ABORT"


def test_timescan_runs_until_ctrl_c(env):
    timer = _interrupt_after(0.3)
    with pytest.raises(ScanAbort):
        timescan(0.01, env.diode1)
    timer.join()
    scan = env.ctx.scans[-1]
    assert scan.scan_info["npoints"] == 0 and scan.scan_info["title"] == "timescan 0.01"
    assert len(scan.get_data()["diode"]) >= 5


def test_dscan_moves_back_after_ctrl_c(env):
    slow = ScriptedCounter("slow", lambda i: time.sleep(0.05))
    env.roby.move(2)
    timer = _interrupt_after(0.2)
    with pytest.raises(ScanAbort):
        dscan(env.roby, -1, 1, 100, 0, slow)
    timer.join()
    assert env.roby.position == 2
    assert env.ctx.scans[-1].state == ScanState.USER_ABORTED


# -- failure -----------------------------------------------------------------------------

def test_device_failure_kills_scan_and_reraises(env):
    def fail(i):
        if i == 2:
            raise RuntimeError("detector on fire")

    env.roby.move(1)
    with pytest.raises(RuntimeError, match="detector on fire"):
        dscan(env.roby, 0, 1, 5, 0, ScriptedCounter("bad", fail))
    scan = env.ctx.scans[-1]
    assert scan.state == ScanState.KILLED and scan.scan_info["end_reason"] == "FAILURE"
    assert len(scan.get_data()["bad"]) == 2
    assert env.spy.kinds()[-1] == "end"
    assert env.roby.position == 1


def test_subscriber_refusal_moves_nothing_and_keeps_the_number(env):
    refuser = Spy(refuse=OSError("file locked"))
    env.ctx.subscriber_factories.append(refuser.for_scan)
    env.roby.move(3)
    with pytest.raises(OSError, match="file locked"):
        ascan(env.roby, 0, 1, 2, 0, env.diode1)
    assert env.roby.position == 3
    assert env.spy.kinds() == ["start", "end"]  # started before the refusal: ended
    assert refuser.kinds() == ["start"]
    assert env.spy.events[-1][1].scan_info["end_reason"] == "FAILURE"
    assert len(env.ctx.scans) == 0
    env.ctx.subscriber_factories.pop()
    assert loopscan(1, 0, env.diode1).scan_number == 1


def test_failing_subscriber_only_warns(env, capsys):
    class Broken(Spy):
        def scan_points(self, event):
            raise ValueError("cannot plot")

    env.ctx.subscriber_factories.append(lambda scan: Broken().for_scan(scan))
    scan = loopscan(3, 0.01, env.diode1)
    assert scan.state == ScanState.DONE
    assert "cannot plot" in capsys.readouterr().err


# -- data store ------------------------------------------------------------------------------

def test_data_store_grows_by_doubling(env):
    store = ScanDataStore()
    store.scan_start(ScanStart(None, {"npoints": 0}, list(TIMER_CHANNELS)))
    total = 0
    for _ in range(50):
        block = numpy.arange(100, dtype=float)
        store.scan_points(ScanPoints(None, total, {"timer:epoch": block, "timer:elapsed_time": block}))
        total += 100
    assert total <= store.capacity("timer:epoch") <= 2 * total
    assert len(store.data()["epoch"]) == total


def test_data_store_preallocates_known_npoints(env):
    scan = loopscan(3000, 0, env.diode1)
    assert scan._data.capacity("simulation_diode_sampling_controller:diode") == 3000


def test_data_store_of_a_huge_scan_grows_with_the_data_only(env):
    from bliss_lite.scanning.data import PREALLOCATE_MAX

    npoints = 10 * PREALLOCATE_MAX + 5
    store = ScanDataStore()
    store.scan_start(ScanStart(None, {"npoints": npoints}, list(TIMER_CHANNELS)))
    assert store.capacity("timer:epoch") == PREALLOCATE_MAX
    block = numpy.zeros(PREALLOCATE_MAX + 1)
    store.scan_points(ScanPoints(None, 0, {"timer:epoch": block}))
    assert store.capacity("timer:epoch") == 2 * PREALLOCATE_MAX
    store.scan_points(ScanPoints(None, 0, {"timer:epoch": numpy.zeros(npoints - 1)}))
    assert store.capacity("timer:epoch") == npoints - 1  # never past the scan's points
    store.scan_points(ScanPoints(None, npoints - 1, {"timer:epoch": numpy.zeros(1)}))
    assert store.capacity("timer:epoch") == npoints and len(store.data()["epoch"]) == npoints


def test_ctrl_c_while_a_subscriber_handles_points_is_deferred(env):
    class Busy(Spy):
        finished = 0

        def scan_points(self, event):
            if event.first_index == 0:
                _thread.interrupt_main()
            total = 0
            for i in range(20000):  # bytecode: an undeferred interrupt would land here
                total += i
            self.finished += 1

    busy = Busy()
    env.ctx.subscriber_factories.append(busy.for_scan)
    with pytest.raises(ScanAbort):
        loopscan(100, 0.15, env.diode1)
    assert busy.finished >= 1 and busy.kinds()[-1] == "end"
    scan = env.ctx.scans[-1]
    assert scan.state == ScanState.USER_ABORTED and len(scan.get_data()["diode"]) == 1


def test_default_context_without_session(tmp_path, monkeypatch):
    from bliss_lite import current
    from bliss_lite.scanning import context
    from bliss_lite.devices import SimulationDiode

    current.reset()
    try:
        ctx = context.current()
        assert ctx.session_name == "default" and ctx.scan_saving.session == "default"
        ctx.scan_saving.base_path = str(tmp_path)
        current.get().namespace["SCAN_DISPLAY"].mode = "off"
        with pytest.raises(ValueError, match="No counters for scan"):
            loopscan(1, 0)
        scan = loopscan(3, 0, SimulationDiode("d"))
        assert scan.scan_info["session_name"] == "default"
        assert scan.filename == str(tmp_path / "default" / "data.h5")
        assert list(ctx.scans) == [scan]
    finally:
        current.reset()


# -- with the NeXus writer ------------------------------------------------------------------

@pytest.fixture
def wenv(tmp_path):
    env = make_env(tmp_path, writer=True)
    yield env
    close_env(env)


def test_written_entry_after_ctrl_c(wenv):
    import h5py

    timer = _interrupt_after(0.25)
    with pytest.raises(ScanAbort):
        loopscan(1000, 0.05, wenv.diode1, wenv.diode2)
    timer.join()
    scan = wenv.ctx.scans[-1]
    npoints = len(scan.get_data()["diode"])
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert entry["end_reason"][()].decode() == "USER_ABORT"
        assert entry["title"][()].decode() == "loopscan 1000 0.05"
        for name in ("diode", "diode2", "elapsed_time", "epoch"):
            assert len(entry["measurement"][name]) == npoints


def test_written_entries_numbered_and_complete(wenv):
    import h5py

    first = loopscan(5, 0, wenv.diode1, wenv.diode2, wenv.diode3)
    second = ascan(wenv.roby, 0, 1, 3, 0, wenv.diode1)
    assert (first.scan_number, second.scan_number) == (1, 2)
    with h5py.File(second.filename, "r") as f:
        assert list(f) == ["1.1", "2.1"]
        assert f["1.1/measurement/diode3"].shape == (5,)
        assert list(f["2.1/measurement/roby"][()]) == pytest.approx([0, 1 / 3, 2 / 3, 1], abs=1e-4)  # steps


def test_ctrl_c_during_a_motor_move_stops_the_motor(env):
    from scan_fixtures import axis

    slow = axis("slow", velocity=5, acceleration=100)
    # A real SIGINT to the main thread, as a terminal's Ctrl-C: it interrupts the wait
    # for the motion at once (interrupt_main() would only act once the wait is over).
    main = threading.main_thread().ident
    timer = threading.Timer(0.2, signal.pthread_kill, (main, signal.SIGINT))
    timer.start()
    with pytest.raises(ScanAbort):
        ascan(slow, 3, 4, 2, 0, env.diode1)  # interrupted on its way to the first point
    timer.join()
    scan = env.ctx.scans[-1]
    assert scan.state == ScanState.USER_ABORTED and len(scan.get_data()["diode"]) == 0
    assert env.spy.events[-1][1].npoints == 0
    assert not slow.is_moving and 0 < slow.position < 3
