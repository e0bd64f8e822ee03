"""Anti-abuse limits on writing: rates per member, links for new members, double submits.

Counted in the database, under the author's row lock taken by the services, so the numbers hold
under concurrent requests and across app servers without a shared cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import User

# An identical post or reply by the same member within this window is the same submission.
DOUBLE_SUBMIT_WINDOW = timedelta(seconds=30)


@dataclass(frozen=True)
class Rate:
    count: int
    window: timedelta
    text: str  # "at most 6 a minute"


POST_RATES = [Rate(5, timedelta(hours=1), "at most 5 posts an hour")]
NEW_MEMBER_POST_RATES = [Rate(2, timedelta(hours=1), "at most 2 posts an hour in your first day")]
REPLY_RATES = [
    Rate(6, timedelta(minutes=1), "at most 6 replies a minute"),
    Rate(60, timedelta(hours=1), "at most 60 replies an hour"),
]
NEW_MEMBER_REPLY_RATES = [
    Rate(3, timedelta(minutes=1), "at most 3 replies a minute in your first day"),
    Rate(10, timedelta(hours=1), "at most 10 replies an hour in your first day"),
]
NEW_MEMBER_MAX_LINKS = 2


def is_new_member(user: User) -> bool:
    return user.date_joined > timezone.now() - timedelta(hours=settings.FORUM_NEW_MEMBER_HOURS)


def exceeded(rates: list[Rate], recent_times: list[datetime]) -> Rate | None:
    """The first rate the member's recent submission times (newest first) already fill."""
    now = timezone.now()
    for rate in rates:
        if sum(1 for t in recent_times if t > now - rate.window) >= rate.count:
            return rate
    return None


def longest_window(rates: list[Rate]) -> timedelta:
    return max(rate.window for rate in rates)
