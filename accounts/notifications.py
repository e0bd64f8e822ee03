"""Writing notifications: the one writer, for accounts.services.notification_send's task
(accounts.tasks.notifications_deliver) and for tasks that work out big audiences themselves
(campaigns.tasks). A module of its own because both the services and the tasks use it."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from .models import Notification, User

# Recipients locked and written this many at a time: a campaign with 50,000 supporters never
# holds 50,000 row locks, nor one transaction for minutes.
NOTIFY_BATCH_SIZE = 500


def notifications_add(
    *, key: str, user_ids: Iterable[int], kind: str, message: str, url: str
) -> int:
    """Give each member one notification under `key` and count it unread; a member who already
    has it gets nothing more, so running this twice adds nothing. Returns how many are new."""
    ids = sorted(set(user_ids))
    added = 0
    for start in range(0, len(ids), NOTIFY_BATCH_SIZE):
        chunk = ids[start : start + NOTIFY_BATCH_SIZE]
        with transaction.atomic():
            # Locked in one order (by pk), so concurrent deliveries never deadlock, and the "has
            # it already" check below can't race another run of the same key.
            locked = list(
                User.objects.select_for_update()
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            have = set(
                Notification.objects.filter(key=key, user_id__in=locked).values_list(
                    "user_id", flat=True
                )
            )
            new = [pk for pk in locked if pk not in have]
            Notification.objects.bulk_create(
                Notification(user_id=pk, kind=kind, message=message[:300], url=url, key=key)
                for pk in new
            )
            User.objects.filter(pk__in=new).update(
                unread_notifications=F("unread_notifications") + 1
            )
        added += len(new)
    return added
