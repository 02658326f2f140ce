"""bliss_lite: a BLISS-like beamline session shell without servers."""

from bliss_lite import current as _current

__all__ = ["__version__", "open_session"]


def _session_less_default() -> "_current.SessionState":
    # The top package wires the holder of the current session to the session room,
    # which composes the default used without an open session.
    from bliss_lite.session.default import default_state

    return default_state()


_current.set_default_factory(_session_less_default)


def __getattr__(name: str):
    # Imported on first use only, so that `import bliss_lite.events` (or the NeXus
    # writer) loads almost nothing, and `import bliss_lite` stays fast.
    if name == "__version__":
        from bliss_lite._version import __version__

        return __version__
    if name == "open_session":
        from bliss_lite.session import open_session

        return open_session
    raise AttributeError(f"module 'bliss_lite' has no attribute {name!r}")
