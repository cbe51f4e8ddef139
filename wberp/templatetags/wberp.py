"""Template filters of the project shell."""

from datetime import timedelta

from django import template
from django.utils.translation import npgettext

register = template.Library()


@register.filter
def duration_text(duration: timedelta | None) -> str:
    """ "15 minutes", "1 hour", "1 hour 30 minutes": how long a lockout lasts."""
    if not duration:
        return ""
    minutes = max(1, round(duration.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    # The context: as in "locked for 15 minutes" (in Russian the accusative, "на 1 минуту").
    parts = []
    if hours:
        parts.append(
            npgettext("for how long", "%(count)d hour", "%(count)d hours", hours) % {"count": hours}
        )
    if minutes:
        parts.append(
            npgettext("for how long", "%(count)d minute", "%(count)d minutes", minutes)
            % {"count": minutes}
        )
    return " ".join(parts)
