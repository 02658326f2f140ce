"""Test devices with 2-D and 1-D points (until the real camera and MCA land): they
follow the Counter protocol, reached with module: + class:."""

import numpy

from bliss_lite.devices.protocols import ChannelSpec

#: The ROIs the camera declares (BLISS's Lima ROI dict form).
ROIS = {"roi1": {"kind": "rect", "x": 4, "y": 6, "width": 20, "height": 10}}


class SpotCamera:
    """A ``height`` x ``width`` frame, dark but for a bright 5x5 spot that moves one
    pixel right per point (from column 10, row 30)."""

    def __init__(self, name, config):
        self.name = name
        self.fullname = f"spotcam:{name}"
        self.width = int(config.get("width", 64))
        self.height = int(config.get("height", 48))
        self.index = 0

    def channels(self):
        return [ChannelSpec("image", f"{self.name}:image", dtype="uint16", shape=(self.height, self.width),
                            attrs={"rois": ROIS})]

    def prepare_for_scan(self, plan):
        self.index = 0

    def spot(self, index):
        """(row, column) of the spot's centre at point ``index``."""
        return 30, min(10 + index, self.width - 3)

    def read(self, count_time):
        frame = numpy.full((self.height, self.width), 10, dtype=numpy.uint16)
        row, col = self.spot(self.index)
        frame[row - 2: row + 3, col - 2: col + 3] = 1000
        self.index += 1
        return (frame,)


class Spectrometer:
    """A ``channels``-long spectrum with one peak at channel 40."""

    def __init__(self, name, config):
        self.name = name
        self.fullname = f"mca:{name}"
        self.n = int(config.get("channels", 128))

    def channels(self):
        return [ChannelSpec("spectrum", f"{self.name}:spectrum", shape=(self.n,))]

    def read(self, count_time):
        x = numpy.arange(self.n, dtype=float)
        return (100.0 * numpy.exp(-0.5 * ((x - 40) / 3.0) ** 2),)
