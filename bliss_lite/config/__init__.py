"""The beamline configuration: YAML tree, inheritance, references, object factory."""

from bliss_lite.config.node import ConfigError, ConfigNode

__all__ = ["ConfigError", "ConfigNode"]
