"""The bell's unread count stays exact while notifications arrive and the member reads them, all
at once (PostgreSQL: real row locks, real concurrent transactions)."""

import pytest

from accounts.models import Notification, User
from accounts.notifications import NotificationData, notifications_add
from accounts.services import notifications_mark_read
from tests.concurrency import in_threads
from tests.conftest import make_member, requires_postgres


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_unread_count_is_exact_under_concurrent_events_and_reading():
    member = make_member("busy")
    writers = [make_member(f"w{i}") for i in range(6)]

    def work(index: int) -> None:
        if index % 4 == 3:
            notifications_mark_read(actor=User.objects.get(pk=member.pk))
            return
        for n in range(5):
            notifications_add(
                key=f"event:{index}:{n}",
                user_ids=[member.pk, *(w.pk for w in writers)],
                note=NotificationData(kind="reply", message=f"{index}/{n}"),
            )

    assert in_threads(work, 12) == []
    for user in [member, *writers]:
        user.refresh_from_db()
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
        assert user.unread_notifications == unread
    assert Notification.objects.filter(user=member).count() == 9 * 5
