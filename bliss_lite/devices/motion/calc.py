"""``CalcController``: axes computed from other axes (BLISS's calc motors).

A calc controller lists its input axes as references tagged ``real <role>``
(``param <role>`` for parameters) and its own axes (the pseudos) with a role tag::

    - class: MyCalc                  # module: my_calcs  (a user subclass)
      axes:
        - {name: $roby, tags: real mot}
        - {name: calc_mot, tags: calc_mot}

A subclass implements ``calc_from_real({role: real user position}) -> {pseudo role:
dial position}`` and ``calc_to_real({pseudo role: dial position}) -> {real role: user
position}``.  A pseudo's position is computed from its reals whenever it is read, so
it follows them when they move on their own; moving a pseudo moves its reals
together (every real's limits checked first).

The pseudos' positions are computed once for a given set of real (and param)
positions, whichever pseudo is read (a slits scan point reads four of them).  A
subclass whose calculation also depends on its own attributes calls
``self.sync_pseudos()`` when they change, as in BLISS; a change of a pseudo's custom
setting (``s_param``, ``dspace`` ...) does it by itself.
"""

from __future__ import annotations

import math
from typing import Iterable

from bliss_lite.devices.axis_state import AxisState
from bliss_lite.devices.motion.axis import Axis, NoSettingsAxis
from bliss_lite.devices.motion.controller import Controller
from bliss_lite.devices.axis_state import group_state

__all__ = ["CalcAxis", "CalcController", "get_real_axes"]


class CalcAxis(Axis):
    """An output axis of a :class:`CalcController`."""

    @property
    def _is_calc_axis(self) -> bool:
        return True

    @property
    def state(self) -> AxisState:
        if not self._initialized:
            self._lazy_init()
        return self._controller.state(self)

    @property
    def hw_state(self) -> AxisState:
        return self._controller.state(self, hardware=True)

    @property
    def _set_position(self) -> float:
        """Computed from the reals' set positions (so it follows independent moves)."""
        return self._controller._pseudo_set_position(self)

    @_set_position.setter
    def _set_position(self, value: float) -> None:
        self._set_pos = float(value)

    def _move_done(self, limit_error: bool = True) -> None:
        self._emit("move_done")  # the reals have reported how their moves ended

    def sync_hard(self) -> None:
        """Re-read every real axis."""
        self._controller.sync_hard()


