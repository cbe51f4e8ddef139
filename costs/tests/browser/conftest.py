"""The token pages' browser fixtures, for the cost price pages too (see catalog/tests/browser)."""

from tokens.tests.test_browser import (  # noqa: F401 - fixtures, found by their names
    app,
    browser,
    browser_context_args,
    browser_type,
    browser_type_launch_args,
    console,
    launch_browser,
    playwright,
    visit_as,
)
