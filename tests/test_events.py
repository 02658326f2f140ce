"""Scan events as data: snapshots, the wire form, the queued subscriber, subscribing."""

from __future__ import annotations

import datetime
import json
import struct
import subprocess
import sys
import threading
import warnings

import numpy
import pytest

from bliss_lite.events import (ChannelSpec, QueuedSubscriber, ScanEnd, ScanKey, ScanPoints,
                               ScanStart, SubscriberWarning, WireFormatError, from_bytes)

KEY = ScanKey("demo", 7, "/tmp/scans/demo/data.h5")
CHANNELS = [
    ChannelSpec("elapsed_time", "timer:elapsed_time", "s", kind="timer"),
    ChannelSpec("roby", "axis:roby", "mm", kind="motor"),
    ChannelSpec("spectrum", "ctrl:spectrum", None, dtype="int32", shape=(4,), attrs={"mode": "SAMPLES"}),
    ChannelSpec("image", "ctrl:image", "counts", dtype="uint16", shape=(3, 2)),
    ChannelSpec("name", "ctrl:name", dtype="str"),
    ChannelSpec("samples", "ctrl:samples", shape=(-1,)),
]


class Recorder:
    def __init__(self) -> None:
        self.events: list = []

    def scan_start(self, event):
        self.events.append(event)

    def scan_points(self, event):
        self.events.append(event)

    def scan_end(self, event):
        self.events.append(event)


def round_trip(event):
    data = event.to_bytes()
    assert isinstance(data, bytes)
    back = from_bytes(data)
    assert back == event and type(back) is type(event)
    return back


# -- the wire form ---------------------------------------------------------------------------

def test_points_round_trip_scalars_1d_2d_unicode_nan_and_varlen():
    samples = numpy.empty(2, dtype=object)
    samples[0], samples[1] = numpy.array([1.0, numpy.nan]), numpy.array([], dtype=float)
    event = ScanPoints(KEY, 2500, {
        "timer:elapsed_time": numpy.array([0.0, numpy.nan]),
        "axis:roby": numpy.array([-numpy.inf, 1e-300]),
        "ctrl:spectrum": numpy.arange(8, dtype=">i4").reshape(2, 4),  # big-endian kept
        "ctrl:image": numpy.arange(12, dtype=numpy.uint16).reshape(2, 3, 2),
        "ctrl:name": numpy.array(["é€😀", "plain"]),
        "ctrl:samples": samples,
        "ctrl:flags": numpy.array([True, False]),
        "ctrl:complex": numpy.array([1 + 2j, numpy.nan * 1j]),
    })
    back = round_trip(event)
    assert back.key == KEY and back.first_index == 2500 and len(back) == 2
    assert back.data["ctrl:spectrum"].dtype == numpy.dtype(">i4")
    assert back.data["ctrl:image"].shape == (2, 3, 2)
    assert list(back.data["ctrl:name"]) == ["é€😀", "plain"]
    assert numpy.isnan(back.data["timer:elapsed_time"][1])
    assert back.data["ctrl:samples"][1].shape == (0,)
    assert not back.data["axis:roby"].flags.writeable


def test_non_contiguous_and_empty_blocks_round_trip():
    base = numpy.arange(20.0).reshape(4, 5)
    round_trip(ScanPoints(KEY, 0, {"a": base[:, ::2], "b": base.T}))
    round_trip(ScanPoints(KEY, 0, {"a": numpy.zeros((0, 3, 2))}))
    round_trip(ScanPoints(KEY, 0, {}))


