"""The browser tests' setup (wberp.tests.browser): a test marked `browser` has its page's
console watched, and a test not marked opens no browser."""

import pytest
from playwright.sync_api import Page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_watch_hears_console_errors_uncaught_exceptions_and_csp_violations(
    request, page: Page, visit_as, superuser
):
    assert "console" in request.fixturenames  # set up by the mark alone
    console = request.getfixturevalue("console")
    visit_as(superuser, "/accounts/password/")
    page.evaluate("console.error('logged on purpose')")
    page.evaluate("setTimeout(() => { throw new Error('thrown on purpose') })")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<img src=\"https://elsewhere.test/x.png\">')"
    )
    page.wait_for_function("window.wberpTestCspViolations.length > 0")
    page.wait_for_timeout(200)  # the uncaught exception is reported from its own task
    heard = "\n".join(console.problems)
    assert "console: logged on purpose" in heard
    assert "uncaught: thrown on purpose" in heard
    assert "CSP: img-src https://elsewhere.test/x.png" in heard
    console.problems.clear()  # heard as it should: this test passes


def test_a_test_not_marked_browser_opens_no_browser(request):
    assert "browser_test" in request.fixturenames
    assert "page" not in request.fixturenames
    assert "console" not in request.fixturenames
