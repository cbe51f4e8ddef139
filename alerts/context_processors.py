from django.http import HttpRequest

from .selectors import unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count in the navigation: a callable, so only a page that shows the
    navigation (a staff user's) spends its one indexed query."""
    user = getattr(request, "user", None)
    if user is None or not (user.is_authenticated and user.is_staff):
        return {}
    return {"unread_notifications": lambda: unread_count(user)}
