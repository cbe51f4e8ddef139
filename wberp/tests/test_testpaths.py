"""`make test` collects every app's tests: pytest looks only under the configured testpaths, so
an app left out of them would have its tests silently never run."""

import tomllib

from django.conf import settings


def test_every_directory_with_tests_is_a_testpath():
    base = settings.BASE_DIR
    configured = tomllib.loads((base / "pyproject.toml").read_text(encoding="utf-8"))
    testpaths = set(configured["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {path.parent.name for path in base.glob("*/tests") if path.is_dir()}
    assert with_tests - testpaths == set()
    assert len(with_tests) > 10
