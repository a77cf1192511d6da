"""The dependency arrows of STYLE.md hold: each app imports only the apps below it.

analyses -> jobs -> accounts -> core -> web; exports -> analyses; notifications -> jobs.
Everything may use the pure core (apps.web), which uses nothing. Imports inside
functions are allowed only where Django requires them (AppConfig.ready) or for
type checking, never to dodge a circle.
"""

import ast

import pytest

from tests.support.imports import ROOT, loaded_by

APPS = ROOT / "apps"

ALLOWED = {
    "web": set(),
    "core": {"web"},
    "accounts": {"core", "web"},
    "jobs": {"accounts", "core", "web"},
    "analyses": {"jobs", "accounts", "core", "web"},
    "exports": {"analyses", "jobs", "accounts", "core", "web"},
    "notifications": {"jobs", "accounts", "core", "web"},
}


def _modules(app: str):
    for path in sorted((APPS / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(), filename=str(path))


def _imported_apps(tree) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "apps" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = {}
    for path, tree in _modules(app):
        extra = _imported_apps(tree) - ALLOWED[app] - {app}
        if extra:
            wrong[str(path.relative_to(ROOT))] = sorted(extra)
    assert wrong == {}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def test_no_import_is_deferred_into_a_function_except_app_ready():
    deferred = []
    for app in ALLOWED:
        for path, tree in _modules(app):
            for func in ast.walk(tree):
                if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if path.name == "apps.py" and func.name == "ready":
                    continue
                for node in ast.walk(func):
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and \
                            "apps" in (getattr(node, "module", "") or "").split(".")[:1]:
                        deferred.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert deferred == []


def test_the_analyzers_are_plain_python():
    assert loaded_by("apps.analyses.analyzers",
                     matching="m.split('.')[0] in ('django', 'rest_framework')") == []
