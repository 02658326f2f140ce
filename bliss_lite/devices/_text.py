"""Plain text as BLISS prints it: tables in ``tabulate``'s layout and axis values.

``table(rows, headers)`` gives tabulate's "simple" format (a header line, a line of
dashes, rows; each header column at least two characters wider than its title);
without headers it gives the "plain" format, or with ``framed=True`` the rows
between two lines of dashes ("simple" without headers).  Columns are separated by
two spaces, cells may hold several lines, trailing spaces are stripped.

``with_digits(value, digits_of(axis))`` shows a position with the axis's display
digits; ``label(name, unit)`` is a column title such as ``roby[mm]``.
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

__all__ = ["digits_of", "label", "table", "with_digits"]


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell)


def _pad(text: str, width: int, align: str) -> str:
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[Any] | None = None,
          align: str | Sequence[str] = "left", framed: bool = False) -> str:
    """Render ``rows`` (cells: str, numbers already formatted, or None for empty).

    ``align`` is ``"left"``, ``"right"``, ``"center"`` or one of those per column;
    ``framed`` (without headers) puts a line of dashes above and below the rows.
    """
    cells = [[_text(c).split("\n") for c in row] for row in rows]
    head = [_text(h) for h in headers] if headers else []
    ncols = max([len(head)] + [len(r) for r in cells]) if (cells or head) else 0
    for row in cells:
        row.extend([[""]] * (ncols - len(row)))
    head.extend([""] * (ncols - len(head)))
    aligns = [align] * ncols if isinstance(align, str) else list(align) + ["left"] * ncols
    widths = []
    for col in range(ncols):
        width = len(head[col]) + 2 if headers else 0
        for row in cells:
            width = max(width, max(len(line) for line in row[col]))
        widths.append(width)
    rule = "  ".join("-" * w for w in widths)
    out = []
    if headers:
        out.append("  ".join(_pad(h, w, a) for h, w, a in zip(head, widths, aligns)).rstrip())
        out.append(rule)
    elif framed:
        out.append(rule)
    for row in cells:
        height = max((len(c) for c in row), default=1)
        for i in range(height):
            parts = [_pad(c[i] if i < len(c) else "", w, a) for c, w, a in zip(row, widths, aligns)]
            out.append("  ".join(parts).rstrip())
    if framed and not headers:
        out.append(rule)
    return "\n".join(out)


def digits_of(axis: Any, default: int = 5) -> int:
    """The axis's ``display_digits``, or ``default`` when it has none (or it fails)."""
    try:
        return int(axis.display_digits)
    except Exception:
        return default


def with_digits(value: Any, digits: int) -> str:
    """``value`` with ``digits`` decimals (``"nan"``, ``"inf"`` as such); anything
    that is not a number (text, ``!ERR``, a boolean) as ``str(value)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    return f"{float(value):.{digits}f}"


def label(name: str, unit: str | None) -> str:
    """``roby[mm]``, or ``roby`` without unit."""
    return f"{name}[{unit}]" if unit else name
