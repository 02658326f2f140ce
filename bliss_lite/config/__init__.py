"""The beamline configuration: YAML tree, inheritance, references, object factory.

```python
root = find_root(None)                      # --root, $BLISS_LITE_ROOT, ./sessions, demo
cfg = Config(root, classes=BUILTIN_CLASSES)
cfg.get("roby")                             # created on first use, once
```
"""

from bliss_lite.config.config import Config, UnknownObjectError
from bliss_lite.config.node import ConfigError, ConfigNode
from bliss_lite.config.registry import ClassEntry, Factory
from bliss_lite.config.root import demo_root, find_root

__all__ = [
    "ClassEntry",
    "Config",
    "ConfigError",
    "ConfigNode",
    "Factory",
    "UnknownObjectError",
    "demo_root",
    "find_root",
]
