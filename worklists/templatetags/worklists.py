"""``{% worklists as lists %}``: what waits for the signed-in person, for the staff home."""

from django import template
from django.utils import timezone

from worklists.rules import worklists_for

register = template.Library()


@register.simple_tag(takes_context=True)
def worklists(context):
    return worklists_for(context["request"].user, today=timezone.localdate())
