"""bliss_lite: a BLISS-like beamline session shell without servers."""

from bliss_lite._version import __version__

__all__ = ["__version__", "open_session"]


def __getattr__(name: str):
    # open_session pulls in the whole session machinery: import it on first use only,
    # so that `import bliss_lite` (and the CLI's --version) stays fast.
    if name == "open_session":
        from bliss_lite.session import open_session

        return open_session
    raise AttributeError(f"module 'bliss_lite' has no attribute {name!r}")
