"""BLISS's counters and detectors in real scans of a session: SoftCounter, calc
counters (YAML and Python), FixedShapeCounter, OneDimSimulationCounter,
SampleStageDiode/FixedDataDiode, SimulatedMCA and the Lima simulator — in ct,
loopscan, ascan, amesh and measurement groups, their values, and the file read back
with h5py (NXdetector layout, compression filter, the data acquired)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import h5py
import hdf5plugin  # noqa: F401  (reads bitshuffle-LZ4)
import numpy
import pytest

from bliss_lite import open_session
from bliss_lite.config import ConfigError

DEVICES = """\
- class: mockup
  axes:
    - {name: sx, steps_per_unit: 1000, velocity: 1000, acceleration: 10000, unit: mm}
    - {name: sy, steps_per_unit: 1000, velocity: 1000, acceleration: 10000, unit: mm}
- {name: d1, class: simulation_diode}
- {name: d2, class: simulation_diode}
- name: cam
  class: Lima
  tango_url: id00/limaccds/simulator1
  width: 128
  height: 96
  axis1: $sx
  axis2: $sy
  scale: 20
  sigma: 6
  intensity: 2000
  background: 3
- name: cam32
  class: Lima
  width: 64
  height: 32
  dtype: float32
  compression: gzip
- {name: mca1, module: mca, class: SimulatedMCA, plugin: bliss, spectrum_size: 256}
- name: lin
  plugin: bliss
  module: expression_based_calc
  class: ExpressionCalcCounter
  expression: m*x+b
  constants: {m: 2, b: 3}
  inputs:
    - {counter: $d1, tags: x}
- name: exprs
  module: expression_based_calc
  class: ExpressionCalcCounterController
  inputs:
    - {counter: $d1, tags: a}
    - {counter: $d2, tags: b}
  constants: {k: 10}
  outputs:
    - {name: total, expression: a + b}
    - {name: scaled, expression: k * sqrt(a)}
- name: meanc
  module: simulation_calc_counter
  class: MeanCalcCounterController
  inputs:
    - {counter: $d1, tags: data1}
    - {counter: $d2, tags: data2}
  outputs:
    - name: out1
- name: camroi
  class: RoiCalcCounterController
  roi: [10, 20, 30, 15]
  inputs:
    - {counter: $cam.image_counter, tags: img}
  outputs:
    - {name: roisum, tags: sum}
    - {name: roimax, tags: max}
