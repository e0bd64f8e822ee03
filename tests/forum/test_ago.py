"""`ago` answers as timesince(depth=1) does, by its own arithmetic."""

import random
from datetime import UTC, datetime, timedelta

from django.utils.timesince import timesince

from forum.templatetags.forum_tags import ago


def test_ago_says_what_timesince_says():
    rnd = random.Random(12)
    for now in (
        datetime(2026, 3, 1, 0, 30, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    ):
        for _ in range(20_000):
            seconds = rnd.choice(
                [
                    rnd.randint(-100, 100),
                    rnd.randint(0, 90_000),
                    rnd.randint(0, 3_000_000),
                    rnd.randint(0, 200_000_000),
                ]
            )
            then = now - timedelta(seconds=seconds, microseconds=rnd.randint(0, 999_999))
            assert ago(then, now) == f"{timesince(then, now=now, depth=1)} ago", then


def test_ago_of_nothing_is_empty():
    assert ago(None) == ""
