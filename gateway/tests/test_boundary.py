"""The gateway is the one door to WB: no other app talks to WB's client or decrypts a token."""

import ast
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
# Where the rule does not apply: the door itself, the SDK it wraps, the cipher that implements
# decryption, tests (which check what was stored), and the benchmark harness.
EXEMPT = ("gateway/", "wbapi/", ".venv/", "bench/", "var/")
CIPHER = "tokens/crypto.py"


def project_modules() -> list[Path]:
    return [
        path
        for path in BASE_DIR.rglob("*.py")
        if not str(path.relative_to(BASE_DIR)).startswith(EXEMPT)
        and "tests" not in path.relative_to(BASE_DIR).parts
    ]


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def decrypt_calls(tree: ast.AST) -> int:
    return sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "decrypt"
    )


def test_the_scan_sees_the_apps():
    seen = {str(path.relative_to(BASE_DIR)) for path in project_modules()}
    assert {"tokens/services.py", "sellers/services.py", "wberp/settings.py"} <= seen


def test_no_app_but_the_gateway_imports_the_wb_client():
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in project_modules()
        if any(
            name == "wbapi.client" or name.startswith("wbapi.client.")
            for name in imported_modules(ast.parse(path.read_text("utf-8")))
        )
    ]
    assert offenders == []


def test_no_app_but_the_gateway_decrypts_a_token():
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in project_modules()
        if str(path.relative_to(BASE_DIR)) != CIPHER
        and decrypt_calls(ast.parse(path.read_text("utf-8")))
    ]
    assert offenders == []


def test_the_gateway_does_decrypt_and_call_wb():
    """The rule is about a real door: the gateway holds both, so the scan would see them."""
    stored = ast.parse((BASE_DIR / "gateway" / "stored.py").read_text("utf-8"))
    validation = ast.parse((BASE_DIR / "gateway" / "validation.py").read_text("utf-8"))
    assert decrypt_calls(stored) == 1
    assert "wbapi.client" in imported_modules(validation)
