"""`{% cabinet_areas seller as areas %}`: the areas of a cabinet the reader sees, so that a
page links only to what they may open (a link to another area would answer 404)."""

from django import template
from django.http import HttpRequest

from access.models import Level
from access.selectors import cabinet_levels
from sellers.models import Seller

register = template.Library()


@register.simple_tag(takes_context=True)
def cabinet_areas(context: template.Context, seller: Seller) -> frozenset[str]:
    """The areas of `seller`'s cabinet the request's user holds at least read only; read
    once per request and cabinet, however many parts of the page ask."""
    request: HttpRequest = context["request"]
    known = request.__dict__.setdefault("_cabinet_areas", {})
    if seller.pk not in known:
        levels = cabinet_levels(request.user, seller)
        known[seller.pk] = frozenset(area for area, level in levels.items() if level >= Level.VIEW)
    return known[seller.pk]