- name: stage
  package: bliss.controllers.demo.sample_stage_diode
  class: SampleStageDiode
  axis1: $sx
  axis2: $sy
  noise: 0
  data: [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
- name: fixed
  package: bliss.controllers.demo.fixed_data_diode
  class: FixedDataDiode
  axis: $sx
  data: [[0, 0], [1, 10], [2, 20]]
- {name: MGD, class: MeasurementGroup, counters: [d1, cam, mca1, lin]}
"""

SETUP = """\
from bliss.common.counter import SoftCounter
from bliss.controllers.lima.roi import Roi, ArcRoi
sx_pos = SoftCounter(sx, "position", name="sx_pos", unit="mm")
"""


@pytest.fixture
def env(tmp_path):
    root = tmp_path / "beamline"
    (root / "config").mkdir(parents=True)
    (root / "sessions").mkdir()
    (root / "config" / "devices.yml").write_text(DEVICES)
    (root / "sessions" / "lab.yml").write_text(textwrap.dedent("""\
        - class: Session
          name: lab
          setup-file: ./lab_setup.py
        """))
    (root / "sessions" / "lab_setup.py").write_text(SETUP)
    session = open_session("lab", root=root, verbose=False)
    assert not [n for n in ("total", "roisum", "stage", "fixed", "cam", "mca1")
                if n not in session.env]                       # every object initialized
    session.env["SCAN_SAVING"].base_path = str(tmp_path / "scans")
    session.env["SCAN_DISPLAY"].mode = "off"
    yield session.env
    session.close()


def entry(scan) -> str:
    return f"{scan.scan_number}.1"


# ---------------------------------------------------------------------------- the API

def test_bliss_names_and_counter_api(env):
    from bliss.common.counter import (CalcCounter, Counter, IntegratingCounter, SamplingCounter,
                                      SamplingMode, SoftCounter)
    from bliss.controllers.counter import (CalcCounterController, CounterController,
                                           SamplingCounterController)
    from bliss.controllers.mca.simulation import SimulatedMCA
    from bliss.controllers.lima.lima_base import Lima
    from bliss.controllers.simulation_counter import FixedShapeCounter, OneDimSimulationCounter

    assert [m.name for m in SamplingMode] == ["MEAN", "STATS", "SAMPLES", "SINGLE", "LAST",
                                              "INTEGRATE", "INTEGRATE_STATS"]
    d1 = env["d1"]
    assert isinstance(d1, SamplingCounter) and isinstance(d1, Counter)
    assert d1.fullname == "simulation_diode_sampling_controller:d1"
    assert d1._counter_controller.name == "simulation_diode_sampling_controller"
    assert d1.shape == () and d1.dtype == numpy.float64 and 0 < d1.raw_read <= 100
    assert isinstance(env["mca1"], SimulatedMCA) and isinstance(env["cam"], Lima)
    assert isinstance(env["exprs"], CalcCounterController)
    assert isinstance(env["lin"], CalcCounter)
    assert issubclass(SamplingCounterController, CounterController)
    assert IntegratingCounter and FixedShapeCounter and OneDimSimulationCounter and SoftCounter


def test_conversion_function_and_statistics(env):
    from bliss.common.counter import SamplingMode, SoftCounter

    class Source:
        name = "src"
        value = 4.0

    counter = SoftCounter(Source(), mode=SamplingMode.STATS)
    counter.conversion_function = lambda v: v * 10
    scan = env["loopscan"](2, 0, counter)
    assert scan.get_data()["value"].tolist() == [40.0, 40.0]
    assert scan.get_data()["value_N"].tolist() == [1.0, 1.0]
    assert counter.statistics.mean == 40.0 and counter.fullname == "src:value"
    with pytest.raises(TypeError, match="conversion_function must be callable"):
        counter.conversion_function = 3


def test_soft_counter_follows_its_axis(env):
    from bliss.common.counter import SoftCounter

    calls = []

    def temperature():
        calls.append(1)
        return 21.5

    sx_pos, sx = env["sx_pos"], env["sx"]
    scan = env["ascan"](sx, 0, 2, 4, 0, sx_pos, SoftCounter(value=temperature, unit="degC"))
    data = scan.get_data()
    assert data["sx_pos"].tolist() == pytest.approx([0, 0.5, 1, 1.5, 2])
    assert data["temperature"].tolist() == [21.5] * 5 and len(calls) == 5
    assert env["ct"](0, sx_pos).get_data()["sx_pos"].tolist() == [2.0]
    scan = env["amesh"](sx, 0, 1, 1, env["sy"], 0, 1, 1, 0, sx_pos)
    assert scan.get_data()["sx_pos"].tolist() == pytest.approx(scan.get_data()["sx"].tolist())
    with pytest.raises(AttributeError, match="has no attribute 'nothere'"):
        SoftCounter(sx, "nothere")


# ---------------------------------------------------------------------------- calc counters

def test_calc_counters_equal_their_formula(env):
    ex, meanc = env["exprs"], env["meanc"]
    assert env["total"] is ex.outputs.total and env["out1"] is meanc.outputs.out1  # objects too
    scan = env["loopscan"](5, 0.01, env["lin"], ex, meanc.outputs.out1)
    d = scan.get_data()
    d1, d2 = d["d1"], d["d2"]            # the inputs are in the scan
    assert d["lin"] == pytest.approx(2 * d1 + 3)
    assert d["total"] == pytest.approx(d1 + d2)
    assert d["scaled"] == pytest.approx(10 * numpy.sqrt(d1))
    assert d["out1"] == pytest.approx((d1 + d2) / 2)
    ex.constants.k = 1
    scan = env["ascan"](env["sx"], 0, 1, 3, 0, ex.counters.scaled)
    assert scan.get_data()["scaled"] == pytest.approx(numpy.sqrt(scan.get_data()["d1"]))
    with h5py.File(scan.filename, "r") as f:
        assert f[f"{entry(scan)}/measurement/scaled"].shape == (4,)
        assert f[f"{entry(scan)}/measurement/d1"].shape == (4,)


def test_calc_counter_in_python(env):
    from bliss.controllers.counter import CalcCounterController

    class Diff(CalcCounterController):
        def calc_function(self, input_dict):
            return {"diff": input_dict["a"] - input_dict["b"]}

    diff = Diff("diff_ctrl", {"inputs": [{"counter": env["d1"], "tags": "a"},
                                         {"counter": env["d2"], "tags": "b"}],
                              "outputs": [{"name": "diff"}]})
    scan = env["loopscan"](4, 0, diff, env["d1"])
    d = scan.get_data()
    assert d["diff"] == pytest.approx(d["d1"] - d["d2"])
    assert diff.outputs.diff.fullname == "diff_ctrl:diff"
    assert env["ct"](0, diff.outputs.diff).get_data()["diff"].shape == (1,)


def test_calc_counter_over_an_image_roi(env):
    scan = env["loopscan"](3, 0, env["camroi"])
    d = scan.get_data()
    frames = numpy.asarray(d["cam:image"])
    assert d["roisum"] == pytest.approx(frames[:, 20:35, 10:40].sum(axis=(1, 2)))
    assert d["roimax"] == pytest.approx(frames[:, 20:35, 10:40].max(axis=(1, 2)))


def test_calc_configuration_mistakes(tmp_path):
    from bliss_lite.config import Config
    from bliss_lite.devices import BUILTIN_CLASSES

    (tmp_path / "c.yml").write_text(textwrap.dedent("""\
        - {name: d1, class: simulation_diode}
        - name: bad
          class: ExpressionCalcCounter
          expression: m*x + __import__('os')
          inputs: [{counter: $d1, tags: x}]
          constants: {m: 1}
        - name: unknown
          class: ExpressionCalcCounter
          expression: m*y
          inputs: [{counter: $d1, tags: x}]
          constants: {m: 1}
        - name: noinput
          class: MeanCalcCounterController
          inputs: [{counter: $nothere}]
          outputs: [{name: o}]
        """))
    config = Config(tmp_path, classes=BUILTIN_CLASSES)
    with pytest.raises(ConfigError, match=r"c.yml, line 4, object 'bad': expression .*only the functions"):
        config.get("bad")
    with pytest.raises(ConfigError, match=r"'y' is neither an input tag nor a constant"):
        config.get("unknown")
    with pytest.raises(ConfigError, match=r"object 'noinput': reference '\$nothere' names no object"):
        config.get("noinput")


# ---------------------------------------------------------------------------- simulated 1-D

def test_fixed_shape_and_one_dim_counters(env):
    from bliss.controllers.simulation_counter import (FixedShapeCounter, OneDimSimulationController,
                                                      OneDimSimulationCounter)

    dev = FixedShapeCounter("gaussian", npoints=21)
    scan = env["ascan"](dev.axis, 0, 1, dev.npoints - 1, 0, dev.counter)
    values = scan.get_data()["value"]
    assert len(values) == 21 and numpy.argmax(values) == 10 and values[10] == pytest.approx(1.0)

    one = OneDimSimulationCounter("spec", OneDimSimulationController(), signal="triangle", size=16)
    scan = env["loopscan"](3, 0, one)
    assert scan.get_data()["spec"].shape == (3, 16)
    with h5py.File(scan.filename, "r") as f:
        dataset = f[f"{entry(scan)}/instrument/spec/data"]
        assert dataset.shape == (3, 16) and dataset.chunks == (1, 16)
        assert dataset[1] == pytest.approx(one._get_data())


def test_sample_stage_and_fixed_data_diodes(env):
    stage, fixed, sx, sy = env["stage"], env["fixed"], env["sx"], env["sy"]
    scan = env["amesh"](sx, -1, 1, 2, sy, -1, 1, 2, 0, stage, fixed)
    d = scan.get_data()
    expected = [float(numpy.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])[int(a + 1.5), int(b + 1.5)])
                for a, b in zip(d["sx"], d["sy"])]
    assert d["signal"].tolist() == expected
    assert d["fixed"] == pytest.approx(numpy.interp(d["sx"], [0, 1, 2], [0, 10, 20]))


# ---------------------------------------------------------------------------- MCA

def test_simulated_mca(env):
    mca = env["mca1"]
    mca.rois.set("roi1", 100, 150)
    with pytest.raises(ValueError, match="End of ROI limit"):
        mca.rois.set("bad", 10, 5)
    names = [c.name for c in mca.counters]
    assert "spectrum_det0" in names and "roi1_det3" in names and "roi1" in names
    assert "deadtime_det2" in names and "realtime_det0" in names
    scan = env["timescan"](0.05, mca, npoints=3)
    d = scan.get_data()
    spectra = d["spectrum_det1"]
    assert spectra.shape == (3, 256) and spectra.dtype == numpy.uint32
    assert d["roi1_det1"].tolist() == spectra[:, 100:150].sum(axis=1).tolist()
    total = sum(d[f"spectrum_det{i}"][:, 100:150].sum(axis=1) for i in range(4))
    assert d["roi1"].tolist() == total.tolist()
    assert d["realtime_det0"] == pytest.approx([0.05] * 3)
    assert ((0 < d["deadtime_det0"]) & (d["deadtime_det0"] < 1)).all()
    with h5py.File(scan.filename, "r") as f:
        e = f[entry(scan)]
        det1 = e["instrument/mca1_det1"]
        assert det1.attrs["NX_class"] == "NXdetector"
        assert {"data", "elapsed_time", "live_time", "fractional_dead_time", "triggers", "events",
                "roi1"} <= set(det1)
        assert det1["data"].compression_opts is not None or det1["data"].chunks == (1, 256)
        assert (e["measurement/mca1_det1"][()] == spectra).all()
        assert e["measurement/mca1_det1_elapsed_time"][()] == pytest.approx([0.05] * 3)
        assert e["instrument/mca1_sum/roi1"][()].tolist() == total.tolist()
    scan = env["ascan"](env["sx"], 0, 1, 2, 0.01, mca.counters.roi1, mca.counters.spectrum_det0)
    assert scan.get_data()["roi1"].shape == (3,)


# ---------------------------------------------------------------------------- Lima

def test_lima_interface(env):
    from bliss.controllers.lima.roi import ArcRoi, Roi

    cam = env["cam"]
    assert cam.image.width == 128 and cam.image.height == 96 and cam.image.depth == 2
    assert cam.image.sizes == [0, 2, 128, 96] and cam.proxy.image_sizes == [0, 2, 128, 96]
    cam.roi_counters["r1"] = Roi(50, 30, 20, 20)
    cam.roi_counters["arc"] = ArcRoi(64, 48, 5, 20, 0, 90)
    cam.roi_profiles["p1"] = Roi(0, 40, 128, 10)
    cam.roi_profiles.set_roi_mode("vertical", "p1")
    assert cam.roi_profiles["p1"].length == 10
    assert [c.name for c in cam.roi_counters.counters][:5] == ["r1_sum", "r1_avg", "r1_std", "r1_min", "r1_max"]
    assert cam.roi_counters.counters.r1_sum.fullname == "cam:roi_counters:r1_sum"
    assert cam.bpm.x.fullname == "cam:bpm:x"
    cam.roi_counters._proxy.Stop(), cam.roi_counters._proxy.Start()
    cam.roi_counters._proxy.RunLevel = 2
    cam.proxy.acq_nb_frames = 5
    assert cam.acquisition.nb_frames == 5
    text = cam.__info__()
    assert "Image:" in text and "ROI Counters:" in text and "r1" in text and "Saving:" in text
    with pytest.raises(ValueError, match="Roi size must be > 0"):
        Roi(0, 0, 0, 10)
    with pytest.raises(TypeError, match="expected a Roi or ArcRoi"):
        cam.roi_counters["x"] = "square"
    with pytest.raises(AttributeError, match="simulated LimaCCDs has no attribute 'nothing'"):
        cam.proxy.nothing
    cam.image.roi = [10, 10, 64, 32]
    cam.image.binning = [2, 2]
    assert (cam.image.width, cam.image.height) == (32, 16)
    assert env["ct"](0, cam.image_counter).get_data()["image"].shape == (1, 16, 32)
    cam.image.roi = None
    cam.image.binning = [1, 1]
    cam.image.rotation = 90
    assert (cam.image.width, cam.image.height) == (96, 128)
    cam.image.rotation = 0


def test_lima_roi_counters_equal_numpy_sums_of_the_frame(env):
    from bliss.controllers.lima.roi import ArcRoi, Roi

    cam = env["cam"]
    cam.roi_counters["r1"] = Roi(50, 30, 20, 20)
    cam.roi_counters["arc"] = ArcRoi(64, 48, 5, 20, 0, 90)
    cam.roi_profiles["p1"] = Roi(0, 40, 128, 10)
    scan = env["loopscan"](4, 0, cam)
    d = scan.get_data()
    frames = numpy.asarray(d["cam:image"]).astype(float)
    part = frames[:, 30:50, 50:70]
    assert d["r1_sum"] == pytest.approx(part.sum(axis=(1, 2)))
    assert d["r1_avg"] == pytest.approx(part.mean(axis=(1, 2)))
    assert d["r1_std"] == pytest.approx(part.std(axis=(1, 2)))
    assert d["r1_min"] == pytest.approx(part.min(axis=(1, 2)))
    assert d["r1_max"] == pytest.approx(part.max(axis=(1, 2)))
    yy, xx = numpy.mgrid[0:96, 0:128]
    r = numpy.hypot(xx + 0.5 - 64, yy + 0.5 - 48)
    angle = numpy.degrees(numpy.arctan2(yy + 0.5 - 48, xx + 0.5 - 64)) % 360
    mask = (r >= 5) & (r <= 20) & (angle <= 90)
    assert d["arc_sum"] == pytest.approx(frames[:, mask].sum(axis=1))
    assert d["p1"] == pytest.approx(frames[:, 40:50, :].sum(axis=1))
    assert d["x"] == pytest.approx([64.0] * 4, abs=1.0)  # the spot is centred (sx = sy = 0)


def test_lima_spot_follows_the_axes_and_alignment_works(env):
    from bliss.controllers.lima.roi import Roi

    cam, sx = env["cam"], env["sx"]
    cam.roi_counters["r1"] = Roi(64, 38, 20, 20)   # centred on x = 74: sx = 0.5 mm (20 px/mm)
    scan = env["ascan"](sx, -1.5, 1.5, 30, 0, cam.roi_counters.counters.r1_sum, cam.bpm.x)
    d = scan.get_data()
    assert d["x"] == pytest.approx(64 + 20 * d["sx"], abs=1.0)
    assert env["cen"](cam.roi_counters.counters.r1_sum) == pytest.approx(0.5, abs=0.1)  # a float (BLISS 2.4)


def test_lima_file_layout_and_compression(env):
    from bliss.controllers.lima.roi import Roi

    cam = env["cam"]
    cam.roi_counters["r1"] = Roi(50, 30, 20, 20)
    scan = env["loopscan"](3, 0, cam, env["cam32"].image_counter)
    frames = numpy.asarray(scan.get_data()["cam:image"])
    with h5py.File(scan.filename, "r") as f:
        e = f[entry(scan)]
        image = e["instrument/cam/data"]
        assert e["instrument/cam"].attrs["NX_class"] == "NXdetector"
        assert image.shape == (3, 96, 128) and image.dtype == numpy.uint16 and image.chunks == (1, 96, 128)
        plist = image.id.get_create_plist()
        assert [plist.get_filter(i)[0] for i in range(plist.get_nfilters())] == [32008]  # bitshuffle
        assert (e["measurement/cam"][()] == frames).all()
        roi = e["instrument/cam_r1"]
        assert {"data", "avg", "std", "min", "max"} <= set(roi)
        assert e["measurement/cam_r1"][()] == pytest.approx(frames[:, 30:50, 50:70].sum(axis=(1, 2)))
        assert "measurement/cam_r1_avg" in e and "instrument/cam_bpm/x" in e
        float_image = e["instrument/cam32/data"]
        assert float_image.dtype == numpy.float32 and float_image.compression == "gzip"  # YAML override
        assert float_image.shuffle and float_image.compression_opts == 4


@pytest.mark.parametrize("method,filter_id", [("gzip", 1), ("none", None)])
def test_scan_saving_compression(env, method, filter_id):
    env["SCAN_SAVING"].compression = method
    scan = env["loopscan"](2, 0, env["cam"].image_counter)
    with h5py.File(scan.filename, "r") as f:
        plist = f[f"{entry(scan)}/instrument/cam/data"].id.get_create_plist()
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    assert (filter_id in filters) if filter_id else filters == []
    with pytest.raises(ValueError, match="SCAN_SAVING.compression must be one of bslz4, gzip, none"):
        env["SCAN_SAVING"].compression = "zip"


def test_measurement_group_of_detectors(env):
    mg = env["MGD"]
    assert "cam:image" in mg.enabled and "mca1:spectrum_det0" in mg.enabled
    mg.disable("cam:bpm:*", "mca1:*_det1", "mca1:*_det2", "mca1:*_det3")
    scan = env["ct"](0.01, mg)
    d = scan.get_data()
    assert "lin" in d and "spectrum_det0" in d and "spectrum_det1" not in d
    assert d["image"].shape == (1, 96, 128) and "fwhm_x" not in d
    scan = env["ascan"](env["sx"], 0, 1, 2, 0, mg)
    assert scan.get_data()["lin"] == pytest.approx(2 * scan.get_data()["d1"] + 3)


def test_lima_configuration_mistakes(tmp_path):
    from bliss_lite.config import Config
    from bliss_lite.devices import BUILTIN_CLASSES

    (tmp_path / "c.yml").write_text(textwrap.dedent("""\
        - {name: m1, class: simulation_diode}
        - name: cam
          class: Lima
          dtype: int8
        - name: cam2
          class: Lima
          axis1: $m1
        - name: cam3
          class: Lima
          compression: lzma
        - {name: mca, module: mca, class: SimulatedMCA, spectrum_size: 0}
        """))
    config = Config(tmp_path, classes=BUILTIN_CLASSES)
    with pytest.raises(ConfigError, match=r"c.yml, line 4, object 'cam': 'dtype' must be one of"):
        config.get("cam")
    with pytest.raises(ConfigError, match=r"object 'cam2': 'axis1' must be a reference to an axis"):
        config.get("cam2")
    with pytest.raises(ConfigError, match=r"line 10, object 'cam3': 'compression' must be one of bslz4"):
        config.get("cam3")
    with pytest.raises(ConfigError, match=r"object 'mca': 'spectrum_size' must be a positive integer"):
        config.get("mca")


def test_images_read_back_lazily_from_the_file(env, monkeypatch):
    from bliss_lite.scanning import data

    monkeypatch.setattr(data, "RING_BYTES", 3 * 96 * 128 * 2)  # a ring of 3 frames
    cam = env["cam"]
    scan = env["loopscan"](10, 0, cam.image_counter)
    frames = scan.get_data()["cam:image"]
    assert isinstance(frames, data.FileFrames)
    assert frames.shape == (10, 96, 128) and len(frames) == 10
    with h5py.File(scan.filename, "r") as f:
        stored = f[f"{entry(scan)}/instrument/cam/data"][()]
    assert (frames[2] == stored[2]).all() and (frames[-1] == stored[-1]).all()
    assert (frames[3:6] == stored[3:6]).all() and (numpy.asarray(frames) == stored).all()
    # not saved: the latest frames of the ring
    scan = env["loopscan"](10, 0, cam.image_counter, save=False)
    assert scan.get_data()["cam:image"].shape == (3, 96, 128)


def test_missing_plugin_writes_uncompressed_with_one_line(env, monkeypatch, capsys):
    from bliss_lite.nexus import compression

    monkeypatch.setattr(compression, "_state", {"loaded": None, "error": "No module named 'hdf5plugin'"})
    scan = env["loopscan"](2, 0, env["cam"].image_counter)
    scan = env["loopscan"](2, 0, env["cam"].image_counter)
    err = capsys.readouterr().err
    assert err.count("hdf5plugin cannot be imported") == 1
    with h5py.File(scan.filename, "r") as f:
        dataset = f[f"{entry(scan)}/instrument/cam/data"]
        assert dataset.id.get_create_plist().get_nfilters() == 0 and dataset.shape == (2, 96, 128)
