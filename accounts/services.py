from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Affiliation, Notification, User


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    affiliations: dict[str, tuple[str, str] | None],
) -> User:
    """Save a member's own profile. An affiliation set to None is deleted: consent withdrawn."""
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.save(update_fields=["display_name", "bio"])
    existing = {a.kind: a for a in user.affiliations.select_for_update()}
    for kind, shared in affiliations.items():
        current = existing.get(kind)
        if shared is None:
            if current is not None:
                current.delete()
            continue
        name, visibility = shared
        if current is None:
            Affiliation.objects.create(
                user=user, kind=kind, name=name, visibility=visibility, consented_at=timezone.now()
            )
        elif (current.name, current.visibility) != (name, visibility):
            # A changed name or wider audience is a fresh decision to share: re-date the consent.
            current.name, current.visibility = name, visibility
            current.consented_at = timezone.now()
            current.save(update_fields=["name", "visibility", "consented_at"])
    return user


def notify(*, users: Iterable[User], kind: str, message: str, url: str = "") -> int:
    """Tell members something in-site. The one place notifications are made: email digests, push
    and preferences grow here. Returns how many members will be notified.

    Delivery waits until the caller's transaction commits: callers hold row locks (a post, the
    writing member), and bumping other members' unread counters under those locks deadlocks when
    two members answer each other at once. Nothing is sent for a write that rolls back.
    """
    user_ids = sorted({user.pk for user in users})
    if user_ids:
        transaction.on_commit(lambda: _deliver(user_ids, kind, message[:300], url))
    return len(user_ids)


@transaction.atomic
def _deliver(user_ids: list[int], kind: str, message: str, url: str) -> None:
    # Lock the recipients in one order (by pk) so concurrent deliveries never deadlock.
    list(User.objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values("pk"))
    Notification.objects.bulk_create(
        Notification(user_id=user_id, kind=kind, message=message, url=url) for user_id in user_ids
    )
    User.objects.filter(pk__in=user_ids).update(unread_notifications=F("unread_notifications") + 1)


@transaction.atomic
def notifications_mark_read(*, user: User) -> None:
    Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    User.objects.filter(pk=user.pk).update(unread_notifications=0)
    user.unread_notifications = 0
