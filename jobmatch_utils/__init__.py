"""jobmatch_utils — the tested helper package behind the jobmatch notebooks.

Modules, in the order the notebooks use them: ``data`` → ``models`` → ``retrieval`` →
``metrics`` → ``plots`` → ``report`` → ``cli``. Importing the package loads nothing and
creates nothing; import the module you need, e.g. ``from jobmatch_utils.data import load_validation_set``.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
