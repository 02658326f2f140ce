"""What a scan's plot shows: one choice for the live plot window and the file's NXdata.

:func:`plot_choice` picks, from a scan's channels and ``scan_info``:

* the **signals**: the plotselect'ed counters present in the scan (``selected``, by
  default ``scan_info["plotselect"]``; short names or fullnames), else the first
  scalar counter;
* the **axes**: the scanned motors (a mesh, ``scan_info["data_dim"] == 2``, is a
  *scatter* over its first two motors; any other scan a *curve* against its first
  motor, the other motors being axes of the same dimension), or ``elapsed_time``
  for a scan without motor (``loopscan``, ``timescan``, ``sct``);
* the **images** (channels of 2-D points) and **spectra** (1-D points), each shown
  on its own.

:func:`nxdata_groups` turns the choice into the NXdata groups of an entry, as dicts
for :func:`bliss_lite.nexus.mapping.write_dict`: ``plotselect`` (when the signals
are plotselect'ed) or ``plot`` (the first counter), then ``plot_<name>`` per image
and spectrum.  The first group is the entry's ``@default``.  A mesh's NXdata lists
both motors in ``@axes`` so that silx draws it as a map; nexusformat's validator
flags exactly that rule there ("@axes length does not match the signal rank"),
since NeXus wants one ``@axes`` name per signal dimension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

if TYPE_CHECKING:
    from bliss_lite.events import ChannelSpec

__all__ = ["PlotChoice", "plot_choice", "nxdata_groups", "is_mesh"]


@dataclass
class PlotChoice:
    """``kind`` is "curve", "scatter" or None (no scalar counter); ``axes`` and
    ``signals`` are channels; ``selected`` tells whether the signals come from
    plotselect."""

    kind: str | None
    axes: list[ChannelSpec] = field(default_factory=list)
    signals: list[ChannelSpec] = field(default_factory=list)
    images: list[ChannelSpec] = field(default_factory=list)
    spectra: list[ChannelSpec] = field(default_factory=list)
    selected: bool = False


def is_mesh(scan_info: Mapping, motors: Sequence[ChannelSpec]) -> bool:
    """A scan over a 2-D grid of two motors (``amesh``, ``dmesh``)."""
    return len(motors) >= 2 and (scan_info.get("data_dim") == 2
                                 or scan_info.get("type") in ("amesh", "dmesh"))


def plot_choice(channels: Sequence[ChannelSpec], scan_info: Mapping,
                selected: Sequence[str] | None = None) -> PlotChoice:
    """What to plot for a scan of ``channels`` (see the module's documentation)."""
    if selected is None:
        selected = scan_info.get("plotselect") or []
    if isinstance(selected, str):
        selected = [selected]
    counters = [c for c in channels if c.kind == "counter" and tuple(c.shape) == ()]
    motors = [c for c in channels if c.kind == "motor" and tuple(c.shape) == ()]
    choice = PlotChoice(None)
    choice.images = [c for c in channels if c.kind == "counter" and len(c.shape) == 2]
    choice.spectra = [c for c in channels if c.kind == "counter" and len(c.shape) == 1]
    signals = []
    for name in selected:
        for channel in counters:
            if name in (channel.name, channel.fullname) and channel not in signals:
                signals.append(channel)
    choice.selected = bool(signals)
    if not signals and counters:
        signals = counters[:1]
    if not signals:
        return choice
    choice.signals = signals
    if is_mesh(scan_info, motors):
        choice.kind, choice.axes = "scatter", motors[:2]
    else:
        choice.kind = "curve"
        choice.axes = motors or [c for c in channels if c.kind == "timer" and c.name == "elapsed_time"][:1]
    return choice


def nxdata_groups(choice: PlotChoice, paths: Mapping[str, str], names: Mapping[str, str]) -> dict[str, dict]:
    """The NXdata groups of ``choice``, first the entry's default: group name → a
    :func:`~bliss_lite.nexus.mapping.write_dict` dict.  ``paths`` and ``names`` give,
    per channel fullname, the dataset path to link to and its item name."""
    groups: dict[str, dict] = {}
    if choice.kind is not None:
        signals = [names[c.fullname] for c in choice.signals]
        axes = [names[c.fullname] for c in choice.axes]
        nxdata: dict[str, Any] = {"@NX_class": "NXdata", "@signal": signals[0]}
        if len(signals) > 1:
            nxdata["@auxiliary_signals"] = signals[1:]
        if axes:
            # The data are flat (one dimension): a curve names one axis, the other
            # motors being axes of that same dimension; a scatter names both motors.
            nxdata["@axes"] = axes[:2] if choice.kind == "scatter" else axes[:1]
            for axis in axes:
                nxdata[f"@{axis}_indices"] = 0
        for channel in choice.signals + choice.axes:
            nxdata[">" + names[channel.fullname]] = paths[channel.fullname]
        groups["plotselect" if choice.selected else "plot"] = nxdata
    for channel, interpretation in [(c, "image") for c in choice.images] + [(c, "spectrum") for c in choice.spectra]:
        name = names[channel.fullname]
        groups[f"plot_{name}"] = {"@NX_class": "NXdata", "@signal": name,
                                  "@interpretation": interpretation, ">" + name: paths[channel.fullname]}
    return groups
