"""The per-session state store: settings that survive a restart (SPEC 1).

```python
store = StateStore("demo")          # <state_dir()>/demo.json
store.set("axis.roby", {"position": 1.5})   # cheap; on disk within ~0.5 s
store.close()                       # writes now
```
"""

from bliss_lite.settings.paths import STATE_DIR_ENV, state_dir
from bliss_lite.settings.store import FLUSH_DELAY, StateStore

__all__ = ["FLUSH_DELAY", "STATE_DIR_ENV", "StateStore", "state_dir"]
