"""BLISS's simulated scans (``bliss.common.scans.simulation``): ``simu_mesh`` and
``simu_l2scan``, with the fake devices they are made of.

* ``FakeController("fake_ctrl")``: counters of made-up data, generated for the scan's
  number of points: ``fake0D`` (random integers 0..99), ``fake1D`` (spectra of 1024
  ones), ``fakePix`` (the pixels of a square outline, one per point); read once per
  point (software trigger) or, hardware-triggered, one value per trigger received.
* ``FakeAcquisitionCard`` (``simu_card``): a MUSST-like card whose channels ``ch1``,
  ``ch2`` are the fast and slow motors' positions and ``ch3``... the value of a
  ``SampleStageDiode``'s sample image there (a synthetic image of four rectangles
  unless ``simdatapath`` names one); its program stores the channels and sends a
  hardware trigger every ``count_time``.
* ``simu_mesh``: an ``amesh`` over those; ``simu_l2scan``: a continuous motion of the
  fast motor (``MotorMaster``) during which the card samples ``x_intervals + 1``
  points, at each step of the slow motor.

bliss_lite differs in one point: a scan's channels all have one value per point, so
in ``simu_l2scan`` the slow motor's ``axis:<name>`` and the counters counted once per
line (the sampling counters given) repeat their line's value at each of its points,
where BLISS records one value per line.  ``imshow=True`` cannot show the sample image
(bliss_lite's plot window has no custom image plot): it says so and goes on.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Sequence

import numpy

from bliss_lite.devices.counters.base import Counter, CounterController
from bliss_lite.devices.demo_diodes import SampleStageDiode
from bliss_lite.scanning.acquisition.counter import SamplingCounterAcquisitionSlave
from bliss_lite.scanning.acquisition.motor import LinearStepTriggerMaster, MotorMaster
from bliss_lite.scanning.chain import TRIGGER_MODE_ENUM, AcquisitionChain, AcquisitionMaster, AcquisitionSlave
from bliss_lite.scanning.engine import Scan
from bliss_lite.scanning.scan_info import ScanInfo
from bliss_lite.scanning.toolbox import ChainBuilder

__all__ = ["FakeAcquisitionCard", "FakeAcquisitionCardMaster", "FakeAcquisitionSlave", "FakeController",
           "FakeCounter", "simu_l2scan", "simu_mesh", "test_image"]

_DEFAULT_COUNTERS = [{"counter_name": "fake0D", "data_size": (), "data_gen": "random"},
                     {"counter_name": "fake1D", "data_size": 1024, "data_gen": 1},
                     {"counter_name": "fakePix", "data_gen": "img_square"}]


def test_image(w: int = 800, h: int = 600) -> numpy.ndarray:
    """The synthetic sample: ones, with rectangles of 0, 50, 100 and 150."""
    image = numpy.ones((h, w))
    for x, y, dx, dy, value in ((0.1, 0.1, 0.1, 0.1, 0), (0.5, 0.1, 0.15, 0.15, 50),
                                (0.1, 0.5, 0.2, 0.2, 100), (0.5, 0.5, 0.25, 0.25, 150)):
        x0, y0 = int(w * x), int(h * y)
        image[y0:y0 + int(h * dy), x0:x0 + int(w * dx)] = value
    return image.astype("uint8")


class FakeCounter(Counter):
    """A counter of made-up data: ``data_gen`` "random", "img_square" or a constant;
    ``data_size`` () or (n,) (or (w, h))."""

    def __init__(self, name: str, controller: CounterController, conversion_function: Callable | None = None,
                 unit: str | None = None, data_gen: Any = None, data_size: Any = None,
                 data_type: Any = None) -> None:
        if data_size is None:
            data_size = ()
        elif not isinstance(data_size, (tuple, list)):
            data_size = (int(data_size),)
        self._data_gen = "random" if data_gen is None else data_gen
        self._data_size = tuple(data_size)
        super().__init__(name, controller, conversion_function, unit, int if data_type is None else data_type)

    @property
    def data_gen(self) -> Any:
        return self._data_gen

    @property
    def data_size(self) -> tuple:
        return self._data_size

    @property
    def shape(self) -> tuple:
        return self._data_size


class FakeController(CounterController):
    """Counters of made-up data (``config={"counters": [{"counter_name": ...,
    "data_gen": ..., "data_size": ...}]}``, default fake0D, fake1D, fakePix)."""

    def __init__(self, name: str, config: dict | None = None) -> None:
        super().__init__(name)
        self._config = config if config is not None else {"counters": list(_DEFAULT_COUNTERS)}
        self._trigger_type = TRIGGER_MODE_ENUM.SOFTWARE
        self._recv_triggers = 0
        self._cnts_values: dict[Any, Any] = {}
        self._last_indexes: dict[Any, int] = {}
        self.load_config()

    def load_config(self) -> None:
        for cfg in self._config.get("counters", []):
            self.create_counter(FakeCounter, cfg["counter_name"], data_gen=cfg.get("data_gen"),
                                data_size=cfg.get("data_size"))

    @property
    def trigger_type(self) -> TRIGGER_MODE_ENUM:
        return self._trigger_type

    @trigger_type.setter
    def trigger_type(self, value: Any) -> None:
        if value not in list(TRIGGER_MODE_ENUM):
            raise ValueError(f"invalid trigger type, should be in {list(TRIGGER_MODE_ENUM)}")
        self._trigger_type = TRIGGER_MODE_ENUM(value)

    # the data of a scan
    def prepare_for_scan(self, plan: Any) -> None:
        self._prepare_counters_data(max(int(plan.npoints or 0), 1))

    def _prepare_counters_data(self, npoints: int) -> None:
        self._cnts_values = {}
        self._last_indexes = {}
        for counter in self._counters.values():
            if isinstance(counter, FakeCounter):
                self._cnts_values[counter] = self._generate(counter, npoints)
                self._last_indexes[counter] = 0

    @staticmethod
    def _generate(counter: FakeCounter, npoints: int) -> Any:
        if counter.data_gen == "img_square":
            w = h = int(npoints ** 0.5)
            square = numpy.zeros((h, w), dtype=int)
            if w >= 2:
                square[1, :] = square[h - 2, :] = 1
                square[:, 1] = square[:, w - 2] = 1
            values = square.ravel()
            return values if len(values) else numpy.zeros(1, dtype=int)
        dim = len(counter.data_size)
        if dim == 0:
            if counter.data_gen == "random":
                return numpy.random.randint(0, 100, npoints)
            return numpy.full(npoints, int(counter.data_gen))
        if dim == 1:
            if counter.data_gen == "random":
                return numpy.random.randint(0, 100, (npoints, counter.data_size[0]))
            return numpy.full((npoints, counter.data_size[0]), counter.data_gen)
        if dim == 2:
            w, h = counter.data_size
            if counter.data_gen == "random":
                return numpy.random.randint(0, 100, (npoints, h, w))
            return numpy.full((npoints, h, w), float(counter.data_gen))
        raise ValueError(f"{counter.fullname}: cannot deal with a dimension of {dim}")

    def read_all(self, *counters: Any) -> list:
        """Software trigger: the next value of each counter (starting over at the end)."""
        values = []
        for counter in counters:
            data = self._cnts_values[counter]
            index = self._last_indexes[counter]
            values.append(data[index])
            self._last_indexes[counter] = (index + 1) % len(data)
        return values

    def get_values(self, from_index: int, *counters: Any) -> list:
        """Hardware trigger: each counter's values from ``from_index`` to the triggers received."""
        return [self._cnts_values[c][from_index:self._recv_triggers] for c in counters]

    def on_trigger_event(self) -> None:
        self._recv_triggers += 1

    def read_counters(self, counters: Sequence[Counter], count_time: float) -> list[tuple]:
        return [(counter.conversion_function(value),) for counter, value in zip(counters, self.read_all(*counters))]

    def get_acquisition_object(self, acq_params: dict, ctrl_params: dict | None = None,
                               parent_acq_params: dict | None = None) -> "FakeAcquisitionSlave":
        return FakeAcquisitionSlave(self, ctrl_params=ctrl_params, **acq_params)


