from datetime import datetime

from django import template
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    """'3 hours ago' rather than timesince's '3 hours, 12 minutes': one unit is enough in a list."""
    if not value:
        return ""
    return f"{timesince(value, depth=1)} ago"
