"""The writer's exception and warning types."""

from __future__ import annotations

import warnings


class NexusWriterError(RuntimeError):
    """A scan cannot be written (raised before it starts) or a file cannot be
    recovered. The message is one sentence naming the path."""


class NexusWarning(UserWarning):
    """Something was not written (a bad metadata key, a failed block); the scan and
    the rest of the file are fine."""


def warn(message: str) -> None:
    """Report ``message`` as a :class:`NexusWarning`."""
    warnings.warn(message, NexusWarning, stacklevel=3)
