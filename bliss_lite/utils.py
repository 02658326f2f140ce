"""General helpers BLISS setup files use from ``bliss.common.utils``.

A leaf module (standard library only): ``autocomplete_property``, ``deep_update``,
``ColorTags`` and the colour functions (``RED("text")``), ``typecheck`` (arguments
checked against their annotations, ``TypeError`` naming the call), ``grouped``,
``flatten``, ``merge``, ``all_equal``, ``natural_sort``, ``safe_get``,
``UserNamespace`` / ``IterableNamespace``, ``shorten_signature``.
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import itertools
import re
import types
import typing
from typing import Any, Callable, Iterable, Mapping

__all__ = ["autocomplete_property", "deep_update", "ColorTags", "PURPLE", "ORANGE", "CYAN",
           "DARKCYAN", "BLUE", "GREEN", "YELLOW", "RED", "WHITE", "UNDERLINE", "BOLD",
           "typecheck", "grouped", "grouped_with_tail", "flatten", "merge", "all_equal",
           "natural_sort", "safe_get", "UserNamespace", "IterableNamespace",
           "shorten_signature", "add_property", "is_basictype", "is_complextype"]


class autocomplete_property(property):
    """A property the shell may evaluate for completion (a plain property otherwise)."""


def deep_update(d: dict, u: Mapping) -> None:
    """Merge ``u`` into ``d`` in place, mapping by mapping (keys of ``d`` absent from
    ``u`` are kept; a non-mapping value of ``u`` replaces what ``d`` had)."""
    stack = [(d, u)]
    while stack:
        target, source = stack.pop(0)
        for key, value in source.items():
            if not isinstance(value, Mapping):
                target[key] = value
                continue
            existing = target.setdefault(key, {})
            if isinstance(existing, Mapping):
                stack.append((existing, value))
            else:
                target[key] = value


class ColorTags:
    """ANSI escape sequences of the shell's colours."""

    PURPLE = "\033[95m"
    ORANGE = "\033[33m"
    CYAN = "\033[96m"
    DARKCYAN = "\033[36m"
    BLUE = "\033[94m"
    GREEN = "\033[92m"
    YELLOW = "\033[93m"
    RED = "\033[91m"
    WHITE = "\033[37m"
    BOLD = "\033[1m"
    UNDERLINE = "\033[4m"
    END = "\033[0m"


def _colour(tag: str) -> Callable[[Any], str]:
    def paint(msg: Any) -> str:
        return f"{getattr(ColorTags, tag)}{msg}{ColorTags.END}"

    paint.__name__ = paint.__qualname__ = tag
    paint.__doc__ = f"``msg`` in {tag.lower()} (ANSI escape sequences)."
    return paint


PURPLE, ORANGE, CYAN, DARKCYAN, BLUE, GREEN, YELLOW, RED, WHITE, UNDERLINE, BOLD = (
    _colour(tag) for tag in ("PURPLE", "ORANGE", "CYAN", "DARKCYAN", "BLUE", "GREEN", "YELLOW",
                             "RED", "WHITE", "UNDERLINE", "BOLD"))


def _matches(value: Any, annotation: Any) -> bool:
    """True when ``value`` fits ``annotation`` (unknown annotation kinds fit)."""
    if annotation is inspect.Parameter.empty or annotation is Any:
        return True
    if annotation is None or annotation is type(None):
        return value is None
    if annotation is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in typing.get_args(annotation))
    if origin is not None:
        annotation = origin
    if isinstance(annotation, type):
        try:
            return isinstance(value, annotation)
        except TypeError:
            return True
    return True


