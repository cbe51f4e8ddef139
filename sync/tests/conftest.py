from catalog.tests.conftest import catalogue_seller  # noqa: F401 - the sync's tests use it too