def test_start_and_end_round_trip_every_metadata_value():
    info = {
        "title": "ascan roby 0 1 10 0.1", "scan_nb": 7, "npoints": 11, "save": True,
        "sleep_time": None, "count_time": 0.1, "nan": float("nan"), "inf": float("-inf"),
        "big": 2**64 - 1, "comments": [{"date": "2024", "message": "ünïcødé ✓"}],
        "instrument": {"att": {"@NX_class": "NXattenuator", "thickness": numpy.float32(20.5),
                               "n": numpy.int64(-3), "ok": numpy.bool_(True),
                               "label": numpy.str_("Al"), "raw": numpy.bytes_(b"\x00\xff"),
                               "matrix": numpy.eye(3), "names": numpy.array(["a", "bb"])}},
        "tuple": (1, "two", (3.0,)), "bytes": b"\x00\x01", "complex": 1 - 2j,
        "when": datetime.datetime(2024, 4, 20, 10, 24, 18, 123456,
                                  tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        "day": datetime.date(2024, 4, 20), "int keys": {1: "one", (2, 3): "pair"},
        "tagged": {"__t": "not a tag", "x": 1}, "empty": {}, "list": [[1, 2], [3, 4]],
    }
    start = round_trip(ScanStart(KEY, info, CHANNELS))
    assert start.channels == CHANNELS and start.channels[3].shape == (3, 2)
    assert type(start.scan_info["instrument"]["att"]["thickness"]) is numpy.float32
    assert start.scan_info["when"] == info["when"] and start.scan_info["tuple"] == (1, "two", (3.0,))
    end = round_trip(ScanEnd(KEY, {**info, "end_reason": "USER_ABORT"}, 5))
    assert end.npoints == 5 and end.scan_info["end_reason"] == "USER_ABORT"


def test_the_header_is_strict_json_and_buffers_are_aligned_at_documented_offsets():
    event = ScanPoints(KEY, 3, {"timer:epoch": numpy.array([1.5, numpy.nan]),
                                "ctrl:image": numpy.ones((2, 2, 2), dtype="<u2")})
    data = event.to_bytes()
    magic, length = struct.unpack_from("<4sI", data)
    assert magic == b"BLEV" and (8 + length) % 8 == 0
    header = json.loads(data[8:8 + length], parse_constant=pytest.fail)  # no NaN literal
    assert header["event"] == "points" and header["version"] == 1 and header["first_index"] == 3
    assert header["key"] == {"session": "demo", "number": 7, "filename": KEY.filename, "uid": KEY.uid}
    for spec in header["buffers"]:
        assert spec["offset"] % 8 == 0
    buffer = header["buffers"][header["data"]["ctrl:image"]["buffer"]]
    assert buffer["dtype"] == "<u2" and buffer["shape"] == [2, 2, 2]
    raw = numpy.frombuffer(data, buffer["dtype"], count=8, offset=8 + length + buffer["offset"])
    assert (raw == 1).all()


def test_wire_form_refusals():
    data = ScanEnd(KEY, {"a": 1}, 0).to_bytes()
    with pytest.raises(WireFormatError, match="expected a ScanStart, got a ScanEnd"):
        ScanStart.from_bytes(data)
    assert ScanEnd.from_bytes(bytearray(data)) == ScanEnd(KEY, {"a": 1}, 0)
    with pytest.raises(WireFormatError, match="not a scan event"):
        from_bytes(b"PK\x03\x04" + data[4:])
    with pytest.raises(WireFormatError, match="too short"):
        from_bytes(b"BLE")
    with pytest.raises(WireFormatError, match="damaged scan event header"):
        from_bytes(data[:12])
    points = ScanPoints(KEY, 0, {"a": numpy.arange(1000.0)}).to_bytes()
    with pytest.raises(WireFormatError, match="runs past the end"):
        from_bytes(points[:-8])
    with pytest.raises(TypeError, match=r"scan_info\['instrument'\]\['dev'\]: values of type object have no wire form"):
        ScanStart(KEY, {"instrument": {"dev": object()}}, []).to_bytes()
    with pytest.raises(TypeError, match=r"scan_info\['s'\]: values of type set have no wire form"):
        ScanEnd(KEY, {"s": {1, 2}}, 0).to_bytes()


def test_wire_form_loads_in_a_process_with_only_the_events_module(tmp_path):
    path = tmp_path / "event.bin"
    path.write_bytes(ScanPoints(KEY, 1, {"ctrl:image": numpy.ones((1, 4, 4))}).to_bytes())
    code = ("import sys, bliss_lite.events as e; ev = e.from_bytes(open(sys.argv[1], 'rb').read()); "
            "print(ev.data['ctrl:image'].shape, sorted(m for m in sys.modules if m.startswith('bliss_lite')))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1, 4, 4) ['bliss_lite', 'bliss_lite.current', 'bliss_lite.events']"


# -- events are snapshots --------------------------------------------------------------------

def test_events_of_a_real_scan_are_snapshots_and_round_trip(demo_session):
    env = demo_session.env
    recorder = Recorder()
    scan = env["ascan"](env["roby"], 0, 1, 4, 0, env["diode"], env["sim_ct_gauss"], run=False)
    scan.subscribe(recorder)
    scan.run()
    start, *blocks, end = recorder.events
    assert isinstance(start, ScanStart) and isinstance(end, ScanEnd)
    assert start.key == end.key == scan.key == ScanKey("demo", scan.scan_number, scan.filename, scan.key.uid)
    assert "end_time" not in start.scan_info and end.scan_info["end_reason"] == "SUCCESS"
    scan.scan_info["title"] = "changed later"
    scan.scan_info["instrument"]["new"] = 1
    assert start.scan_info["title"] == end.scan_info["title"] == "ascan roby 0.000000 1.000000 4 0"
    assert "new" not in end.scan_info["instrument"]
    assert sum(len(b) for b in blocks) == 5
    for block in blocks:
        with pytest.raises(ValueError, match="read-only"):
            block.data["axis:roby"][0] = 99.0
    for event in recorder.events:
        round_trip(event)


def test_session_subscribe_and_unsubscribe(demo_session):
    env = demo_session.env
    recorder = Recorder()
    demo_session.subscribe(recorder)
    demo_session.subscribe(recorder)  # once only
    env["loopscan"](2, 0, env["diode"])
    env["ct"](0, env["diode"])
    starts = [e for e in recorder.events if isinstance(e, ScanStart)]
    assert [s.scan_info["type"] for s in starts] == ["loopscan", "ct"]
    assert starts[0].key.uid != starts[1].key.uid
    demo_session.unsubscribe(recorder)
    count = len(recorder.events)
    env["loopscan"](2, 0, env["diode"])
    assert len(recorder.events) == count


def test_scan_subscribe_only_before_run(demo_session):
    env = demo_session.env
    scan = env["loopscan"](1, 0, env["diode"])
    with pytest.raises(RuntimeError, match="loopscan scan has already been run: subscribe before run"):
        scan.subscribe(Recorder())


# -- the queued subscriber -------------------------------------------------------------------

class Blocked(Recorder):
    """A subscriber stuck in its first call until released."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def scan_start(self, event):
        self.entered.set()
        assert self.release.wait(60), "never released"
        super().scan_start(event)


def test_a_stuck_subscriber_never_holds_the_scan_and_its_drops_are_reported(demo_session):
    env = demo_session.env
    slow = Blocked()
    queued = QueuedSubscriber(slow, max_blocks=2)
    demo_session.subscribe(queued)
    with pytest.warns(SubscriberWarning, match=r"Blocked cannot keep up with scan \d+: its oldest point "
                                               r"blocks are dropped \(queue of 2 blocks full\)") as caught:
        scan = env["timescan"](0.01, env["diode"], npoints=60)  # ~6 blocks of 0.1 s
    assert slow.entered.is_set() and not slow.release.is_set()  # the scan ended, the subscriber still stuck
    assert len([w for w in caught if issubclass(w.category, SubscriberWarning)]) == 1
    slow.release.set()
    assert queued.wait_idle(60)
    start, *blocks, end = slow.events
    # the two newest blocks are kept, and handed on joined in one call
    assert isinstance(start, ScanStart) and isinstance(end, ScanEnd) and len(blocks) == 1
    assert queued.dropped >= 1
    assert blocks[-1].first_index + len(blocks[-1]) == 60
    assert len(scan.get_data()["diode"]) == 60  # the scan's own data lost nothing
    queued.close(10)


def test_a_slow_subscriber_gets_the_blocks_queued_meanwhile_joined_and_loses_none():
    class Slow(Recorder):
        def scan_points(self, event):
            super().scan_points(event)
            first.set()
            assert go.wait(60)

    first, go = threading.Event(), threading.Event()
    slow = Slow()
    queued = QueuedSubscriber(slow, max_blocks=256)
    queued.scan_start(ScanStart(KEY, {}, []))
    values = numpy.arange(2000.0)
    queued.scan_points(ScanPoints(KEY, 0, {"a": values[:10], "img": numpy.zeros((10, 3, 2))}))
    assert first.wait(10)          # the subscriber is in its first call ...
    for start in range(10, 2000, 10):   # ... while the scan queues 199 more blocks
        queued.scan_points(ScanPoints(KEY, start, {"a": values[start:start + 10],
                                                   "img": numpy.zeros((10, 3, 2))}))
    queued.scan_end(ScanEnd(KEY, {}, 2000))
    go.set()
    assert queued.wait_idle(10)
    start, *blocks, end = slow.events
    assert [len(block) for block in blocks] == [10, 1990] and queued.dropped == 0
    assert blocks[1].first_index == 10 and blocks[1].data["img"].shape == (1990, 3, 2)
    assert numpy.array_equal(numpy.concatenate([b.data["a"] for b in blocks]), values)
    queued.close(10)


def test_queued_subscriber_keeps_start_and_end_and_reports_failures():
    class Failing(Recorder):
        def scan_points(self, event):
            raise ZeroDivisionError("division by zero")

    failing = Failing()
    queued = QueuedSubscriber(failing, max_blocks=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        queued.scan_start(ScanStart(KEY, {}, []))
        for i in range(3):
            queued.scan_points(ScanPoints(KEY, i, {"a": numpy.zeros(1)}))
        queued.scan_end(ScanEnd(KEY, {}, 3))
        assert queued.wait_idle(10)
    kinds = [type(e).__name__ for e in failing.events]
    assert kinds == ["ScanStart", "ScanEnd"]
    messages = [str(w.message) for w in caught if issubclass(w.category, SubscriberWarning)]
    assert any("Failing failed on ScanPoints of scan 7 and gets no more points of it: "
               "ZeroDivisionError: division by zero" in m for m in messages)
    queued.close(10)
    with pytest.raises(RuntimeError, match="is closed"):
        queued.scan_start(ScanStart(KEY, {}, []))
    with pytest.raises(ValueError, match="max_blocks must be at least 1, got 0"):
        QueuedSubscriber(Recorder(), max_blocks=0)
