"""Reads of API tokens."""

from django.db.models import QuerySet

from .models import APIToken


def api_tokens_of(user) -> QuerySet[APIToken]:
    """A user's own API tokens, newest first: nobody sees another's on the pages."""
    return APIToken.objects.filter(user=user)
