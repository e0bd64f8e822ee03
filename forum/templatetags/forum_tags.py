from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

# Below four weeks no calendar month can have passed, so timesince's answer is plain arithmetic
# on these fixed units: worked out here, as a thread page does it for each of 200 comments.
_FOUR_WEEKS = 28 * 24 * 3600
_UNITS = ((7 * 24 * 3600, "week"), (24 * 3600, "day"), (3600, "hour"), (60, "minute"))


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'3 hours ago' rather than timesince's '3 hours, 12 minutes': one unit is enough in a list.

    The same words as ``timesince(value, depth=1)`` (the site is in English), without its cost
    for anything under four weeks old.
    """
    if not value:
        return ""
    now = now or timezone.now()
    delta = now - value
    since = delta.days * 24 * 3600 + delta.seconds
    if since >= _FOUR_WEEKS or value.tzinfo is None or now.tzinfo is None:
        return f"{timesince(value, now=now, depth=1)} ago"
    for size, unit in _UNITS:
        if since >= size:
            count = since // size
            return f"{count}\xa0{unit}{'' if count == 1 else 's'} ago"
    return "0\xa0minutes ago"


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
