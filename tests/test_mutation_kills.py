"""Tests written for mutants `make mutate` found alive (docs/mutation.md): each pins a rule the
other tests left loose."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from tests.forum import factories

pytestmark = pytest.mark.django_db


def test_a_reply_notification_quotes_the_first_80_characters_of_the_title(
    member, other_member, on_commit
):
    title = "".join(f"{n % 10}" for n in range(120))  # 0123456789012…: every cut is visible
    post = factories.post(member, title=title)
    with on_commit():
        factories.comment(post, other_member)
    note = Notification.objects.get(user=member, kind="reply")
    assert f"“{title[:80]}”" in note.message
