"""apps.web is the pure core: importing all of it loads no Django and no Sitelens app."""

from tests.support.imports import ROOT, loaded_by


def test_it_imports_nothing_from_django_or_other_apps():
    assert loaded_by("apps.web", matching="m.split('.')[0] in ('django', 'rest_framework') "
                                          "or (m.startswith('apps.') and "
                                          "not m.startswith('apps.web'))") == []


def test_only_the_client_module_imports_requests():
    importers = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "apps").rglob("*.py")
        if any(line.strip().startswith(("import requests", "from requests"))
               for line in path.read_text().splitlines())
    )
    assert importers == ["apps/web/http/client.py"]
