"""Terminal dialogs: ``show_dialog`` and ``menu`` of BLISS's shell, with the dialog
items of ``bliss.shell.cli.user_dialog`` (``UserMsg``, ``UserInput``,
``UserIntInput``, ``UserFloatInput``, ``UserChoice``, ``UserYesNo``,
``UserCheckBox``, ``Container``).  Questions are asked one per line on the terminal.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["UserMsg", "UserInput", "UserIntInput", "UserFloatInput", "UserChoice",
           "UserYesNo", "UserCheckBox", "Container", "show_dialog", "menu"]


class _Widget:
    def __init__(self, name: str | None = None, label: str = "", defval: Any = None) -> None:
        self.name = name
        self.label = label
        self.defval = defval

    def ask(self, read: Callable[[str], str]) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


class UserMsg(_Widget):
    """A message shown in the dialog (no answer)."""

    def __init__(self, label: str = "", name: str | None = None, **_: Any) -> None:
        super().__init__(name, label)

    def ask(self, read: Callable[[str], str]) -> None:
        print(self.label)


class UserInput(_Widget):
    """A text answer (``defval`` when the answer is empty)."""

    def __init__(self, name: str | None = None, label: str = "", defval: Any = "",
                 validator: Callable[[str], Any] | None = None, **_: Any) -> None:
        super().__init__(name, label, defval)
        self.validator = validator

    def convert(self, text: str) -> Any:
        return self.validator(text) if self.validator else text

    def ask(self, read: Callable[[str], str]) -> Any:
        default = f" [{self.defval}]" if self.defval not in (None, "") else ""
        while True:
            text = read(f"{self.label}{default}: ").strip()
            if not text and self.defval not in (None, ""):
                return self.defval
            try:
                return self.convert(text)
            except (TypeError, ValueError) as exc:
                print(f"  invalid answer {text!r}: {exc}")


class UserIntInput(UserInput):
    """An integer answer, optionally within ``minimum``..``maximum``."""

    def __init__(self, name: str | None = None, label: str = "", defval: int | None = 0,
                 minimum: int | None = None, maximum: int | None = None, **kw: Any) -> None:
        super().__init__(name, label, defval, **kw)
        self.minimum, self.maximum = minimum, maximum

    def convert(self, text: str) -> int:
        value = int(text)
        _check_range(value, self.minimum, self.maximum)
        return value


class UserFloatInput(UserIntInput):
    """A number answer, optionally within ``minimum``..``maximum``."""

    def convert(self, text: str) -> float:
        value = float(text)
        _check_range(value, self.minimum, self.maximum)
        return value


def _check_range(value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ValueError(f"must be >= {low}")
    if high is not None and value > high:
        raise ValueError(f"must be <= {high}")


class UserChoice(_Widget):
    """One of ``values``, a list of ``(value, label)`` pairs; answered by number."""

    def __init__(self, name: str | None = None, label: str = "",
                 values: Sequence[tuple[Any, str]] = (), defval: int = 0, **_: Any) -> None:
        super().__init__(name, label, defval)
        self.values = list(values)

    def ask(self, read: Callable[[str], str]) -> Any:
        if self.label:
            print(self.label)
        for index, (_value, text) in enumerate(self.values, 1):
            print(f"  {index}. {text}")
        while True:
            text = read(f"choice [{self.defval + 1}]: ").strip()
            if not text:
                return self.values[self.defval][0]
            if text.isdigit() and 1 <= int(text) <= len(self.values):
                return self.values[int(text) - 1][0]
            print(f"  answer a number from 1 to {len(self.values)}")


class UserYesNo(_Widget):
    """A yes/no question."""

    def __init__(self, name: str | None = None, label: str = "", defval: bool = False, **_: Any) -> None:
        super().__init__(name, label, defval)

    def ask(self, read: Callable[[str], str]) -> bool:
        hint = "[Y/n]" if self.defval else "[y/N]"
        while True:
            text = read(f"{self.label} {hint}: ").strip().lower()
            if not text:
                return bool(self.defval)
            if text in ("y", "yes", "n", "no"):
                return text.startswith("y")
            print("  answer y or n")


class UserCheckBox(UserYesNo):
    """A box to tick (a yes/no question)."""


class Container:
    """Groups dialog items under a title."""

    def __init__(self, dlgs: Sequence[Any], title: str | None = None, **_: Any) -> None:
        self.dlgs = list(dlgs)
        self.title = title


def _flatten(dialogs: Any) -> list[Any]:
    if isinstance(dialogs, (_Widget, Container)):
        dialogs = [dialogs]
    items: list[Any] = []
    for item in dialogs:
        if isinstance(item, Container):
            if item.title:
                items.append(UserMsg(f"-- {item.title} --"))
            items.extend(_flatten(item.dlgs))
        elif isinstance(item, (list, tuple)):
            items.extend(_flatten(item))
        else:
            items.append(item)
    return items


def show_dialog(dialogs: Any, title: str = "Dialog",
                read: Callable[[str], str] | None = None) -> dict | bool:
    """Ask the questions of a dialog on the terminal.

    Args:
        dialogs: a dialog item, a Container, or a list of them (a list of lists
            gives columns in BLISS; asked one after the other here)
        title: shown above the questions
        read: how an answer is read (default: ``input``)

    Returns:
        ``{item or item.name: answer}``, or False when cancelled (Ctrl-C, Ctrl-D)
    """
    read = read or input
    print(f"=== {title} ===")
    answers: dict = {}
    try:
        for item in _flatten(dialogs):
            value = item.ask(read)
            if not isinstance(item, UserMsg):
                answers[item.name if item.name else item] = value
    except (KeyboardInterrupt, EOFError):
        print("\nCancelled")
        return False
    return answers


def _position_dialog(obj: Any) -> Any:
    labels = [(p["label"], f"{p['label']}: {p.get('description', '')}".rstrip(": "))
              for p in obj.positions_list]
    current = getattr(obj, "position", None)
    default = next((i for i, (label, _) in enumerate(labels) if label == current), 0)
    answer = show_dialog(UserChoice("position", f"{obj.name} is at {current}; move to:",
                                    labels, default), title=f"{obj.name} positions")
    if answer:
        obj.move(answer["position"])
    return answer


def _axis_dialog(obj: Any) -> Any:
    answer = show_dialog(UserFloatInput("target", f"{obj.name} is at {obj.position}; move to",
                                        obj.position), title=f"move {obj.name}")
    if answer:
        from bliss_lite.commands.motion import umv

        umv(obj, answer["target"])
    return answer


def menu(obj: Any = None, dialog_type: str | None = None, *args: Any, **kwargs: Any) -> Any:
    """Show the dialog of an object: choose the position of a MultiplePositions,
    type the target of an axis.  Without an object, choose one of the session.

    Args:
        obj: the object (default: choose among the session's objects that have a dialog)
        dialog_type: accepted for compatibility (each object has one dialog here)
    """
    from bliss_lite.commands.lookup import _device_items, is_movable, is_multiple_positions

    def dialog_of(candidate: Any) -> Callable[[Any], Any] | None:
        if is_multiple_positions(candidate):
            return _position_dialog
        if is_movable(candidate):
            return _axis_dialog
        return None

    if obj is None:
        choices = [(value, name) for name, value in _device_items() if dialog_of(value)]
        if not choices:
            print("No object of the session has a dialog")
            return None
        answer = show_dialog(UserChoice("obj", "object:", choices), title="menu")
        if not answer:
            return answer
        obj = answer["obj"]
    dialog = dialog_of(obj)
    if dialog is None:
        print(f"No dialog available for {getattr(obj, 'name', obj)!s}")
        return None
    return dialog(obj)
