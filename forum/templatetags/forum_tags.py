from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

# timesince(depth=1)'s answer, worked out without its translation machinery (the site is in
# English), as a thread page does it for each of 200 comments: whole calendar years or months
# first, as timesince counts them, then fixed weeks, days, hours, minutes.
_UNITS = ((7 * 24 * 3600, "week"), (24 * 3600, "day"), (3600, "hour"), (60, "minute"))


def _plural(count: int, unit: str) -> str:
    return f"{count}\xa0{unit}{'' if count == 1 else 's'} ago"


@register.filter
def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'3 hours ago' rather than timesince's '3 hours, 12 minutes': one unit is enough in a list.

    The same words as ``f"{timesince(value, depth=1)} ago"`` (tests/forum/test_ago.py compares
    them), at a fraction of its cost.
    """
    if not value:
        return ""
    now = now or timezone.now()
    if value.tzinfo is None or now.tzinfo is None:
        return f"{timesince(value, now=now, depth=1)} ago"
    now = now.astimezone(value.tzinfo)
    delta = now - value
    since = delta.days * 24 * 3600 + delta.seconds
    if since <= 0:
        return "0\xa0minutes ago"
    months = (now.year - value.year) * 12 + (now.month - value.month)
    if value.day > now.day or (value.day == now.day and value.time() > now.time()):
        months -= 1
    if months >= 12:
        return _plural(months // 12, "year")
    if months > 0:
        return _plural(months, "month")
    for size, unit in _UNITS:
        if since >= size:
            return _plural(since // size, unit)
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
