"""The package's boundaries: framework-free, and HTTP through one module only."""

from __future__ import annotations

import ast
from pathlib import Path

import wbapi

PACKAGE = Path(wbapi.__file__).parent


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    return modules


def test_nothing_in_wbapi_imports_django():
    offenders = [p for p in PACKAGE.rglob("*.py") if "django" in imported_modules(p)]

    assert offenders == []


def test_only_the_transport_imports_an_http_library():
    code = [p for p in PACKAGE.rglob("*.py") if "tests" not in p.relative_to(PACKAGE).parts]

    users = {
        p.relative_to(PACKAGE).as_posix()
        for p in code
        if {"requests", "urllib3"} & imported_modules(p)
    }

    assert users == {"transport.py"}
    assert {"client.py", "methods/common.py", "methods/statistics.py"} <= {
        p.relative_to(PACKAGE).as_posix() for p in code
    }


def test_it_has_a_version():
    assert wbapi.__version__ == "0.1.0"