class FakeAcquisitionSlave(AcquisitionSlave):
    """Reads a FakeController: at each iteration one value per counter (software
    trigger) or, hardware-triggered, every value until ``npoints`` are read."""

    def __init__(self, device: FakeController, npoints: int = 1, count_time: float = 1,
                 trigger_type: Any = None, prepare_once: bool = True, start_once: bool = False,
                 ctrl_params: dict | None = None, read_all_triggers: bool = False) -> None:
        super().__init__(device, name=f"{device.name}_FS", npoints=npoints,
                         trigger_type=device.trigger_type if trigger_type is None else trigger_type,
                         prepare_once=prepare_once, start_once=start_once, ctrl_params=ctrl_params)
        for counter in device.counters:
            self.add_counter(counter)
        self.count_time = count_time
        self.read_all_triggers = read_all_triggers
        self._stop_flag = False
        self._nb_acq_points = 0

    def prepare(self) -> None:
        self.device._prepare_counters_data(self.npoints)

    def start(self) -> None:
        self._nb_acq_points = 0
        self.device._recv_triggers = 0

    def stop(self) -> None:
        self._stop_flag = True

    def trigger(self) -> None:
        pass

    def _emit(self, values: list) -> None:
        self.channels.update_from_iterable(values)

    def reading(self) -> None:
        counters = list(self._counters)
        if self.trigger_type == TRIGGER_MODE_ENUM.SOFTWARE:
            self._emit([c.conversion_function(v) for c, v in zip(counters, self.device.read_all(*counters))])
            return
        while self.device._recv_triggers == 0 and not self._stop_flag:
            time.sleep(0.005)
        while (not self.npoints or self._nb_acq_points < self.npoints) and not self._stop_flag:
            values = [c.conversion_function(v) if len(v) else v
                      for c, v in zip(counters, self.device.get_values(self._nb_acq_points, *counters))]
            if len({len(v) for v in values}) > 1:
                raise RuntimeError("Read data can't have different sizes")
            if len(values[0]):
                self._nb_acq_points += len(values[0])
                self._emit(values)
            time.sleep(0.02)