class CalcController(Controller):
    """The base of calc controllers: subclass it and implement ``calc_from_real`` and
    ``calc_to_real``."""

    AXIS_CLASSES = {None: CalcAxis, "CalcAxis": CalcAxis, "Axis": CalcAxis,
                    "NoSettingsAxis": NoSettingsAxis}
    MOTION_CONFIG = False
    ALWAYS_MOVES = True   # the reals may have moved on their own: always send them
    _PROTECTED_TAGS = ("real", "param")

    def _init(self) -> None:
        self._reals: list[Axis] = []
        self._params: list[Axis] = []
        self._pseudos: list[Axis] = []
        self._ready = False
        self._preparing = False
        self._roles: dict[int, str] = {}
        self._inputs: list[tuple[str, Axis]] = []
        self._computed: dict[str, tuple[tuple, dict[str, float]]] = {}
        for node in self._axis_nodes.values():
            tags = node.get("tags")
            if not isinstance(tags, str) or not tags.split():
                raise node.error("an axis of a calc controller needs 'tags:' (its role)", "tags")
            for tag in tags.split():
                if tag in self._PROTECTED_TAGS:
                    raise node.error(f"Output axis {node['name']} cannot be tagged {tag} (this tag "
                                     f"is reserved for the input axes role only)", "tags")
        for node in self._ref_nodes:
            tags = node.get("tags")
            if not isinstance(tags, str) or not tags.split():
                raise node.error(f"input axis {node['name']} of a calc controller needs "
                                 f"'tags: real <role>'", "tags")
            words = tags.split()
            for tag in words[1:]:
                if tag in self._PROTECTED_TAGS:
                    raise node.error(f"Input axis {node['name'][1:]} with role {words[0]} cannot "
                                     f"be tagged {tag} (this tag is reserved for the role only)",
                                     "tags")

    # -- building ---------------------------------------------------------------------------
    def _prepare(self) -> None:
        """Resolve the input axes and create every pseudo (once)."""
        if self._ready or self._preparing:
            return
        self._preparing = True
        try:
            for node in self._ref_nodes:
                axis = self._resolve(node)
                if not isinstance(axis, Axis):
                    raise node.error(f"CalcController input must be an axis but received "
                                     f"{axis!r} instead")
                words = self._tag(axis, node)
                (self._params if words[0] == "param" else self._reals).append(axis)
            for name in self._axis_nodes:
                self.get_axis(name)
            self._ready = True
            self._inputs = [(self._axis_tag(a), a) for a in self._reals + self._params]
            self.initialize()
        finally:
            self._preparing = False

    def get_axis(self, name: str) -> Axis:
        axis = super().get_axis(name)
        self._prepare()
        return axis

    def _axis_created(self, axis: Axis) -> None:
        self._pseudos.append(axis)
        axis._connect("custom_setting", lambda *_: self.sync_pseudos())
        self.initialize_axis(axis)

    def sync_pseudos(self) -> None:
        """Compute the pseudos' positions again at their next reading."""
        self._computed.clear()

    def initialize(self) -> None:
        """Called once the reals are known and every pseudo exists."""

    @property
    def reals(self) -> list[Axis]:
        self._prepare()
        return self._reals

    @property
    def params(self) -> list[Axis]:
        self._prepare()
        return self._params

    @property
    def pseudos(self) -> list[Axis]:
        self._prepare()
        return self._pseudos

    def _axis_tag(self, axis: Axis) -> str:
        """The role of ``axis`` in this controller (its own tag)."""
        tag = self._roles.get(id(axis))
        if tag is not None:
            return tag
        for tag, axes in self._tagged.items():
            if tag not in self._PROTECTED_TAGS and len(axes) == 1 and axes[0] is axis:
                if self._ready:
                    self._roles[id(axis)] = tag
                return tag
        raise KeyError(f"axis {axis.name} has no role tag in controller {self.name}")

    def get_axis_by_tag(self, tag: str) -> Axis:
        return self._tagged[tag][0]

    def tags2names(self, group: str | None = None) -> dict[str, str]:
        return {self._axis_tag(a): a.name for a in self._group(group)}

    def names2tags(self, group: str | None = None) -> dict[str, str]:
        return {a.name: self._axis_tag(a) for a in self._group(group)}

    def _group(self, group: str | None) -> list[Axis]:
        groups = {None: self.reals + self.params + self.pseudos, "reals": self.reals,
                  "params": self.params, "pseudos": self.pseudos}
        if group not in groups:
            raise ValueError(f"unknown group {group}, should be in [None, 'reals', 'params', "
                             f"'pseudos']")
        return groups[group]

    # -- the calculation ----------------------------------------------------------------------
    def calc_from_real(self, real_user_positions: dict[str, float]) -> dict[str, float]:
        """Pseudo dial positions from real (and param) user positions, by role."""
        raise NotImplementedError(f"{type(self).__name__} must implement calc_from_real")

    def calc_to_real(self, pseudo_dial_positions: dict[str, float]) -> dict[str, float]:
        """Real user positions from pseudo (and param) dial positions, by role."""
        raise NotImplementedError(f"{type(self).__name__} must implement calc_to_real")

    def _calc_from_real(self, attr: str = "position") -> dict[str, float]:
        """{pseudo role: dial position} from the reals' ``attr`` (read-only: shared
        with the next callers as long as the reals stay where they are)."""
        if not self._ready:
            self._prepare()
        inputs = self._inputs
        key = tuple([getattr(a, attr) for _, a in inputs])
        computed = self._computed.get(attr)
        if computed is not None and computed[0] == key:
            return computed[1]
        result = self.calc_from_real({tag: value for (tag, _), value in zip(inputs, key)})
        for tag in result:
            axes = self._tagged.get(tag)
            if not axes or axes[0] not in self._pseudos:
                name = axes[0].name if axes else tag
                raise RuntimeError(f"Axis {name} with tag {tag} is not a pseudo.\n"
                                   f"Check that dict returned by 'calc_from_real' has pseudos only.")
        self._computed[attr] = (key, result)
        return result

    def _pseudo_set_position(self, axis: Axis) -> float:
        if axis._set_pos is not None and self.is_moving(axis):
            return axis._set_pos
        return axis.dial2user(self._calc_from_real("_set_position")[self._axis_tag(axis)])

    def read_position(self, axis: Axis) -> float:
        return self._calc_from_real()[self._axis_tag(axis)]

    def _real_moves(self, targets: dict[Axis, float]) -> dict[Axis, float]:
        """{real: user target} for pseudo dial ``targets`` (other pseudos stay at their
        set positions, params at their positions)."""
        others = [a for a in self._pseudos if a not in targets]
        dial: dict[str, float] = {}
        if others:
            set_dials = self._calc_from_real("_set_position")
            for a in others:
                tag = self._axis_tag(a)
                moving_to = a._set_pos if a._pending and self.is_moving(a) else None
                dial[tag] = set_dials[tag] if moving_to is None else a.user2dial(moving_to)
        dial.update({self._axis_tag(a): a.position for a in self._params})
        dial.update({self._axis_tag(a): t for a, t in targets.items()})
        reals = self.calc_to_real(dial)
        moves = {}
        for tag, position in reals.items():
            real = self._tagged[tag][0]
            if position is None or not math.isfinite(float(position)):
                raise ValueError(f"axis {real.name} cannot be moved to position: {position}")
            moves[real] = float(position)
        return moves

    def start_one(self, axis: Axis, dial_target: float, backlash: float = 0.0) -> None:
        self.start_all([(axis, dial_target, 0.0)])

    def start_all(self, moves: Iterable[tuple[Axis, float, float]]) -> None:
        from bliss_lite.devices.moving import move_together

        real_moves = self._real_moves({axis: target for axis, target, _ in moves})
        for real, target in real_moves.items():
            if real.is_moving:
                raise RuntimeError(f"axis {real.name} state is 'MOVING'")
            real.check_target(target)
        move_together(real_moves.items(), wait=False)

    def check_targets(self, targets: dict[Axis, float]) -> None:
        """Raise what moving the pseudos to these dial targets would (reals' limits)."""
        for real, target in self._real_moves(targets).items():
            real.check_target(target)

    def is_moving(self, axis: Axis) -> bool:
        return any(real.is_moving for real in self.reals)

    def wait_move(self, axis: Axis) -> None:
        for real in self.reals:
            real.wait_move()

    def stop(self, axis: Axis) -> None:
        for real in self.reals:
            real.stop(wait=False)

    def state(self, axis: Axis, hardware: bool = False) -> AxisState:
        return group_state(self.reals, hardware)

    def set_position(self, axis: Axis, dial: float) -> float:
        if axis not in self._pseudos:
            raise RuntimeError(f"Cannot set dial position of axis {axis.name}, as it is not a pseudo")
        dial_positions = {self._axis_tag(a): a.user2dial(a._set_position)
                          for a in self._pseudos if a is not axis}
        dial_positions[self._axis_tag(axis)] = float(dial)
        for tag, user in self.calc_to_real(dial_positions).items():
            self._tagged[tag][0].position = user
        return self.read_position(axis)

    def sync_hard(self) -> None:
        self.sync_pseudos()
        for real in self.reals:
            real.sync_hard()

    def get_axis_info(self, axis: Axis) -> str:
        reals = ", ".join(f"{r.name} ({self._axis_tag(r)})" for r in self.reals)
        return f"CALC AXIS:\n    {axis.name} ({self._axis_tag(axis)}) computed from: {reals}"

    def __info__(self) -> str:
        from bliss_lite.devices._text import table

        def row(axis: Axis) -> list[str]:
            try:
                position = axis.axis_rounder(axis.position)
            except Exception:
                position = "!ERR"
            return [axis.name, f"{position} {axis.unit or ''}".rstrip(), f"{axis.offset:0.5f}",
                    f"{axis.sign}"]

        text = f"{type(self).__name__}: {self.name}"
        for title, axes in (("Reals", self.reals), ("Params", self.params),
                            ("Pseudos", self.pseudos)):
            if axes:
                text += "\n\n" + table([row(a) for a in axes],
                                       headers=[title, "position", "offset", "sign"])
        return text + "\n"


def get_real_axes(*axes: Axis, depth: float = -1) -> list[Axis]:
    """The real axes under ``axes`` (through calc controllers, ``depth`` levels; -1:
    all the way down)."""
    if depth == -1:
        depth = math.inf
    if depth == 0:
        return []
    found: list[Axis] = []
    for axis in axes:
        controller = getattr(axis, "controller", None)
        if isinstance(controller, CalcController):
            found += controller.reals
            found += get_real_axes(*controller.reals, depth=depth - 1)
        else:
            found.append(axis)
    return list(dict.fromkeys(found))
