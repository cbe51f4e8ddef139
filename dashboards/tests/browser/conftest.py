"""The token pages' browser fixtures, for the dashboards too: one Chromium setup for the suite
(the system Chromium, loopback only, the live server pointed at the emulator, and the console
watch that fails a test on a console error, an uncaught exception or a CSP violation)."""

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
