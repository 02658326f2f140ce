"""Where things are and what exists: ``wa``, ``wm``, ``wu``, ``sta``, ``lsmot``,
``lscnt``, ``lsmg``, ``lsobj``, ``lsconfig`` (SPEC 5.4), printed as BLISS does."""

from __future__ import annotations

import fnmatch
import shutil
import sys
from typing import Any

from bliss_lite.commands import lookup
from bliss_lite.commands._format import ERR, MISSING, label, rounded
from bliss_lite.devices._text import table

#: Most motor columns in one table of ``wa``/``wm`` (BLISS's default).
MAX_COLS = 9


def _read(axis: Any, attr: str, errors: list[str], missing: Any = ERR) -> Any:
    """``axis.<attr>``; ``missing`` if the axis has no such attribute, ``!ERR`` (and
    a line in ``errors``) if reading it fails."""
    try:
        return getattr(axis, attr)
    except AttributeError as err:
        if missing is not ERR and not hasattr(type(axis), attr):
            return missing
        errors.append(f"Error on motor '{axis.name}': {err}")
        return ERR
    except Exception as err:  # one unreadable motor must not hide the others
        errors.append(f"Error on motor '{axis.name}': {err}")
        return ERR


def _report(errors: list[str]) -> None:
    for line in dict.fromkeys(errors):
        print(line, file=sys.stderr)


def wa(max_cols: int = MAX_COLS, show_dial: bool = True) -> None:
    """Where all: every motor's user (and dial) position, with its display digits,
    laid out as BLISS 2.4 prints it (``max_cols`` - 1 motors per block)."""
    axes = lookup.motors()
    if not axes:
        print("No motor defined in session")
        return
    errors: list[str] = []
    rows: list[list[str]] = []
    per_block = max(1, max_cols - 1)
    for start in range(0, len(axes), per_block):
        if rows:
            rows.append([])
        header, user, dial = [""], ["user"], ["dial"]
        for axis in axes[start:start + per_block]:
            header.append(label(axis))
            position = _read(axis, "position", errors)
            user.append(rounded(axis, position))
            dial.append(rounded(axis, _read(axis, "dial", errors) if position != ERR else ERR))
        rows.extend([header, user, dial] if show_dial else [header, user])
    width = max(len(r) for r in rows)
    widths = [max(len(r[i]) if i < len(r) else 0 for r in rows) for i in range(width)]
    print("\n".join("  ".join((r[i] if i < len(r) else "").rjust(w) for i, w in enumerate(widths))
                    for r in rows))
    _report(errors)


def wu(max_cols: int = MAX_COLS) -> None:
    """Where users: every motor's user position."""
    wa(max_cols=max_cols, show_dial=False)


def _axis_of(item: Any) -> Any:
    if isinstance(item, str):
        return lookup.find_axis(item)
    if lookup.is_movable(item):
        return item
    raise TypeError(f"wm: expected motors or motor names, got {item!r}; "
                    f"intended usage is wm(axis1, axis2, ...)")


def _pair(axis: Any, attr: str, default: tuple[float, float]) -> tuple[Any, Any]:
    try:
        value = getattr(axis, attr)
        return (value[0], value[1]) if value is not None else default
    except AttributeError:
        return default
    except Exception:
        return (ERR, ERR)


def wm(*axes: Any, max_cols: int = MAX_COLS) -> None:
    """Where motors: position, limits and offset of the given motors, in user and
    dial units."""
    if not axes:
        print("wm() needs at least one axis name/object as parameter.\n"
              "example: wm(mot1)\n"
              "         wm(mot1, mot2, ... motN)")
        return
    resolved = [_axis_of(item) for item in axes]
    errors: list[str] = []
    titles = ["User    ", " High   ", " Current", " Low    ", "Offset  ", "",
              "Dial    ", " High   ", " Current", " Low    "]
    per_table = max(1, max_cols - 1)
    tables = []
    for start in range(0, len(resolved), per_table):
        headers = [""]
        columns = []
        for axis in resolved[start:start + per_table]:
            user = _read(axis, "position", errors)
            dial = _read(axis, "dial", errors)
            low, high = _pair(axis, "limits", (float("-inf"), float("inf")))
            dial_low, dial_high = _pair(axis, "dial_limits", (low, high))
            offset = getattr(axis, "offset", 0.0)

            def r(value: Any, axis: Any = axis) -> str:
                return MISSING if value is None else rounded(axis, value)

            headers.append(label(axis))
            columns.append([None, r(high), r(user), r(low), r(offset), None,
                            None, r(dial_high), r(dial), r(dial_low)])
        rows = []
        for i, title in enumerate(titles):
            if title == "":
                rows.append([""])
            else:
                rows.append([title] + [col[i] for col in columns])
        tables.append(table(rows, headers=headers, align="right"))
    _report(errors)
    for text in tables:
        print("")
        print(text)


