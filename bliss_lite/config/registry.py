"""The class registry: how a ``class:`` name of the configuration becomes an object."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from bliss_lite.config.node import ConfigNode

if TYPE_CHECKING:
    from bliss_lite.config.config import Config

__all__ = ["BLISS_MODULES", "ClassEntry", "Factory", "close_class_names"]

#: ``module:`` values of BLISS configurations that name BLISS's own controller
#: modules (``bliss.controllers.X``, ``bliss.controllers.motors.X`` for emotion):
#: with one of them the ``class:`` (or the module's name) is looked up among the
#: built-in classes instead of being imported from the beamline directory.
BLISS_MODULES = frozenset({
    "mockup", "motors.mockup", "mockup_calc", "motors.mockup_calc", "energywavelength",
    "motors.energywavelength", "slits", "motors.slits", "simulation_diode", "simulation_counter",
    "multiplepositions", "measurementgroup",
    "mca", "mca.simulation", "lima", "lima.lima_base", "expression_based_calc",
    "simulation_calc_counter", "demo.sample_stage_diode", "demo.fixed_data_diode",
})

Factory = Callable[[str | None, ConfigNode, "Config"], Any]


@dataclass(frozen=True)
class ClassEntry:
    """One built-in class: ``factory(name, node, config) -> object``.

    With ``controller=True`` the object holds named children (a ``mockup`` controller
    and its ``axes:``): the factory is called once per controller mapping (``name`` is
    None when the controller has none) and children are obtained with
    ``controller.get_child(name)``.
    """

    factory: Factory
    controller: bool = False


def close_class_names(name: str, known: Iterable[str]) -> list[str]:
    """Known class names that look like ``name`` (case-insensitive), best first."""
    by_lower: dict[str, str] = {}
    for candidate in known:
        by_lower.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.75)
    return [by_lower[m] for m in matches]
