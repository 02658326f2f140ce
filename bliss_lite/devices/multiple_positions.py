"""``MultiplePositions``: named positions of one or more motors (SPEC 3.4).

``beamstop.position`` is the label of the first position (config order) whose
every target is within its tolerance (edges included), else ``"unknown"``;
``beamstop.move("IN")`` (or ``beamstop.IN()``) moves its motors there, together
(``move_simultaneous: true``, the default) or one after another in config order.
The ``scan_metadata`` of the current position is published to scans through
:meth:`MultiplePositions.scan_metadata` (protocol ``HasMetadataForScan``).
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from typing import Any

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices._config import check_keys
from bliss_lite.devices._text import table
from bliss_lite.devices.moving import move_together
from bliss_lite.devices.protocols import Movable

DEFAULT_TOLERANCE = 1e-4


@dataclass
class Target:
    """One motor's destination in a position."""

    axis: Movable
    destination: float
    tolerance: float = DEFAULT_TOLERANCE

    def as_dict(self) -> dict[str, Any]:
        """``{"axis", "destination", "tolerance"}``, as BLISS lists a target."""
        return {"axis": self.axis, "destination": self.destination, "tolerance": self.tolerance}

    def reached(self) -> bool:
        """True when the axis is within ``tolerance`` of ``destination`` (edges
        included, with a little slack for floating-point rounding)."""
        slack = 1e-9 * max(1.0, abs(self.destination))
        return abs(self.axis.position - self.destination) <= self.tolerance + slack


@dataclass
class Position:
    """A labelled position: its targets and its optional scan metadata."""

    label: str
    description: str = ""
    targets: list[Target] = field(default_factory=list)
    scan_metadata: dict | None = None
    dataset_metadata: dict | None = None

    def reached(self) -> bool:
        return bool(self.targets) and all(t.reached() for t in self.targets)