class FakeAcquisitionCard(FakeController):
    """A MUSST-like card: ``config={"channels": [{"channel": 1, "read_func": f}, ...]}``
    makes counters ``ch1``...; its program (:meth:`program`) stores every channel
    (:meth:`STORE`) and sends a hardware trigger (:meth:`ATRIG`) to the devices
    registered with :meth:`register_to_trigger_event`."""

    def __init__(self, name: str, config: dict) -> None:
        self._card_channels: dict[str, tuple[int, Callable]] = {}
        super().__init__(name, {"counters": []})
        self._config = config
        self._prg_task: threading.Thread | None = None
        self._abort = False
        self._registered_callbacks: list[Callable] = []
        self._channels_values: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        for cfg in config.get("channels", []):
            cname = f"ch{cfg['channel']}"
            self._card_channels[cname] = (cfg["channel"], cfg["read_func"])
            self.create_counter(Counter, cname)

    def disconnect(self) -> None:
        self._registered_callbacks = []

    def register_to_trigger_event(self, device: Any) -> None:
        callback = getattr(device, "on_trigger_event", None)
        if callback is not None and callback not in self._registered_callbacks:
            self._registered_callbacks.append(callback)

    def run_program(self, nb_triggers: int, delta_time: float) -> None:
        if self.is_running:
            raise RuntimeError("program already running")
        self._abort = False
        self.CLEAN()
        self._prg_task = threading.Thread(target=self.program, args=(nb_triggers, delta_time),
                                          name=f"{self.name} program", daemon=True)
        self._prg_task.start()

    def program(self, nb_triggers: int, delta_time: float) -> None:
        """``nb_triggers`` times: store the channels, trigger, wait ``delta_time``."""
        for _ in range(nb_triggers):
            self.STORE()
            self.ATRIG()
            time.sleep(delta_time)
            if self._abort:
                break

    def abort(self) -> None:
        self._abort = True

    @property
    def is_running(self) -> bool:
        return self._prg_task is not None and self._prg_task.is_alive()

    def wait_program(self) -> None:
        if self._prg_task is not None:
            self._prg_task.join()

    def ATRIG(self) -> None:
        for callback in list(self._registered_callbacks):
            callback()

    def STORE(self) -> None:
        with self._lock:
            for cname, (_number, read) in self._card_channels.items():
                self._channels_values.setdefault(cname, []).append(float(read()))

    def CLEAN(self) -> None:
        with self._lock:
            self._channels_values = {}

    def get_values(self, from_index: int, *counters: Any) -> list:
        with self._lock:
            columns = [self._channels_values.get(c.name) for c in counters]
            if any(column is None for column in columns):
                return [[] for _ in counters]
            end = min(len(column) for column in columns)
            return [numpy.asarray(column[from_index:end]) for column in columns]

    def read_all(self, *counters: Any) -> list:
        self.STORE()
        with self._lock:
            return [self._channels_values[c.name].pop(-1) for c in counters]

    def _prepare_counters_data(self, npoints: int) -> None:
        pass


