"""Calc counters from the configuration and from Python, as BLISS has them.

* ``ExpressionCalcCounterController`` / ``ExpressionCalcCounter``
  (``bliss.controllers.expression_based_calc``): outputs given by arithmetic
  expressions of the tagged inputs and named ``constants``;
* ``MeanCalcCounterController`` (``bliss.controllers.simulation_calc_counter``): the
  mean of its inputs;
* ``RoiCalcCounterController``: statistics (``sum``, ``avg``, ``std``, ``min``,
  ``max``) of a rectangle of a 2-D input (an image).

An expression is checked when the object is created; it may use numbers, the tags
and constants, ``+ - * / // % **``, comparisons and numpy's ``sqrt exp log log10
sin cos tan arcsin arccos arctan abs where minimum maximum``.
"""

from __future__ import annotations

import ast
from typing import Any

import numpy

from bliss_lite.config.node import ConfigNode
from bliss_lite.devices.counters.base import CalcCounter, CalcCounterController

__all__ = [
    "ExpressionCalcCounter", "ExpressionCalcCounterController", "MeanCalcCounterController",
    "RoiCalcCounterController", "Times2CalcCounterController",
]

_FUNCTIONS = {name: getattr(numpy, name) for name in (
    "sqrt", "exp", "log", "log10", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "abs",
    "where", "minimum", "maximum")}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Constant, ast.Name, ast.Load,
          ast.Call, ast.operator, ast.unaryop, ast.cmpop, ast.IfExp, ast.BoolOp, ast.boolop)


def compile_expression(expression: Any, names: set[str]) -> Any:
    """``expression`` compiled, or ValueError saying what is wrong with it."""
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError(f"an expression must be a non-empty string, got {expression!r}")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"expression {expression!r} is not valid ({err.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _NODES):
            raise ValueError(f"expression {expression!r}: {type(node).__name__} is not allowed")
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name)
                                               and node.func.id in _FUNCTIONS):
            raise ValueError(f"expression {expression!r}: only the functions "
                             f"{', '.join(_FUNCTIONS)} may be called")
        if isinstance(node, ast.Name) and node.id not in names and node.id not in _FUNCTIONS:
            raise ValueError(f"expression {expression!r}: {node.id!r} is neither an input tag "
                             f"nor a constant (known: {', '.join(sorted(names)) or 'none'})")
    return compile(tree, "<expression>", "eval")


class ExpressionConstants:
    """The ``constants`` of an expression controller: ``ctrl.constants.m = 3``."""

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"no constant named {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"no constant named {name!r} (constants: {', '.join(self._values)})")
        self._values[name] = value

    def to_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def __info__(self) -> str:
        return str(self._values)


def _plain(config: Any) -> dict:
    """A dict of the config with ``ConfigNode``s of ``inputs`` as plain dicts."""
    return {key: value for key, value in dict(config).items()}


class ExpressionCalcCounterController(CalcCounterController):
    """Outputs ``[{name: out, expression: "m*x+b"}]`` of tagged ``inputs`` and ``constants``."""

    def __init__(self, name: str, config: Any) -> None:
        config = _plain(config)
        self.constants = ExpressionConstants(dict(config.get("constants") or {}))
        self._expressions = {o["name"]: o.get("expression") for o in config.get("outputs") or ()}
        super().__init__(name, config)
        names = set(self.tags.values()) | set(self.constants.to_dict())
        self._compiled = {out: compile_expression(e, names) for out, e in self._expressions.items()}

    def calc_function(self, input_dict: dict) -> dict:
        names = {**self.constants.to_dict(), **_FUNCTIONS}
        for counter in self._input_counters:
            tag = self.tags[counter.name]
            names[tag] = input_dict[tag]
        return {self.tags[out]: numpy.asarray(eval(code, {"__builtins__": {}}, names), dtype=numpy.float64)
                for out, code in self._compiled.items()}

    def __info__(self) -> str:
        text = f"{self.name} ({type(self).__name__}):\n inputs:\n"
        for counter in self._input_counters:
            text += f"  - {self.tags[counter.name]}: {counter.name}\n"
        text += " constants:\n" + "".join(f"  - {k}: {v}\n" for k, v in self.constants.to_dict().items())
        text += " outputs:\n" + "".join(f"  - {k}: {v}\n" for k, v in self._expressions.items())
        return text


