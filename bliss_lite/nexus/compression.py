"""How 1-D and 2-D channels (spectra, images) are stored: one point per chunk,
compressed.

``bslz4`` (the default) is bitshuffle + LZ4 through the ``hdf5plugin`` package (HDF5
filter 32008), as fast as the disk and ~3× smaller for detector frames; ``gzip`` is
gzip level 4 with shuffle (what BLISS's writer uses; ~10× slower); ``none`` stores
chunks as they are.  Without ``hdf5plugin`` a ``bslz4`` channel is written
uncompressed and one warning line says so (once per process).  Readers of ``bslz4``
data need ``import hdf5plugin`` (silx does it).
"""

from __future__ import annotations

from typing import Any, Sequence

from bliss_lite._common import COMPRESSIONS, print_warning

__all__ = ["BITSHUFFLE_FILTER_ID", "COMPRESSIONS", "DEFAULT", "dataset_options", "load_filters"]

DEFAULT = "bslz4"
BITSHUFFLE_FILTER_ID = 32008
_state: dict[str, Any] = {}


def load_filters() -> bool:
    """Register hdf5plugin's filters with HDF5 (for writing and reading); False when
    hdf5plugin is not installed."""
    if "loaded" not in _state:
        try:
            import hdf5plugin  # noqa: F401  (registers the filters)

            _state["loaded"] = hdf5plugin
        except Exception as exc:  # not installed, or broken
            _state["loaded"] = None
            _state["error"] = str(exc) or type(exc).__name__
    return _state["loaded"] is not None


def dataset_options(point_shape: Sequence[int], method: str | None) -> dict[str, Any]:
    """``create_dataset`` keywords for a channel of fixed ``point_shape`` (one point
    per chunk; ``maxshape``/``dtype`` are the caller's) compressed with ``method``."""
    method = method or DEFAULT
    if method not in COMPRESSIONS:
        raise ValueError(f"unknown compression {method!r}, expected one of {', '.join(COMPRESSIONS)}")
    options: dict[str, Any] = {"chunks": (1,) + tuple(int(n) for n in point_shape)}
    if method == "gzip":
        options.update(compression="gzip", compression_opts=4, shuffle=True)
    elif method == "bslz4":
        if load_filters():
            options.update(_state["loaded"].Bitshuffle(cname="lz4"))
        elif not _state.get("warned"):
            _state["warned"] = True
            print_warning(f"hdf5plugin cannot be imported ({_state['error']}): images and spectra "
                          "are written uncompressed (pip install hdf5plugin).")
    return options
