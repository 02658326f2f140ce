"""Plain-text tables in the layout BLISS prints with ``tabulate``.

``table(rows, headers)`` gives tabulate's "simple" format (a header line, a line of
dashes, rows; each header column at least two characters wider than its title);
without headers it gives the "plain" format.  Columns are separated by two
spaces, cells may hold several lines, trailing spaces are stripped.
"""

from __future__ import annotations

from typing import Any, Sequence


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell)


def _pad(text: str, width: int, align: str) -> str:
    if align == "right":
        return text.rjust(width)
    if align == "center":
        return text.center(width)
    return text.ljust(width)


def table(rows: Sequence[Sequence[Any]], headers: Sequence[Any] | None = None,
          align: str | Sequence[str] = "left") -> str:
    """Render ``rows`` (cells: str, numbers already formatted, or None for empty).

    ``align`` is ``"left"``, ``"right"``, ``"center"`` or one of those per column.
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
    out = []
    if headers:
        out.append("  ".join(_pad(h, w, a) for h, w, a in zip(head, widths, aligns)).rstrip())
        out.append("  ".join("-" * w for w in widths))
    for row in cells:
        height = max((len(c) for c in row), default=1)
        for i in range(height):
            parts = [_pad(c[i] if i < len(c) else "", w, a) for c, w, a in zip(row, widths, aligns)]
            out.append("  ".join(parts).rstrip())
    return "\n".join(out)