class ExpressionCalcCounter(CalcCounter):
    """One counter ``name`` = ``expression`` of tagged ``inputs`` and ``constants``."""

    def __init__(self, name: str, config: Any) -> None:
        config = _plain(config)
        super().__init__(name, unit=config.get("unit"))
        self._expression = config.get("expression")
        controller = ExpressionCalcCounterController(f"{name}_ctrl", {
            "inputs": config.get("inputs") or [], "constants": config.get("constants") or {},
            "outputs": [{"name": name, "tags": name, "expression": self._expression,
                         "unit": config.get("unit")}]})
        controller._counters.clear()
        self._set_controller(controller)
        self.constants = controller.constants

    def __info__(self) -> str:
        return super().__info__() + f"\nexpression: {self._expression}\n" + \
            self._counter_controller.__info__()


class MeanCalcCounterController(CalcCounterController):
    """The mean of all its inputs, as its (first) output."""

    def calc_function(self, input_dict: dict) -> dict:
        total = sum(input_dict[self.tags[c.name]] for c in self.inputs)
        return {self.tags[self.outputs[0].name]: total / float(len(self.inputs))}


class Times2CalcCounterController(CalcCounterController):
    """Twice its first input (a BLISS test class)."""

    def calc_function(self, input_dict: dict) -> dict:
        return {self.tags[self.outputs[0].name]: input_dict[self.tags[self.inputs[0].name]] * 2}


_ROI_STATS = ("sum", "avg", "std", "min", "max")


class RoiCalcCounterController(CalcCounterController):
    """Statistics of the rectangle ``roi: [x, y, width, height]`` of its 2-D input.

    Each output's tag is one of ``sum avg std min max`` (default: its name)."""

    def __init__(self, name: str, config: Any) -> None:
        config = _plain(config)
        roi = config.get("roi")
        if not (isinstance(roi, (list, tuple)) and len(roi) == 4
                and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in roi)):
            raise ValueError(f"'roi' must be [x, y, width, height] (integers >= 0), got {roi!r}")
        x, y, w, h = roi
        if w == 0 or h == 0:
            raise ValueError(f"'roi' must have a width and a height, got {roi!r}")
        self.roi = (x, y, w, h)
        super().__init__(name, config)
        if len(self._input_counters) != 1:
            raise ValueError("a RoiCalcCounterController takes exactly one input (an image counter)")
        for out in self.outputs:
            if self.tags[out.name] not in _ROI_STATS:
                raise ValueError(f"output {out.name!r}: its tag must be one of {', '.join(_ROI_STATS)}")

    def calc_function(self, input_dict: dict) -> dict:
        image = input_dict[self.tags[self.inputs[0].name]]
        x, y, w, h = self.roi
        part = numpy.asarray(image)[..., y:y + h, x:x + w].astype(numpy.float64)
        axes = (-2, -1)
        funcs = {"sum": numpy.sum, "avg": numpy.mean, "std": numpy.std, "min": numpy.min,
                 "max": numpy.max}
        return {self.tags[o.name]: funcs[self.tags[o.name]](part, axis=axes) for o in self.outputs}


# ------------------------------------------------------------------------ configuration

def _resolved(node: ConfigNode, config: Any) -> dict:
    """The node's keys with ``$references`` in ``inputs`` resolved to counters."""
    values = dict(node)
    inputs = []
    for item in node.get("inputs") or ():
        if not isinstance(item, dict) or "counter" not in item:
            raise node.error("each item of 'inputs' needs a 'counter: $name'", "inputs")
        counter = config.resolve(item["counter"], node, "inputs")
        if isinstance(counter, str):
            raise node.error(f"input {counter!r} must be a reference ($name) to a counter", "inputs")
        inputs.append({**item, "counter": counter})
    values["inputs"] = inputs
    return values


def calc_factory(cls: type) -> Any:
    """A configuration factory for the calc class ``cls`` (``cls(name, config)``)."""

    def factory(name: str | None, node: ConfigNode, config: Any) -> Any:
        if not name:
            raise node.error(f"a {cls.__name__} needs a 'name'")
        values = _resolved(node, config)
        if cls is not ExpressionCalcCounter and not values.get("outputs"):
            raise node.error(f"a {cls.__name__} needs 'outputs' (a list of {{name: ...}})", "outputs")
        try:
            return cls(name, values)
        except (ValueError, KeyError, TypeError) as err:
            key = "expression" if "expression" in str(err) else None
            raise node.error(str(err).strip("'\""), key) from None

    return factory
