"""Metadata generators have a deadline: one that never returns is abandoned with one
warning naming it, its category and timing, and the scan goes on and ends; Ctrl-C
while one hangs (START, PREPARED or END, in a real pseudo-terminal) gives the prompt
back within a second, the END metadata already gathered still written."""

from __future__ import annotations

import threading
import time

import h5py
import pytest

from bliss_lite import scan_meta
from bliss_lite.scan_meta.deadline import DEFAULT_DEADLINE_S

TIMINGS = ("START", "PREPARED", "END")
_forever = threading.Event()


def stuck(scan):
    _forever.wait()  # never set: a generator that never returns


@pytest.fixture
def session(demo_session):
    yield demo_session.env
    scan_meta.set_generator_deadline(5.0)


@pytest.mark.parametrize("timing", TIMINGS)
def test_a_generator_that_never_returns_is_abandoned_at_its_deadline(session, timing, capsys):
    registry = scan_meta.get_user_scan_meta()
    registry.technique.timing = scan_meta.META_TIMING[timing]
    registry.technique.set("stuck", stuck)
    registry.technique.set("fine", lambda scan: {"fine": 1})
    scan_meta.set_generator_deadline(0.5)
    try:
        t0 = time.monotonic()
        scan = session["loopscan"](3, 0.01, session["diode3"])
        assert time.monotonic() - t0 < 4
    finally:
        scan_meta.set_generator_deadline(5.0)
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "'stuck'" in line]
    assert warnings == [f"WARNING: metadata generator 'stuck' of category 'technique' abandoned at {timing}: "
                        "still running after its 0.5 s budget (scan_meta.set_generator_deadline()); "
                        "the scan goes on without its metadata"]
    assert scan.scan_info["end_reason"] == "SUCCESS"
    with h5py.File(scan.filename, "r") as f:
        entry = f[f"{scan.scan_number}.1"]
        assert entry["technique/fine"][()] == 1
        assert "positioners_end" in entry["instrument"]
    scan_meta.metadata_profiling(scan)
    shown = capsys.readouterr().out
    row = next(line for line in shown.splitlines() if line.strip().startswith("stuck"))
    assert float(row.split("|")[2]) >= 500  # who used the time


def test_the_deadline_is_checked(session):
    with pytest.raises(ValueError, match=r"deadline must be a number of seconds > 0, not 0"):
        scan_meta.set_generator_deadline(0)
    assert scan_meta.generator_deadline() == 5.0


# -- Ctrl-C in a real terminal ------------------------------------------------------------

pexpect = pytest.importorskip("pexpect")


@pytest.mark.parametrize("timing", TIMINGS)
def test_ctrl_c_while_a_generator_hangs_gives_the_prompt_without_waiting_for_its_deadline(
        tmp_path, timing):
    from test_shell import Terminal

    demo = Terminal("-s", "demo", cwd=tmp_path)
    try:
        demo.expect("DEMO [1]: ")
        demo.type(f"SCAN_SAVING.base_path = {str(tmp_path / 'scans')!r}; SCAN_DISPLAY.mode = 'off'")
        demo.expect("DEMO [2]: ")
        demo.type("from bliss.scanning import scan_meta; import threading; r = scan_meta.get_user_scan_meta(); "
                  f"r.technique.timing = scan_meta.META_TIMING.{timing}; "
                  "r.technique.set('stuck', lambda scan: threading.Event().wait())")
        demo.expect("DEMO [3]: ")
        demo.type("s = loopscan(3, 0.01, diode3)")
        time.sleep(1.5)
        started = time.monotonic()
        demo.child.sendintr()
        shown = demo.expect("DEMO [4]: ", timeout=10)
        # well before the generator's 5 s deadline (on a quiet machine: a few tens of ms;
        # with the machine loaded 1.4 s was seen)
        assert time.monotonic() - started < DEFAULT_DEADLINE_S / 2, shown
        assert "Traceback" not in shown
        if timing == "START":  # refused before it started: aborted, no number consumed
            assert "ScanAbort: scan aborted" in shown
            return
        demo.type("SCANS[-1].scan_info['end_reason']")
        out = demo.expect("DEMO [5]: ")
        if timing == "END":  # the scan had ended: its END metadata is written
            assert "'SUCCESS'" in out
            demo.type("import h5py; f = h5py.File(SCANS[-1].filename, 'r')")
            demo.expect("DEMO [6]: ")
            demo.type("'positioners_end' in f['1.1/instrument'], f['1.1/end_reason'].asstr()[()]")
            demo.expect("(True, 'SUCCESS')")
        else:
            assert "'USER_ABORT'" in out
    finally:
        demo.close()