def typecheck(function: Callable) -> Callable:
    """Check the arguments of each call against ``function``'s annotations: a
    ``TypeError`` says ``Intended Usage: f(a, b)  Hint: 'b' must be float, got 'x'``."""
    signature = inspect.signature(function)
    try:
        hints = typing.get_type_hints(function)
    except Exception:
        hints = {name: p.annotation for name, p in signature.parameters.items()}
    mandatory = [p.name for p in signature.parameters.values()
                 if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        usage = f"Intended Usage: {function.__name__}({', '.join(mandatory)})  Hint:"
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{usage} {exc}") from None
        for name, value in bound.arguments.items():
            parameter = signature.parameters[name]
            annotation = hints.get(name, parameter.annotation)
            values = value if parameter.kind is parameter.VAR_POSITIONAL else (
                value.values() if parameter.kind is parameter.VAR_KEYWORD else (value,))
            for item in values:
                if not _matches(item, annotation):
                    wanted = getattr(annotation, "__name__", str(annotation))
                    raise TypeError(f"{usage} '{name}' must be {wanted}, got {item!r}")
        return function(*args, **kwargs)

    return checked


def shorten_signature(original_function: Callable | None = None, *,
                      annotations: Mapping[str, Any] | None = None,
                      hidden_kwargs: Iterable[str] | None = None) -> Any:
    """Decorator simplifying the signature the shell shows (annotations removed or
    replaced, ``hidden_kwargs`` not shown but still accepted)."""
    hidden = set(hidden_kwargs or ())

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

        params = []
        for param in inspect.signature(function).parameters.values():
            if param.name in hidden:
                continue
            new = (annotations or {}).get(param.name, inspect.Parameter.empty)
            params.append(param.replace(annotation=new))
        wrapped.__signature__ = inspect.signature(function).replace(parameters=params)  # type: ignore[attr-defined]
        return wrapped

    return decorate(original_function) if original_function else decorate


def grouped(iterable: Iterable, n: int) -> Iterable[tuple]:
    """``s -> (s0..sn-1), (sn..s2n-1), ...`` (an incomplete last group is dropped)."""
    return zip(*[iter(iterable)] * n)


def grouped_with_tail(iterable: Iterable, n: int) -> Iterable[list]:
    """Like :func:`grouped`, keeping the incomplete last group."""
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, n)):
        yield chunk


def flatten(items: Iterable) -> list:
    """Nested lists and tuples as one flat list."""
    flat: list = []
    for item in items:
        if isinstance(item, (list, tuple)):
            flat.extend(flatten(item))
        else:
            flat.append(item)
    return flat


def merge(items: Iterable) -> list:
    """Concatenate lists (non-list items are appended)."""
    merged: list = []
    for item in items:
        merged.extend(item if isinstance(item, list) else [item])
    return merged


def all_equal(iterable: Iterable) -> bool:
    """True when every item equals the first (or there is none)."""
    groups = itertools.groupby(iterable)
    return next(groups, True) and not next(groups, False)


def natural_sort(words: Iterable[str]) -> list[str]:
    """``["m10", "m2"]`` → ``["m2", "m10"]``."""
    def key(word: str) -> list:
        return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", word)]

    return sorted(words, key=key)


def safe_get(obj: Any, member: str, on_error: Any = None, **kwargs: Any) -> Any:
    """``obj.member`` (called with ``kwargs`` when callable), ``on_error`` if it raises."""
    try:
        value = getattr(obj, member)
        return value(**kwargs) if callable(value) else value
    except Exception:
        return on_error


def add_property(inst: Any, name: str, getter: Callable, setter: Callable | None = None,
                 deleter: Callable | None = None) -> None:
    """Give the single object ``inst`` a property (its class becomes a private subclass)."""
    cls = type(inst)
    if not hasattr(cls, "__perinstance"):
        cls = type(cls.__name__, (cls,), {"__perinstance": True})
        inst.__class__ = cls
    setattr(cls, name, property(getter, setter, deleter))


def is_basictype(val: Any) -> bool:
    return isinstance(val, (int, str, float, type(None)))


def is_complextype(val: Any) -> bool:
    return isinstance(val, (list, dict, tuple))


class UserNamespace:
    """A read-only namespace: ``ns = UserNamespace(a=1); ns.a`` (``_fields``, ``_asdict()``)."""

    def __init__(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        object.__setattr__(self, "_UserNamespace__items", {**(mapping or {}), **kwargs})

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__items[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot set '{name}': the namespace is read-only")

    def __dir__(self) -> list[str]:
        return list(self.__items)

    def __add__(self, other: Any) -> "UserNamespace":
        other_items = other._asdict() if isinstance(other, UserNamespace) else dict(other)
        return type(self)(**{**self.__items, **other_items})

    @property
    def _fields(self) -> tuple[str, ...]:
        return tuple(self.__items)

    def _asdict(self) -> dict[str, Any]:
        return dict(self.__items)

    def __info__(self) -> str:
        return "Namespace containing:\n" + "".join(f".{name}\n" for name in self.__items)


class IterableNamespace(UserNamespace, collections.abc.Sequence):
    """A :class:`UserNamespace` that is also a sequence (``ns[0]``, ``ns["a"]``, ``len``)."""

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int):
            return getattr(self, self._fields[key])
        return getattr(self, key)

    def __len__(self) -> int:
        return len(self._fields)

    def __iter__(self):
        return iter(self._asdict().values())
