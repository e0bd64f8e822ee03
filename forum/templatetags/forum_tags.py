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


class UnknownPermission(Exception):
    """A template asked for a can_<action> the model doesn't have (a typo must not read as no)."""


class Permissions:
    """What `user` may do with `item`, asked of the item's own `can_<action>(user)` predicates:
    `{% with can=post|permissions:user %}{% if can.edit %}…`. The rules stay in the models."""

    def __init__(self, item: object, user: object) -> None:
        self._item, self._user = item, user

    def __getattr__(self, action: str) -> bool:
        check = getattr(self._item, f"can_{action}", None)
        if check is None:
            raise UnknownPermission(f"{type(self._item).__name__} has no can_{action}")
        return bool(check(self._user))


@register.filter
def permissions(item: object, user: object) -> Permissions:
    return Permissions(item, user)
