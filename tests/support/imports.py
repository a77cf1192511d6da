"""What importing a package drags in, checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def loaded_by(package: str, *, matching: str) -> list[str]:
    """Modules whose name satisfies the Python expression `matching` (over `m`) that
    are loaded after importing every module of `package`."""
    code = (
        f"import json, pkgutil, importlib, sys, {package} as p\n"
        f"for mod in pkgutil.walk_packages(p.__path__, '{package}.'):\n"
        "    importlib.import_module(mod.name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if {matching})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, cwd=ROOT)
    return json.loads(out.stdout)
