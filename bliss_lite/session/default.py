"""The session-less default (scripts importing the scan functions without opening a
session), as BLISS does without a session: session name ``"default"``, state in
``<state_dir>/default.json``, files in ``/tmp/scans/default/data.h5``, the default
metadata registry, no session motors, no default counters, the NeXus writer and the
terminal display as subscribers."""

from __future__ import annotations

from bliss_lite.current import SessionState

SESSION_NAME = "default"


def default_state() -> SessionState:
    """A fresh session-less state (what ``bliss_lite.current.get()`` gives when no
    session is open)."""
    from bliss_lite import nexus
    from bliss_lite.scan_meta import create_user_scan_meta
    from bliss_lite.scanning.context import NO_COUNTERS, ScanContext
    from bliss_lite.scanning.display import ScanDisplay
    from bliss_lite.scanning.scan_saving import ScanSaving
    from bliss_lite.settings import StateStore

    def no_default_counters() -> list:
        raise ValueError(NO_COUNTERS)

    store = StateStore(SESSION_NAME)
    scan_saving = ScanSaving(SESSION_NAME, store)
    display = ScanDisplay(store)
    context = ScanContext(
        session_name=SESSION_NAME,
        store=store,
        scan_saving=scan_saving,
        scan_meta=create_user_scan_meta(),
        default_counters=no_default_counters,
        subscriber_factories=[nexus.scan_writer, display.subscriber],
        last_entry_number=nexus.last_entry_number,
        claim_number=nexus.claim_number,
        user_name=scan_saving.user_name,
    )
    namespace = {"SCAN_SAVING": scan_saving, "SCAN_DISPLAY": display, "SCANS": context.scans}
    return SessionState(SESSION_NAME, context, namespace, close=store.close)
