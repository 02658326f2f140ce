"""The ``bliss-lite`` command: CLI, piped/script mode and the IPython shell (SPEC 5.1, 5.2).

Only :func:`main` is public; the IPython part (``ipython_shell``) is imported only
when an interactive shell starts.
"""

from bliss_lite.shell.cli import main

__all__ = ["main"]
