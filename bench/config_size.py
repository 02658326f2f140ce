"""A beamline whose configuration is one YAML file of a given size (for the
``config_size`` case): ``python bench/config_size.py DIR BYTES`` writes DIR/config/
objects.yml (simulation diodes with the keys a real file has, comments included) and
a session ``s`` using one of them."""

from __future__ import annotations

import sys
from pathlib import Path

ITEM = """\
- name: diode{0}                 # a simulated diode
  class: simulation_diode
  mode: MEAN
  unit: counts
  description: "diode number {0} of the bench configuration"
  calibration: {{offset: 0.{0}, gain: 1.5e3, points: [1, 2, 3, 4]}}
"""


def write(root: Path, size: int) -> int:
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "sessions").mkdir(exist_ok=True)
    parts, total, index = [], 0, 0
    while total < size:
        item = ITEM.format(index)
        parts.append(item)
        total += len(item)
        index += 1
    (root / "config" / "objects.yml").write_text("".join(parts))
    (root / "sessions" / "s.yml").write_text(
        "- class: Session\n  name: s\n  config-objects: [diode0]\n")
    return index


if __name__ == "__main__":
    print(write(Path(sys.argv[1]), int(float(sys.argv[2]))))
