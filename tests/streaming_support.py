"""Helpers of the data Redis tests: a detector with every kind of channel, h5py tree
comparison."""

from __future__ import annotations

import h5py
import numpy

from bliss_lite.events import ChannelSpec


class KindsDetector:
    """A counter (devices.protocols.Counter) with a spectrum, a spectrum of varying
    length, an image and an integer scalar."""

    def __init__(self, name: str = "kinds", image_shape=(32, 48)) -> None:
        self.name = name
        self.fullname = f"kinds_controller:{name}"
        self.image_shape = tuple(image_shape)
        self._n = 0

    def channels(self):
        base = self.fullname
        return [
            ChannelSpec(f"{self.name}_spectrum", f"{base}_spectrum", "counts", dtype="float32", shape=(64,)),
            ChannelSpec(f"{self.name}_varlen", f"{base}_varlen", dtype="float64", shape=(-1,)),
            ChannelSpec(f"{self.name}_image", f"{base}_image", dtype="uint16", shape=self.image_shape),
            ChannelSpec(f"{self.name}_index", f"{base}_index", dtype="int32"),
        ]

    def read(self, count_time: float) -> tuple:
        n = self._n
        self._n += 1
        spectrum = numpy.arange(64, dtype="float32") * (n + 1)
        varlen = numpy.linspace(0, 1, 3 + n % 4)
        image = numpy.full(self.image_shape, n, dtype="uint16")
        image[0, : min(self.image_shape[1], n + 1)] = 7
        return (spectrum, varlen, image, numpy.int32(n))


def tree(path: str, entry: str, skip_attrs=("file_time", "file_update_time", "file_name")) -> dict:
    """Everything under /<entry> and the root attributes: path -> (kind, value, attrs)."""
    out: dict = {}
    with h5py.File(path, "r") as f:
        out["/@"] = {k: _plain(v) for k, v in f.attrs.items() if k not in skip_attrs}

        def visit(name, obj):
            link = f.get(f"{entry}/{name}", getlink=True)
            attrs = {k: _plain(v) for k, v in obj.attrs.items()}
            if isinstance(link, h5py.SoftLink):
                out[name] = ("link", link.path, attrs)
            elif isinstance(obj, h5py.Dataset):
                out[name] = ("dataset", _plain(obj[()]), str(obj.dtype), obj.shape, attrs)
            else:
                out[name] = ("group", None, attrs)

        f[entry].visititems_links(lambda name, link: visit(name, f[entry].get(name)))
    return out


def _plain(value):
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind == "O":
            return [(_plain(v)) for v in value.ravel()]
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, numpy.generic):
        return value.item()
    return value
