import uuid
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from .models import Affiliation, Notification, OutboundEmail, User, Visibility
from .notifications import notifications_add
from .queueing import enqueue_after_commit, enqueue_logged
from .tasks import email_send, notifications_deliver


class ProfileRefused(Exception):
    """A suspended member tried to publish through their profile; the message says what still works."""


# Who sees an affiliation, narrowest first: a suspended member may move down this list, never up.
# (str: what the form and the rows hold; a Visibility equals its value.)
_AUDIENCE: list[str] = [Visibility.PRIVATE, Visibility.MEMBERS, Visibility.PUBLIC]


def profile_update(
    *,
    actor: User,
    display_name: str,
    bio: str,
    affiliations: dict[str, tuple[str, str] | None],
) -> User:
    """Save a member's own profile. An affiliation set to None is deleted: consent withdrawn.

    A suspended member can't publish here either: their display name and bio, and an affiliation's
    name, shown on their profile and beside everything they wrote, stay as they are, and nothing
    is shared more widely. Withdrawing consent never waits on a suspension: removing an
    affiliation or narrowing who sees it is saved, and then ProfileRefused says what wasn't.
    """
    display_name, bio = display_name.strip(), bio.strip()
    with transaction.atomic():
        # Locked and re-read, so a suspension that began after the page loaded still counts.
        member = User.objects.select_for_update().get(pk=actor.pk)
        suspended = member.is_suspended
        refused = False
        if (display_name, bio) != (member.display_name, member.bio):
            if suspended:
                refused = True
            else:
                member.display_name, member.bio = display_name, bio
                member.save(update_fields=["display_name", "bio"])
        existing = {a.kind: a for a in member.affiliations.select_for_update()}
        for kind, shared in affiliations.items():
            current = existing.get(kind)
            if shared is None:
                if current is not None:
                    current.delete()
                continue
            name, visibility = shared
            if suspended and not _only_narrows(current, name, visibility):
                refused = True
                continue
            if current is None:
                Affiliation.objects.create(
                    user=member,
                    kind=kind,
                    name=name,
                    visibility=visibility,
                    consented_at=timezone.now(),
                )
            elif (current.name, current.visibility) != (name, visibility):
                # A changed name or wider audience is a fresh decision to share: re-date the consent.
                current.name, current.visibility = name, visibility
                current.consented_at = timezone.now()
                current.save(update_fields=["name", "visibility", "consented_at"])
    actor.display_name, actor.bio = member.display_name, member.bio
    if refused:
        until = timezone.localtime(member.suspended_until)
        raise ProfileRefused(
            f"Your account is suspended until {until:%d %B %Y, %H:%M}: until then you can't "
            "change your display name or bio, or share an affiliation or widen who sees it. "
            "You can still remove an affiliation or narrow who sees it; any such change you made "
            "here is saved."
        )
    return actor


def _only_narrows(current: Affiliation | None, name: str, visibility: str) -> bool:
    """Whether keeping (name, visibility) publishes nothing new: same name, same or fewer readers."""
    if current is None or current.name != name:
        return False
    return _AUDIENCE.index(visibility) <= _AUDIENCE.index(current.visibility)


def notification_send(
    *, recipients: Iterable[User], kind: str, message: str, url: str = "", key: str = ""
) -> int:
    """Tell members something in-site. The one place notifications are made: email digests, push
    and preferences grow here. Returns how many members will be notified.

    The notifications are written by the worker (accounts.tasks.notifications_deliver), enqueued
    once the caller's transaction commits: nothing is sent for a write that rolls back, and
    callers hold row locks (a post, the writing member) under which bumping other members' unread
    counters would deadlock when two members answer each other at once. `key` names the event; a
    member gets one notification per key however often the task runs (a fresh key when none is
    given). For an audience too big to list in a request, enqueue a task that works it out and
    calls notifications_add (campaigns.tasks does, for supporters).
    """
    user_ids = sorted({user.pk for user in recipients})
    if user_ids:
        key = key or f"{kind}:{uuid.uuid4().hex}"
        transaction.on_commit(partial(_deliver, user_ids, kind, message[:300], url, key))
    return len(user_ids)


def _deliver(user_ids: list[int], kind: str, message: str, url: str, key: str) -> None:
    if enqueue_logged(notifications_deliver, user_ids, kind, message, url, key) is None:
        # The queue is down (Redis): write them here, after the commit, so they aren't lost. A
        # handful of members, since audiences too big for a request go through tasks of their
        # own (campaign sends), which email_resume enqueues again instead.
        notifications_add(key=key, user_ids=user_ids, kind=kind, message=message, url=url)


@transaction.atomic
def notifications_mark_read(*, actor: User) -> None:
    Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
    User.objects.filter(pk=actor.pk).update(unread_notifications=0)
    actor.unread_notifications = 0


def email_outbox_add(*, key: str, user_ids: Iterable[int], subject: str, body: str) -> int:
    """Put one email per member in the outbox under `key`, the send's name, and have the worker
    send them once the caller's transaction commits. Adding a send again adds nothing (one row
    per member and key), so the task that calls this can safely run twice. Returns how many rows
    are new."""
    with transaction.atomic():
        before = OutboundEmail.objects.filter(key=key).count()
        OutboundEmail.objects.bulk_create(
            (
                OutboundEmail(key=key, user_id=user_id, subject=subject, body=body)
                for user_id in sorted(set(user_ids))
            ),
            batch_size=500,
            ignore_conflicts=True,
        )
        added = OutboundEmail.objects.filter(key=key).count() - before
        enqueue_after_commit(email_send, key)
    return added
