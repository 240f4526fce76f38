"""Numba on-disk caches that know their dependencies.

Numba keys a function's cache on its own source file only. A kernel that calls kernels in
another file (`market.compiled` -> `market._kernels`, `agents._kernels` -> `market.compiled`)
keeps the callee's old machine code after the callee's file changes: a stale cache silently
runs old code. Here every kernel of the project is stamped with one hash over the contents of
all kernel sources (every module of market/, agents/_kernels.py and its constants
(agents/_constants.py), agents/schema.py and the kinds' modules in agents/kinds/, whose kind
codes, parameter columns and decisions the kernels freeze in: the only modules of agents/ that
kernels read), so editing any of them recompiles all of them, while editing the Python-only
modules of agents/ (networks, populations, parameters) recompiles nothing.

Importing this module registers the locators (before any kernel is decorated); functions
outside this project keep numba's own behaviour.
"""

import hashlib
from pathlib import Path

from numba.core import caching

__all__ = ["KERNEL_DIRS", "project_stamp"]

_ROOT = Path(__file__).resolve().parent.parent
KERNEL_DIRS = (_ROOT / "market", _ROOT / "agents", _ROOT / "agents" / "kinds")
#: the files whose contents compiled code depends on (globals are frozen into machine code)
KERNEL_SOURCES = ("market/*.py", "agents/_kernels.py", "agents/_constants.py",
                  "agents/schema.py", "agents/kinds/*.py")
#: kernels here (tests, benchmarks) call the project's kernels: stamp them the same way
_CALLER_DIRS = (*KERNEL_DIRS, _ROOT / "tests", _ROOT / "benchmarks", _ROOT / "scenarios")


def _ours(py_file) -> bool:
    try:
        p = Path(py_file).resolve()
    except (OSError, TypeError):
        return False
    return any(p.parent == d for d in _CALLER_DIRS)


def project_stamp() -> str:
    """sha256 over the kernel sources (KERNEL_SOURCES)."""
    h = hashlib.sha256()
    for pattern in KERNEL_SOURCES:
        for f in sorted(_ROOT.glob(pattern)):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


class _ProjectStamp:
    def get_source_stamp(self):
        return project_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        if not _ours(py_file):
            return None
        return super().from_function(py_func, py_file)


def _register() -> None:
    classes = caching.CacheImpl._locator_classes
    if any(getattr(c, "_selloff", False) for c in classes):
        return
    ours = []
    for base in (caching.UserProvidedCacheLocator, caching.InTreeCacheLocator,
                 caching.UserWideCacheLocator):
        ours.append(type(f"Project{base.__name__}", (_ProjectStamp, base), {"_selloff": True}))
    classes[:0] = ours


_register()
