"""bliss_lite: a BLISS-like beamline session shell without servers."""

__all__ = ["__version__", "open_session"]


def __getattr__(name: str):
    # Imported on first use only, so that `import bliss_lite.events` (or the NeXus
    # writer) loads nothing else, and `import bliss_lite` stays fast.
    if name == "__version__":
        from bliss_lite._version import __version__

        return __version__
    if name == "open_session":
        from bliss_lite.session import open_session

        return open_session
    raise AttributeError(f"module 'bliss_lite' has no attribute {name!r}")
