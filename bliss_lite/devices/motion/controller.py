"""``Controller``: a motor controller of the configuration, with its axes and encoders.

A controller mapping lists its ``axes:`` (and ``encoders:``); each item with a
``name:`` becomes an object created on first use (``get_child(name)``); items named
``$other`` are references to axes defined elsewhere (the reals of a calc controller).
``tags: real up`` tags an axis (``controller._tagged["up"]``, ``axis.has_tag("up")``).

Subclasses simulate the hardware by implementing, in dial units: ``read_position``,
``set_position``, ``start_one``, ``stop``, ``state``, ``is_moving`` and
``wait_move`` (the axis does everything else).
"""

from __future__ import annotations

import threading
from typing import Any, Iterable

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys, store_of
from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.motion.axis import Axis, NoSettingsAxis
from bliss_lite.devices.motion.config import AxisConfig
from bliss_lite.devices.motion.modulo import ModuloAxis

__all__ = ["Controller", "split_args"]

AXIS_KEYS = ("steps_per_unit", "velocity", "acceleration", "low_limit", "high_limit", "sign",
             "offset", "tolerance", "unit", "display_digits", "backlash",
             "velocity_low_limit", "velocity_high_limit", "jog_velocity", "encoder", "tags",
             "check_discrepancy", "closed_loop", "modulo", "no_offset", "check_encoder",
             "read_position", "default_cust_attr", "default_voltage", "custom_setting1",
             "s_param", "dspace")
#: BLISS axis keys accepted without a use here.
AXIS_ACCEPTED = ("disabled_cache", "motion_hooks", "polling_time", "backlash_is_dial", "acctime")


def split_args(args: tuple, kwargs: dict) -> tuple[str | None, Any, Any]:
    """BLISS controllers are built as ``Cls(config)`` or ``Cls(name, config)``;
    bliss_lite's factories pass ``(name, node, config)``.  Returns (name, node, Config)."""
    args = list(args)
    config = kwargs.pop("config", None)
    if args and not isinstance(args[0], (str, type(None))):
        args.insert(0, None)
    name = args[0] if args else None
    node = args[1] if len(args) > 1 else kwargs.pop("node", {})
    if len(args) > 2:
        config = args[2]
    if not isinstance(node, ConfigNode):
        node = ConfigNode(node or {})
    return name or node.name, node, config