def stm(*axes: Any, read_hw: bool = False) -> None:
    """The state of the given motors (objects or names); ``read_hw``: ask the
    controller now instead of the last known state."""
    rows = []
    errors: list[str] = []
    attr = "hw_state" if read_hw else "state"
    for item in axes:
        axis = _axis_of(item)
        rows.append([axis.name, str(_read(axis, attr, errors, missing="UNKNOWN"))])
    print(table(rows, headers=["Axis", "Status"]))
    _report(errors)


def sta(read_hw: bool = False) -> None:
    """The state of every motor."""
    stm(*lookup.motors(), read_hw=read_hw)


def lsmot() -> None:
    """The names of the session's motors."""
    names = sorted((axis.name for axis in lookup.motors()), key=str.casefold)
    if not names:
        print("No motor found in current session's config.")
        return
    print("Motors configured in current session:")
    print("-------------------------------------")
    print(_columns(names))
    print("\n")


def _columns(names: list[str]) -> str:
    """Names laid out in columns that fit the terminal width."""
    width = shutil.get_terminal_size().columns
    longest = max(len(n) for n in names)
    per_row = max(1, (width + 2) // (longest + 2))
    rows = [names[i:i + per_row] for i in range(0, len(names), per_row)]
    return table(rows)


def lscnt(counter_container: Any = None) -> None:
    """Every counter of the session (or of ``counter_container``), sorted."""
    from bliss_lite.devices.protocols import CounterContainer

    if counter_container is None:
        counters = lookup.counters()
    elif lookup.is_counter(counter_container):
        counters = [counter_container]
    elif isinstance(counter_container, CounterContainer):
        counters = list(counter_container.counters)
    else:
        raise TypeError(f"lscnt: expected a counter or a counter container, "
                        f"got {counter_container!r}")
    shapes = ["0D", "1D", "2D", "3D"]
    rows = []
    for cnt in sorted(counters, key=lambda c: c.fullname):
        prefix, _, short = cnt.fullname.rpartition(":")
        shape = shapes[min(len(getattr(cnt, "shape", ())), 3)]
        controller = getattr(cnt, "controller_name", None) or prefix
        rows.append([cnt.fullname, shape, controller, "", short or cnt.name])
    print("")
    print(table(rows, headers=["Fullname", "Shape", "Controller", "Alias", "Name"]))


def lsmg() -> None:
    """The measurement groups; ``*`` marks ACTIVE_MG."""
    active = lookup.active_mg_name()
    text = ""
    for group in lookup.measurement_groups():
        text += f" * {group.name}\n" if group.name == active else f"   {group.name}\n"
    print(text)


def lsobj(pattern: str | None = None) -> None:
    """The session objects whose name matches ``pattern`` (``*`` and ``?`` work)."""
    pattern = "*" if pattern is None else pattern
    for name in lookup.object_names():
        if fnmatch.fnmatchcase(name, pattern):
            print(name, end="  ")
    print("")


def lsconfig() -> None:
    """Every object of the configuration (not only the session's), by class."""
    config = lookup.config()
    if config is None:
        print("No configuration loaded.")
        return
    by_class: dict[str, list[str]] = {}
    for name in config.names:
        try:
            node = config.get_config(name)
        except Exception:
            continue
        cls = node.get("class") or _kind_in_controller(node)
        by_class.setdefault(str(cls), []).append(name)
    print()
    for cls, names in by_class.items():
        print(f"{cls}: ")
        print("-" * len(cls))
        print(_columns(names))
        print()


#: What the objects listed under a controller's key are, for ``lsconfig``.
_CONTROLLER_LISTS = {"axes": "Motor", "encoders": "Encoder", "switches": "Switch",
                     "shutters": "Shutter", "counters": "Counter"}


def _kind_in_controller(node: Any) -> str | None:
    """``"Motor"`` for an axis of a controller (``axes:``), ``"Encoder"`` for one of
    its ``encoders:`` ..., else None."""
    parent = getattr(node, "parent", None)
    if isinstance(parent, dict):
        for key, value in parent.items():
            if isinstance(value, list) and any(item is node for item in value):
                return _CONTROLLER_LISTS.get(key)
    return None