class FakeAcquisitionCardMaster(AcquisitionMaster):
    """Runs the card's program at each start (``npoints`` triggers, one every
    ``count_time``) for the hardware-triggered slaves below it."""

    def __init__(self, device: FakeAcquisitionCard, npoints: int = 1, count_time: float | None = None,
                 trigger_type: Any = TRIGGER_MODE_ENUM.SOFTWARE, prepare_once: bool = True,
                 start_once: bool = False, ctrl_params: dict | None = None) -> None:
        super().__init__(device, npoints=npoints, trigger_type=trigger_type, prepare_once=prepare_once,
                         start_once=start_once, ctrl_params=ctrl_params)
        self._count_time = count_time

    def prepare(self) -> None:
        self.device.register_to_trigger_event(self.device)
        for slave in self.slaves:
            self.device.register_to_trigger_event(slave.device)

    def start(self) -> None:
        self.device.wait_program()  # the previous line's last wait
        self.device.run_program(self.npoints, self._count_time)

    def trigger(self) -> None:
        pass

    def stop(self) -> None:
        self.device.abort()
        self.device.wait_program()
        self.device.disconnect()

    def wait_ready(self) -> None:
        self.device.wait_program()


# --------------------------------------------------------------------------------------
# The sample and its card
# --------------------------------------------------------------------------------------


def create_sample_stage_diode(simdatapath: str | None, scale: float) -> SampleStageDiode:
    """The sample image of ``simdatapath`` (a .npy or text file), else :func:`test_image`."""
    config = {"axis1": None, "axis2": None, "scale": scale, "data_filename": simdatapath,
              "data": test_image() if simdatapath is None else None}
    return SampleStageDiode("simdata", config)


def _position(motor: Any) -> Callable[[], float]:
    return (lambda: 0.0) if motor is None else (lambda: float(motor.position))


def create_fake_card_from_sample_stage_diodes(name: str, slow_motor: Any, fast_motor: Any,
                                              sample_stage_diodes: Sequence[SampleStageDiode],
                                              simdatapath: str | None = None, scale: float | None = None,
                                              imshow: bool = False) -> FakeAcquisitionCard:
    """The card: ``ch1`` the fast motor's position, ``ch2`` the slow one's, then one
    channel per sample diode (the image's value under the motors)."""
    diodes = list(sample_stage_diodes)
    if simdatapath or not diodes:
        diodes.append(create_sample_stage_diode(simdatapath, 1 if scale is None else scale))
    if imshow:
        print("imshow: bliss_lite's plot window has no image plot of its own: the sample image is not shown")
    read_x, read_y = _position(fast_motor), _position(slow_motor)
    channels = [{"channel": 1, "read_func": read_x}, {"channel": 2, "read_func": read_y}]
    for number, diode in enumerate(diodes, 3):
        channels.append({"channel": number,
                         "read_func": lambda d=diode: d.read_signal_from_pos(read_y(), read_x())})
    return FakeAcquisitionCard(name, {"channels": channels})


def _split_diodes(counters: Sequence[Any]) -> tuple[list[SampleStageDiode], list[Any]]:
    return ([c for c in counters if isinstance(c, SampleStageDiode)],
            [c for c in counters if not isinstance(c, SampleStageDiode)])


# --------------------------------------------------------------------------------------
# The scans
# --------------------------------------------------------------------------------------


def simu_mesh(fast_motor: Any, slow_motor: Any, *counters: Any, size: tuple = (9, 9), start: tuple = (0, 0),
              scale: float = 0.1, backnforth: bool = True, imshow: bool = True,
              simdatapath: str | None = None) -> Scan:
    """A 2-D ``amesh`` of ``size`` points over ``size`` units from ``start``, back and
    forth, over the sample: ``simu_card:ch3`` is the sample image there (its
    expected scatter plot: x ``axis:<fast>``, y ``axis:<slow>``, value
    ``simu_card:ch3``), plus ``fake_ctrl``'s counters and the counters given."""
    from bliss_lite.scanning.scans import amesh

    fake_ctrl = FakeController("fake_ctrl")
    diodes, counters = _split_diodes(counters)
    simu_card = create_fake_card_from_sample_stage_diodes(
        "simu_card", slow_motor=slow_motor, fast_motor=fast_motor, sample_stage_diodes=diodes,
        simdatapath=simdatapath, scale=scale, imshow=imshow)
    scan = amesh(fast_motor, start[0], start[0] + size[0], size[0] - 1,
                 slow_motor, start[1], start[1] + size[1], size[1] - 1, 0.01,
                 *counters, fake_ctrl, simu_card, run=False, backnforth=backnforth)
    scan.run()
    return scan


class _LineStepMaster(LinearStepTriggerMaster):
    """The slow motor's steps; its position recorded at each point of the line."""

    def __init__(self, points_per_line: int, *args: Any) -> None:
        super().__init__(*args)
        self._points_per_line = points_per_line

    def trigger(self) -> None:
        self.trigger_slaves()
        for channel, axis in zip(self.channels, self._motor_pos):
            channel.emit(numpy.full(self._points_per_line, axis.position))


