"""The one import of the durable-rules engine, with an error that says what to do when it fails.

durable-rules 2.0.28 calls `PyEval_CallObject`, which CPython 3.13 removed (the upstream fix is
unreleased). Built with `CPPFLAGS='-DPyEval_CallObject=PyObject_CallObject'` it works on 3.11 to
3.13; built without it on 3.13 it installs but fails to import ("undefined symbol"). A failed
import is reported as a CheckError (one line on the command line, exit 2) naming the command that
reinstalls the engine for the running interpreter. It is also an ImportError, for callers that
import the checker as a library.
"""

from __future__ import annotations

import shlex
import sys

from ..errors import CheckError

__all__ = ["REINSTALL", "EngineImportError", "dre"]

ENGINE_CPPFLAGS = "-DPyEval_CallObject=PyObject_CallObject"
# --no-cache-dir: pip would otherwise reuse the wheel it built (and cached) without the flag;
# --force-reinstall: durable-rules==2.0.28 is already "installed", only broken.
REINSTALL = (
    f"CPPFLAGS='{ENGINE_CPPFLAGS}' {shlex.quote(sys.executable or 'python')} -m pip install"
    " --no-cache-dir --force-reinstall durable-rules==2.0.28"
)


class EngineImportError(CheckError, ImportError):
    """The durable-rules engine is missing or was built without the flag this Python needs."""


try:
    import durable_rules_engine as dre
except ImportError as exc:
    reason = " ".join(str(exc).split()) or type(exc).__name__
    raise EngineImportError(
        f"the rules engine (durable-rules) cannot be loaded on Python {sys.version_info.major}.{sys.version_info.minor}"
        f" ({reason}); reinstall it built for this Python: {REINSTALL}"
    ) from exc
