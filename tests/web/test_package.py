"""apps.web is the pure core: importing all of it loads no Django and no Sitelens app."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_imports_nothing_from_django_or_other_apps():
    code = (
        "import pkgutil, importlib, sys, apps.web\n"
        "for m in pkgutil.walk_packages(apps.web.__path__, 'apps.web.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')"
        " or (m.startswith('apps.') and not m.startswith('apps.web'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_only_the_client_module_imports_requests():
    importers = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "apps").rglob("*.py")
        if any(line.strip().startswith(("import requests", "from requests"))
               for line in path.read_text().splitlines())
    )
    assert importers == ["apps/web/http/client.py"]