class Controller:
    """A motor controller built from its configuration mapping."""

    #: ``class:`` of an axis item → Axis class (None: the controller's default)
    AXIS_CLASSES: dict[str | None, type] = {None: Axis, "Axis": Axis, "NoSettingsAxis": NoSettingsAxis,
                                            "ModuloAxis": ModuloAxis}
    #: axes need velocity and acceleration in their YAML
    MOTION_CONFIG = True
    #: a move is never skipped as "already there" (``_is_already_on_position`` is False)
    ALWAYS_MOVES = False
    _LIST_KEYS = ("axes", "encoders")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        name, node, config = split_args(args, kwargs)
        self._node = node
        self._cfg = config
        self.name = name or f"{type(self).__name__.lower()}@{node.filename}:{node.line}"
        self.config = node
        self._tagged: dict[str, list[Any]] = {}
        self._axis_nodes: dict[str, ConfigNode] = {}
        self._ref_nodes: list[ConfigNode] = []
        self._encoder_nodes: dict[str, ConfigNode] = {}
        self._other: dict[str, tuple[str, ConfigNode]] = {}
        self._axes: dict[str, Axis] = {}
        self._encoders: dict[str, Any] = {}
        self._refs_resolved = False
        self._lock = threading.RLock()
        self._disabled = False
        axes = node.get("axes", [])
        if not isinstance(axes, list):
            raise node.error("'axes' must be a list of axis mappings", "axes")
        for item in axes:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            if item["name"].startswith("$"):
                self._ref_nodes.append(item)
            else:
                self._axis_nodes[item["name"]] = item
        encoders = node.get("encoders", [])
        for item in encoders if isinstance(encoders, list) else []:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                self._encoder_nodes[item["name"]] = item
        for key, value in node.items():
            if key in self._LIST_KEYS or not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    self._other[item["name"]] = (key, item)
        self._init()

    def _init(self) -> None:
        """Hook for subclasses, called at the end of ``__init__``."""

    @classmethod
    def __lite_create__(cls, name: str | None, node: ConfigNode, config: Any) -> "Controller":
        """How the configuration creates a user subclass given by ``module:``/``class:``."""
        return cls(name, node, config)

    # -- configuration --------------------------------------------------------------------
    @property
    def store(self) -> Any:
        return store_of(self._cfg)

    def _resolve(self, node: ConfigNode, key: str = "name") -> Any:
        """The object a ``$name`` value of ``node`` names."""
        value = node.get(key)
        resolve = getattr(self._cfg, "resolve", None)
        if resolve is None:
            raise node.error(f"reference '{value}' needs the configuration to be resolved", key)
        return resolve(value, node, key)

    @property
    def axis_names(self) -> list[str]:
        return list(self._axis_nodes)

    @property
    def axes(self) -> dict[str, Axis]:
        """Every axis the controller defines (created if needed), by name."""
        return {name: self.get_axis(name) for name in self._axis_nodes}

    @property
    def encoders(self) -> dict[str, Any]:
        return {name: self.get_encoder(name) for name in self._encoder_nodes}

    def get_child(self, name: str) -> Any:
        """The axis or encoder ``name`` of this controller, created once."""
        if name in self._encoder_nodes:
            return self.get_encoder(name)
        return self.get_axis(name)

    def get_axis(self, name: str) -> Axis:
        with self._lock:
            axis = self._axes.get(name)
            if axis is not None:
                return axis
            node = self._axis_nodes.get(name)
            if node is None:
                if name in self._other:
                    key, child = self._other[name]
                    raise child.error(f"'{key}' of a {type(self).__name__.lower()} controller are not "
                                      f"supported by bliss_lite (only its axes and encoders are "
                                      f"simulated)")
                raise self._node.error(f"controller '{self.name}' has no axis '{name}'")
            axis = self._create_axis(name, node)
            self._axes[name] = axis
            self._tag(axis, node)
        self._axis_created(axis)
        return axis

    def _axis_created(self, axis: Axis) -> None:
        """Hook called once an axis exists (outside the lock)."""

    def _tag(self, axis: Any, node: ConfigNode) -> list[str]:
        tags = node.get("tags")
        if tags is None:
            return []
        if not isinstance(tags, str):
            raise node.error(f"'tags' must be a text of words, got {tags!r}", "tags")
        words = tags.split()
        for tag in words:
            self._tagged.setdefault(tag, []).append(axis)
        return words

    def _axis_class(self, node: ConfigNode) -> type:
        cls = node.get("class")
        if cls not in self.AXIS_CLASSES:
            supported = ", ".join(c for c in self.AXIS_CLASSES if c)
            raise node.error(f"axis class '{cls}' is not supported by bliss_lite's "
                             f"{type(self).__name__} controller (supported: {supported})", "class")
        return self.AXIS_CLASSES[cls]

    def _create_axis(self, name: str, node: ConfigNode) -> Axis:
        check_keys(node, self._cfg, known=AXIS_KEYS, accepted=AXIS_ACCEPTED)
        cls = self._axis_class(node)
        config = AxisConfig.from_node(node, motion=self.MOTION_CONFIG)
        axis = cls(name, self, config, self.store, node)
        if node.get("no_offset") is not None:
            axis.no_offset = bool(node.get("no_offset"))
        if node.get("encoder") is not None:
            encoder = self._resolve(node, "encoder")
            axis._encoder = encoder
            encoder.axis = axis
        closed_loop = node.get("closed_loop")
        if closed_loop:
            from bliss_lite.devices.motion.closed_loop import ClosedLoop

            if not isinstance(closed_loop, dict):
                raise node.error("'closed_loop' must be a mapping (state, and the "
                                 "controller's parameters)", "closed_loop")
            try:
                axis._closed_loop = ClosedLoop(axis, node, closed_loop)
            except NotImplementedError:
                raise node.error(f"a {type(self).__name__} axis has no closed loop",
                                 "closed_loop") from None
        return axis

    def _reload_axis_config(self, axis: Axis, current: AxisConfig) -> AxisConfig:
        node = self._axis_nodes.get(axis.name)
        return AxisConfig.from_node(node, motion=self.MOTION_CONFIG) if node is not None else current

    def get_encoder(self, name: str) -> Any:
        from bliss_lite.devices.motion.encoder import Encoder

        with self._lock:
            encoder = self._encoders.get(name)
            if encoder is None:
                node = self._encoder_nodes[name]
                cls = node.get("class")
                if cls not in (None, "Encoder", "MockupEncoder"):
                    raise node.error(f"encoder class '{cls}' is not supported by bliss_lite "
                                     f"(supported: Encoder, MockupEncoder)", "class")
                encoder = self._encoders[name] = Encoder(name, self, node)
            return encoder

    # -- hardware interface (dial units) ----------------------------------------------------
    def _initialize_axis(self, axis: Axis) -> None:
        self.initialize_axis(axis)
        if axis._closed_loop is not None:
            axis._closed_loop._apply_config_state()

    def initialize_axis(self, axis: Axis) -> None:
        """Called on the first use of ``axis``."""

    def close(self) -> None:
        """Release the controller (nothing to release for a simulation)."""

    def _persisted_dial(self, axis: Axis) -> float | None:
        """The dial position to persist for ``axis`` (None: not persisted)."""
        return None

    def _is_already_on_position(self, axis: Axis, delta: float) -> bool:
        return False

    def _clean_end(self, axis: Axis) -> bool:
        """True when a move of ``axis`` cannot have ended on a limit, powered off or in
        fault (then its state is read only when asked)."""
        return False

    def _jogging(self, axis: Axis) -> bool:
        return False

    def _check_discrepancy(self, axis: Axis) -> None:
        """Raise (BLISS's RuntimeError) when the controller's position of ``axis``
        differs from the axis's own beyond its tolerance (a move is about to start)."""

    def _sync_hard(self, axis: Axis) -> None:
        """Forget what the axis believes: the controller's position is the truth."""

    # -- closed loop (none unless a controller has one) ------------------------------------
    def get_closed_loop_requirements(self) -> list[str]:
        raise NotImplementedError

    def _do_get_closed_loop_state(self, axis: Axis) -> Any:
        raise NotImplementedError

    def activate_closed_loop(self, axis: Axis, onoff: bool = True) -> None:
        raise NotImplementedError

    def set_closed_loop_param(self, axis: Axis, param: str, value: Any) -> None:
        raise NotImplementedError

    def get_closed_loop_param(self, axis: Axis, param: str) -> Any:
        raise NotImplementedError

    def closed_loop_reset_error(self, axis: Axis) -> None:
        raise NotImplementedError

    def read_position(self, axis: Axis) -> float:
        raise NotImplementedError

    def set_position(self, axis: Axis, dial: float) -> float:
        raise NotImplementedError(f"{type(self).__name__}: cannot set the position of {axis.name}")

    def start_one(self, axis: Axis, dial_target: float, backlash: float = 0.0) -> None:
        raise NotImplementedError

    def start_all(self, moves: Iterable[tuple[Axis, float, float]]) -> None:
        """Start several moves of this controller's axes at once."""
        for axis, target, backlash in moves:
            self.start_one(axis, target, backlash)

    def stop(self, axis: Axis) -> None:
        """Stop ``axis``."""

    def is_moving(self, axis: Axis) -> bool:
        return False

    def wait_move(self, axis: Axis) -> None:
        """Block until ``axis`` has stopped."""

    def state(self, axis: Axis) -> AxisState:
        return AxisState("READY")

    def set_velocity(self, axis: Axis, velocity: float) -> None:
        """Accept a new velocity (units/s) for ``axis``."""

    def set_acceleration(self, axis: Axis, acceleration: float) -> None:
        """Accept a new acceleration (units/s²) for ``axis``."""

    def set_on(self, axis: Axis) -> None:
        raise NotImplementedError(f"{type(self).__name__}: cannot power {axis.name} on")

    def set_off(self, axis: Axis) -> None:
        raise NotImplementedError(f"{type(self).__name__}: cannot power {axis.name} off")

    def home_search(self, axis: Axis, switch: int) -> None:
        raise NotImplementedError(f"{type(self).__name__}: {axis.name} has no home search")

    def limit_search(self, axis: Axis, limit: int) -> None:
        raise NotImplementedError(f"{type(self).__name__}: {axis.name} has no limit search")

    def start_jog(self, axis: Axis, velocity: float, direction: int) -> None:
        raise NotImplementedError(f"start_jog() is not implemented for "
                                  f"'{type(self).__name__}' motor: {axis.name}")

    def get_axis_info(self, axis: Axis) -> str:
        return f"{type(self).__name__.upper()} AXIS:\n    {axis.name}"

    def __info__(self) -> str:
        lines = [f"Controller name: {self.name}", f"{type(self).__name__.upper()} CONTROLLER:",
                 f"    axes: {', '.join(self._axis_nodes) or '-'}"]
        if self._encoder_nodes:
            lines.append(f"    encoders: {', '.join(self._encoder_nodes)}")
        if self._other:
            lines.append(f"    not simulated: {', '.join(self._other)}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
