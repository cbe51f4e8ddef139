"""Start-up refuses a configuration that Django's system checks reject.

`manage.py runserver` and `migrate` run the checks themselves; gunicorn and the background
worker do not, so they call `refuse_unsafe_configuration()` once the app is loaded, and
/readyz answers 503 while `configuration_problems()` finds any.
"""

from functools import cache

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver


@cache
def configuration_problems() -> tuple[checks.CheckMessage, ...]:
    """The errors of the system checks (deployment checks too with DEBUG off).

    Kept for the life of the process, as the settings are: a problem is fixed by a restart.
    """
    found = checks.run_checks(include_deployment_checks=not settings.DEBUG)
    return tuple(
        message for message in found if message.level >= checks.ERROR and not message.is_silenced()
    )


def refuse_unsafe_configuration() -> None:
    """Raise ImproperlyConfigured, naming every problem, unless the checks find none."""
    problems = configuration_problems()
    if problems:
        raise ImproperlyConfigured(
            "The configuration is not safe to serve with:\n"
            + "\n".join(
                f"{problem}" + (f" HINT: {problem.hint}" if problem.hint else "")
                for problem in problems
            )
        )


@receiver(setting_changed)
def _forget_problems(**kwargs) -> None:
    configuration_problems.cache_clear()
