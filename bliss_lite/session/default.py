"""The scan context used when no session is open (scripts importing the scan
functions directly), as BLISS does without a session: session name ``"default"``,
state in ``<state_dir>/default.json``, files in ``/tmp/scans/default/data.h5``,
the default metadata registry, no session motors, no default counters."""

from __future__ import annotations

from bliss_lite.scanning.context import NO_COUNTERS, ScanContext

SESSION_NAME = "default"


def _no_default_counters() -> list:
    raise ValueError(NO_COUNTERS)


def default_context() -> ScanContext:
    """A fresh session-less context."""
    from bliss_lite import nexus
    from bliss_lite.scanning import scan_meta
    from bliss_lite.scanning.display import ScanDisplay
    from bliss_lite.scanning.scan_saving import ScanSaving
    from bliss_lite.settings import StateStore

    store = StateStore(SESSION_NAME)
    scan_saving = ScanSaving(SESSION_NAME, store)
    display = ScanDisplay(store)
    return ScanContext(
        session_name=SESSION_NAME,
        store=store,
        scan_saving=scan_saving,
        scan_meta=scan_meta.get_user_scan_meta(),
        display=display,
        default_counters=_no_default_counters,
        subscriber_factories=[nexus.scan_writer, display.subscriber],
        last_entry_number=nexus.last_entry_number,
        user_name=scan_saving.user_name,
    )
