"""``bliss.common.measurementgroup``: the active measurement group of the session."""

from __future__ import annotations

from bliss_lite.devices.measurement_group import MeasurementGroup

__all__ = ["MeasurementGroup", "get_all", "get_all_names", "get_active", "get_active_name",
           "set_active_name"]


def _env() -> dict:
    from bliss_lite.compat import namespace

    return namespace()


def get_all() -> list[MeasurementGroup]:
    """The measurement groups of the session."""
    seen: dict[int, MeasurementGroup] = {}
    for value in list(_env().values()):
        if isinstance(value, MeasurementGroup):
            seen.setdefault(id(value), value)
    return list(seen.values())


def get_all_names() -> list[str]:
    return [group.name for group in get_all()]


def get_active() -> MeasurementGroup | None:
    """The active measurement group (``ACTIVE_MG``), None when the session has none."""
    return _env().get("ACTIVE_MG")


def get_active_name() -> str | None:
    active = get_active()
    return active.name if active is not None else None


def set_active_name(name: str) -> None:
    """Make the measurement group ``name`` the active one (saved with the session)."""
    for group in get_all():
        if group.name == name:
            group.set_active()
            return
    raise ValueError(f"no measurement group named '{name}' in the session "
                     f"(there are: {', '.join(get_all_names()) or 'none'})")