class MultiplePositions:
    """Named positions of several motors; implements ``HasMetadataForScan``."""

    def __init__(self, name: str, positions: list[Position], simultaneous: bool = True) -> None:
        self.name = name
        self.simultaneous = simultaneous
        self._positions = positions
        self.scan_metadata_enabled = True
        for position in positions:
            self._add_label_method(position.label)

    def _add_label_method(self, label: str) -> None:
        if not label.isidentifier() or hasattr(type(self), label) or label in vars(self):
            return
        setattr(self, label, functools.partial(self._label_move, label))

    def _label_move(self, label: str, wait: bool = True) -> None:
        print(f"Moving '{self.name}' to position: {label}")
        self.move(label, wait=wait)

    # -- description --------------------------------------------------------
    @property
    def labels(self) -> list[str]:
        return [p.label for p in self._positions]

    @property
    def positions_list(self) -> list[dict]:
        """Every position as BLISS gives it: ``{"label", "description", "target":
        [{"axis", "destination", "tolerance"}, ...]}`` (plus ``scan_metadata``)."""
        out = []
        for p in self._positions:
            entry = {"label": p.label, "description": p.description,
                     "target": [t.as_dict() for t in p.targets]}
            if p.scan_metadata is not None:
                entry["scan_metadata"] = copy.deepcopy(p.scan_metadata)
            out.append(entry)
        return out

    @property
    def targets_dict(self) -> dict[str, list[dict]]:
        """``{label: [{"axis", "destination", "tolerance"}, ...]}``."""
        return {p.label: [t.as_dict() for t in p.targets] for p in self._positions}

    @property
    def motors(self) -> dict[str, Movable]:
        """``{name: axis}`` of every motor used by a position, in config order."""
        out: dict[str, Movable] = {}
        for p in self._positions:
            for t in p.targets:
                out.setdefault(t.axis.name, t.axis)
        return out

    @property
    def motor_names(self) -> list[str]:
        return list(self.motors)

    @property
    def motor_objs(self) -> list[Movable]:
        return list(self.motors.values())

    def _position(self, label: str) -> Position:
        for p in self._positions:
            if p.label == label:
                return p
        valid = ", ".join(self.labels)
        raise ValueError(f"{self.name}: {label!r} is not a valid position label; "
                         f"valid labels are: {valid}")

    # -- state --------------------------------------------------------------
    @property
    def position(self) -> str:
        """The label of the first position reached, else ``"unknown"``."""
        for p in self._positions:
            if p.reached():
                return p.label
        return "unknown"

    @property
    def state(self) -> str:
        """``"MOVING"`` while one of its motors moves, else ``"READY"``."""
        for axis in self.motors.values():
            if getattr(axis, "is_moving", False):
                return "MOVING"
        return "READY"

    # -- motion -------------------------------------------------------------
    def check_label(self, label: Any) -> None:
        """Raise (before anything moves) for an unknown label, a target out of a
        motor's limits or a motor already moving."""
        if not isinstance(label, str):
            raise TypeError(f"{self.name}: a position label must be a string, got {label!r}")
        for t in self._position(label).targets:
            t.axis.check_target(t.destination)
            if getattr(t.axis, "is_moving", False):
                raise RuntimeError(f"{self.name}: {t.axis.name} is already moving")

    def move(self, label: str, wait: bool = True) -> None:
        """Move to the position ``label``: all motors together, or one after another
        in config order when ``move_simultaneous`` is false (then always waiting)."""
        self.check_label(label)
        targets = self._position(label).targets
        if not self.simultaneous:
            for t in targets:
                t.axis.move(t.destination, wait=True)
            return
        move_together([(t.axis, t.destination) for t in targets], wait=wait)

    def wait(self) -> None:
        """Wait until every motor has stopped."""
        for axis in self.motors.values():
            axis.wait_move()

    def stop(self) -> None:
        """Stop every motor."""
        for axis in self.motors.values():
            axis.stop()

    # -- HasMetadataForScan -------------------------------------------------
    def scan_metadata(self) -> dict | None:
        """The ``scan_metadata`` of the current position (a copy), or None when the
        position is unknown or has none."""
        label = self.position
        if label == "unknown":
            return None
        metadata = self._position(label).scan_metadata
        return copy.deepcopy(metadata) if metadata is not None else None

    def dataset_metadata(self) -> dict | None:
        """The ``dataset_metadata`` of the current position (a copy), or None: what
        the ESRF data policy keeps for a dataset (``HasMetadataForDataset``)."""
        label = self.position
        if label == "unknown":
            return None
        metadata = self._position(label).dataset_metadata
        return copy.deepcopy(metadata) if metadata is not None else None

    def enable_scan_metadata(self) -> None:
        self.scan_metadata_enabled = True

    def disable_scan_metadata(self) -> None:
        self.scan_metadata_enabled = False

    # -- display ------------------------------------------------------------
    def __info__(self) -> str:
        current = self.position
        rows = [["", "LABEL", "DESCRIPTION", "MOTOR POSITION(S)"]]
        for p in self._positions:
            motors = "\n".join(f"{t.axis.name}: {t.destination:3.3f}  (± {t.tolerance:2.3f})"
                               for t in p.targets)
            rows.append(["*" if p.label == current else "", p.label, p.description, motors])
        lines = [table(rows), ""]
        for axis in self.motors.values():
            try:
                value = f"{axis.position:3.4f}"
            except Exception:  # an unreadable motor must not hide the rest
                value = "!ERR"
            lines.append(f"{axis.name} = {value}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<MultiplePositions {self.name} position={self.position}>"


def multiple_positions(name: str | None, node: ConfigNode, config: Any) -> MultiplePositions:
    """Factory for ``class: MultiplePositions`` (also ``MultiplePosition``)."""
    check_keys(node, config, known=("positions", "move_simultaneous"),
               accepted=("simultaneous_move",))
    if not name:
        raise node.error("a MultiplePositions needs a 'name'")
    simultaneous = True
    for key in ("move_simultaneous", "simultaneous_move"):
        if key in node:
            simultaneous = node.get_typed(key, bool, True)
    raw_positions = node.require("positions", list)
    positions: list[Position] = []
    for item in raw_positions:
        if not isinstance(item, dict):
            raise node.error("each item of 'positions' must be a mapping with 'label' and "
                             "'target'", "positions")
        positions.append(_read_position(item, node, config))
    labels = [p.label for p in positions]
    for label in labels:
        if labels.count(label) > 1:
            raise node.error(f"position label {label!r} is defined twice", "positions")
    return MultiplePositions(name, positions, simultaneous)


def _read_position(item: ConfigNode, owner: ConfigNode, config: Any) -> Position:
    node = item if isinstance(item, ConfigNode) else ConfigNode(item, filename=owner.filename,
                                                                line=owner.line, parent=owner)
    check_keys(node, config, known=("label", "description", "target", "scan_metadata",
                                    "metadata", "dataset_metadata"))
    label = node.require("label")
    if isinstance(label, bool) or not isinstance(label, (str, int, float)):
        raise node.error(f"'label' must be a string, got {label!r}", "label")
    label = str(label)
    description = node.get_typed("description", str, "")
    metadata = None
    for key in ("scan_metadata", "metadata"):
        if key in node:
            metadata = node.get_typed(key, dict)
            break
    targets = []
    raw_targets = node.require("target", list)
    for raw in raw_targets:
        if not isinstance(raw, dict):
            raise node.error(f"position {label!r}: each target must be a mapping with "
                             f"'axis' and 'destination'", "target")
        tnode = raw if isinstance(raw, ConfigNode) else ConfigNode(raw, filename=node.filename,
                                                                   line=node.line, parent=node)
        check_keys(tnode, config, known=("axis", "destination", "tolerance"))
        ref = tnode.require("axis")
        axis = config.resolve(ref, tnode, "axis") if isinstance(ref, str) else ref
        if not isinstance(axis, Movable):
            raise tnode.error(f"position {label!r}: 'axis' {ref!r} is not a motor", "axis")
        destination = tnode.require("destination", float)
        tolerance = tnode.get_typed("tolerance", float, DEFAULT_TOLERANCE)
        if tolerance < 0 or not math.isfinite(destination):
            raise tnode.error(f"position {label!r}: invalid destination or tolerance")
        targets.append(Target(axis, destination, tolerance))
    if not targets:
        raise node.error(f"position {label!r} has no target", "target")
    dataset_metadata = node.get_typed("dataset_metadata", dict) if "dataset_metadata" in node else None
    return Position(label, description, targets, _plain(metadata), _plain(dataset_metadata))


def _plain(value: Any) -> Any:
    """YAML data as plain dicts and lists (no configuration bookkeeping)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