class _LineSamplingSlave(SamplingCounterAcquisitionSlave):
    """Counters counted once per line, their value recorded at each point of it."""

    def __init__(self, points_per_line: int, *counters: Any, **keys: Any) -> None:
        super().__init__(*counters, **keys)
        self._points_per_line = points_per_line

    def trigger(self) -> None:
        for counter, channels in self._counters.items():
            for channel, value in zip(channels, counter.read(self.count_time)):
                channel.emit(numpy.repeat(numpy.asarray(value)[None], self._points_per_line, axis=0))


def simu_l2scan(fast_motor: Any, x_start: float, x_stop: float, x_intervals: int, slow_motor: Any,
                y_start: float, y_stop: float, y_intervals: int, count_time: float, *counters: Any,
                save: bool = True, save_images: bool = False, backnforth: bool = False, scale: float = 0.1,
                imshow: bool = False, simdatapath: str | None = None) -> Scan:
    """A zap scan: at each of the ``y_intervals + 1`` steps of ``slow_motor``,
    ``fast_motor`` moves continuously from ``x_start`` to ``x_stop`` in
    ``count_time * x_intervals`` seconds while ``simu_card`` samples ``x_intervals
    + 1`` points (``ch1`` / ``ch2`` the motors' positions, ``ch3`` the sample image
    there) and ``fake_ctrl`` (fake0D, fake1D) counts on its hardware triggers; the
    counters given count once per line.  Scan type ``l2scan``, a scatter plot of
    ``simu_card:ch3`` over ``ch1`` / ``ch2``."""
    x_npoints, y_npoints = int(x_intervals) + 1, int(y_intervals) + 1
    total_points = x_npoints * y_npoints

    chain = AcquisitionChain()
    fast_master = MotorMaster(fast_motor, x_start, x_stop, time=count_time * x_intervals, backnforth=backnforth)
    slow_master = _LineStepMaster(x_npoints, y_npoints, slow_motor, y_start, y_stop)
    chain.add(slow_master, fast_master)

    diodes, counters = _split_diodes(counters)
    simu_card = create_fake_card_from_sample_stage_diodes(
        "simu_card", slow_motor=slow_motor, fast_motor=fast_motor, sample_stage_diodes=diodes,
        simdatapath=simdatapath, scale=scale, imshow=imshow)
    simu_card.trigger_type = TRIGGER_MODE_ENUM.HARDWARE
    simu_master = FakeAcquisitionCardMaster(simu_card, npoints=x_npoints, count_time=count_time,
                                            trigger_type=TRIGGER_MODE_ENUM.HARDWARE)
    chain.add(fast_master, simu_master)

    fake_ctrl = FakeController("fake_ctrl", {"counters": _DEFAULT_COUNTERS[:2]})
    fake_ctrl.trigger_type = TRIGGER_MODE_ENUM.HARDWARE
    for controller in (fake_ctrl, simu_card):
        chain.add(simu_master, controller.get_acquisition_object({"npoints": x_npoints, "count_time": count_time}))
    if counters:
        for node in ChainBuilder(counters).nodes:
            chain.add(slow_master, _LineSamplingSlave(x_npoints, *node.counters, count_time=count_time,
                                                      npoints=y_npoints))

    fast_axis, slow_axis = simu_card.counters.ch1.fullname, simu_card.counters.ch2.fullname
    scan_info = ScanInfo()
    scan_info.update({"npoints": total_points, "npoints1": x_npoints, "npoints2": y_npoints, "type": "l2scan",
                      "count_time": count_time, "data_dim": 2, "start": [y_start, x_start],
                      "stop": [y_stop, x_stop]})
    scan_info.set_channel_meta(fast_axis, group="g1", axis_id=0, axis_kind="forth", start=x_start,
                               stop=x_stop, axis_points=x_npoints, points=total_points)
    scan_info.set_channel_meta(slow_axis, group="g1", axis_id=1, axis_kind="forth", start=y_start,
                               stop=y_stop, axis_points=y_npoints, points=total_points)
    scan_info.set_channel_meta("simu_card:ch3", group="g1")
    scan_info.add_scatter_plot(x=fast_axis, y=slow_axis, value="simu_card:ch3")
    title = (f"l2scan {fast_motor.name} {x_start} {x_stop} {x_intervals} "
             f"{slow_motor.name} {y_start} {y_stop} {y_intervals} {count_time}")
    scan = Scan(chain, name=title, scan_info=scan_info, save=save)
    scan.run()
    return scan
