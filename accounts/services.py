import logging
import uuid
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from .deletion import deletion_handlers
from .models import (
    Affiliation,
    Block,
    DataExport,
    Delivery,
    Notification,
    NotificationPreference,
    OutboundEmail,
    User,
    Visibility,
)
from .notifications import (
    NotificationData,
    notifications_add,
    notifications_deliver,
    notifications_take_back,
)
from .preferences import CATEGORIES, category_of
from .queueing import enqueue_after_commit, enqueue_logged
from .retention import delete_notifications
from .tasks import email_send
from .validators import username_skeleton

log = logging.getLogger(__name__)


class BlockRefused(Exception):
    """The block asked for can't be made; the message says why."""


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
    *,
    recipients: Iterable[User],
    kind: str,
    message: str,
    url: str = "",
    key: str = "",
    actor: User | None = None,
    excerpt: str = "",
    thread: str = "",
    title: str = "",
    target: str = "",
) -> int:
    """Tell members something: in the site, and by email as each member chose for the kind's
    category (accounts.preferences). The one way in for a handful of members; returns how many
    were asked for (the worker drops those who must not hear it).

    The notifications are written by the worker (accounts.tasks.notifications_deliver), enqueued
    once the caller's transaction commits: nothing is sent for a write that rolls back, and
    callers hold row locks (a post, the writing member) under which bumping other members' unread
    counters would deadlock when two members answer each other at once. `key` names the event; a
    member gets one notification per key however often the task runs (a fresh key when none is
    given). `actor` is who did it: never told of their own action, and members who block them
    hear nothing of it (leave it None for moderators' decisions). `thread` ("post:42") and
    `title` group emails; `target` ("forum.comment:7") is what notifications_withdraw takes back.
    For an audience too big to list in a request, enqueue a task that works it out and calls
    notifications_add (campaigns.tasks does, for supporters).
    """
    category_of(kind)  # an unmapped kind fails here, in the caller's test, not in the worker
    actor_id = actor.pk if actor is not None else None
    user_ids = sorted({user.pk for user in recipients} - {actor_id})
    if user_ids:
        key = key or f"{kind}:{uuid.uuid4().hex}"
        note = NotificationData(
            kind=kind,
            message=message[:300],
            url=url,
            actor_id=actor_id,
            excerpt=excerpt[:300],
            thread=thread,
            title=title[:200],
            target=target,
        )
        transaction.on_commit(partial(_deliver, user_ids, key, note))
    return len(user_ids)


def _deliver(user_ids: list[int], key: str, note: NotificationData) -> None:
    if enqueue_logged(notifications_deliver, user_ids, key, note.as_json()) is None:
        # The queue is down (Redis): write them here, after the commit, so they aren't lost. A
        # handful of members, since audiences too big for a request go through tasks of their
        # own (campaign sends), which email_resume enqueues again instead.
        notifications_add(key=key, user_ids=user_ids, note=note)


def notifications_withdraw(*, target: str) -> int:
    """Take back the unread notifications about `target` (removed, hidden or deleted before its
    readers got to it), and their emails not yet made. Returns how many went."""
    return notifications_take_back(target=target)


@transaction.atomic
def block_create(*, actor: User, member: User) -> Block:
    """`actor` blocks `member`: no messages between them, no notification of what member does."""
    if member.pk == actor.pk:
        raise BlockRefused("You can't block yourself.")
    if member.is_moderator:
        # Moderators' notices and warnings must reach members; their posts can still be muted.
        raise BlockRefused("Moderators can't be blocked.")
    block, _ = Block.objects.get_or_create(blocker=actor, blocked=member)
    return block


@transaction.atomic
def block_remove(*, actor: User, member: User) -> bool:
    deleted, _ = Block.objects.filter(blocker=actor, blocked=member).delete()
    return bool(deleted)


@transaction.atomic
def preferences_update(*, actor: User, choices: dict[str, Delivery]) -> None:
    """Save a member's delivery choice per category (accounts.preferences.CATEGORIES)."""
    for name, delivery in choices.items():
        category = CATEGORIES[name]
        if delivery not in category.choices:
            raise ValueError(f"{delivery} is not a choice for {name}")
        NotificationPreference.objects.update_or_create(
            user=actor, category=name, defaults={"delivery": delivery}
        )


@transaction.atomic
def notifications_mark_read(*, actor: User) -> None:
    # The member's row first, as notifications_add locks it: a notification written meanwhile is
    # either marked read here or counted after, never read yet counted (or unread and uncounted).
    User.objects.select_for_update().filter(pk=actor.pk).values("pk").first()
    unread = Notification.objects.filter(user=actor, read_at__isnull=True)
    # Read in the site before its email was made: no email (and out of the pending index).
    unread.filter(emailed_at__isnull=True).exclude(email="").update(email="")
    unread.update(read_at=timezone.now())
    User.objects.filter(pk=actor.pk).update(unread_notifications=0)
    actor.unread_notifications = 0


@transaction.atomic
def notifications_mark_thread_read(*, actor: User, thread: str) -> int:
    """Mark read the member's notifications about one thread ("conversation:7"), as opening it
    shows them all; their pending emails go too. Returns how many were unread."""
    User.objects.select_for_update().filter(pk=actor.pk).values("pk").first()  # as mark_read
    unread = Notification.objects.filter(user=actor, thread=thread, read_at__isnull=True)
    unread.filter(emailed_at__isnull=True).exclude(email="").update(email="")
    count = unread.update(read_at=timezone.now())
    if count:
        User.objects.filter(pk=actor.pk).update(
            unread_notifications=Greatest(F("unread_notifications") - count, 0)
        )
        actor.refresh_from_db(fields=["unread_notifications"])
    return count


def email_outbox_add(
    *, key: str, user_ids: Iterable[int], subject: str, body: str, category: str = ""
) -> int:
    """Put one email per member in the outbox under `key`, the send's name, and have the worker
    send them once the caller's transaction commits. Adding a send again adds nothing (one row
    per member and key), so the task that calls this can safely run twice. Returns how many rows
    are new. A notification email names its `category` (accounts.preferences): it gets the
    footer saying why, and one-click unsubscribe headers."""
    with transaction.atomic():
        before = OutboundEmail.objects.filter(key=key).count()
        OutboundEmail.objects.bulk_create(
            (
                OutboundEmail(
                    key=key, user_id=user_id, subject=subject, body=body, category=category
                )
                for user_id in sorted(set(user_ids))
            ),
            batch_size=500,
            ignore_conflicts=True,
        )
        added = OutboundEmail.objects.filter(key=key).count() - before
        enqueue_after_commit(email_send, key)
    return added


# Deleting an account ------------------------------------------------------------------------------


class AccountDeletionRefused(Exception):
    """The deletion asked for can't be done; the message says why."""


def can_delete_account(actor: User, user: User) -> bool:
    """A member deletes their own account; staff with accounts.delete_user delete one for a member
    who asked (a superuser's only if they are a superuser themselves)."""
    if user.deleted_at is not None:
        return False
    if actor.pk == user.pk:
        return True
    if not (actor.is_active and actor.is_staff and actor.has_perm("accounts.delete_user")):
        return False
    return actor.is_superuser or not user.is_superuser


def account_delete(*, user: User, actor: User, erase_content: bool) -> User:
    """Delete a member's account, for good: one transaction, so all of it happens or none.

    The User row stays as a tombstone (posts, comments, messages and campaigns reference their
    author with PROTECT, and threads stay whole): every personal field is scrubbed, and the name
    shown for it is "[deleted member]" (User.name). Each app's part is its registered handler
    (accounts.deletion), called first: supports, votes and recommendations go with their counters
    corrected, campaigns pass to a co-organiser or close, conversations are left, and with
    `erase_content` the text of their posts, comments and messages is erased as deleting each
    would. Then accounts' own: email addresses, affiliations, notifications (theirs, and those
    naming them as who did it), preferences, blocks both ways, queued emails.

    Sessions: no list of a member's sessions is kept (the cached_db backend), so none is deleted
    here; setting an unusable password changes the session auth hash, which Django checks on
    every request, so every session of theirs is logged out at its next request (and is_active
    False refuses any new log-in).

    Lock order: the member's row first, then what the handlers lock (posts, campaigns,
    conversations). Writers take post, then member: only a reply the member sends at the very
    moment of their own deletion can meet it the other way round, and the database then aborts
    one of the two.
    """
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=user.pk)
        if not can_delete_account(actor, member):
            if member.deleted_at is not None:
                raise AccountDeletionRefused("This account is already deleted.")
            raise AccountDeletionRefused("You can't delete this account.")
        for handler in deletion_handlers():
            handler.handler(member, erase_content=erase_content)

        EmailAddress.objects.filter(user=member).delete()
        Affiliation.objects.filter(user=member).delete()
        NotificationPreference.objects.filter(user=member).delete()
        Block.objects.filter(blocker=member).delete()
        Block.objects.filter(blocked=member).delete()
        OutboundEmail.objects.filter(user=member).delete()
        Notification.objects.filter(user=member).delete()
        # Pending and ready data exports: the rows now, their files once this commits
        # (accounts.exports connects post_delete).
        DataExport.objects.filter(user=member).delete()
        # Their log-ins (allauth.usersessions: address and browser each): each session ended
        # in the session store, and its record deleted.
        from allauth.usersessions.models import UserSession

        for login in UserSession.objects.filter(user=member):
            login.end()
        # Others' notifications of what they did name them in their text ("Alice replied"):
        # deleted, the unread ones taken off their readers' counts.
        delete_notifications(Notification.objects.filter(actor=member))

        _scrub(member)
        member.save()
        member.groups.clear()
        member.user_permissions.clear()
    who = "themselves" if actor.pk == user.pk else f"staff member {actor.pk}"
    # No name, username or address: the pk is all the log keeps.
    log.info("Account deleted: %s (by %s, content erased: %s)", member.pk, who, erase_content)
    return member


# Fields of User a tombstone keeps as they are: the row's identity, and when it joined (not about
# the person once nothing else says who they were, and the member list's order). Every other field
# is set by _scrub; tests/accounts/test_account_deletion.py fails for a field added to User and
# not handled here.
TOMBSTONE_KEEPS = frozenset({"id", "date_joined"})


def _scrub(member: User) -> None:
    # username_skeleton follows (its pre_save). Sign-ups can't choose deleted-<n>
    # (accounts.validators); a member who had it before that rule keeps it, and this one differs.
    username = f"deleted-{member.pk}"
    if User.objects.filter(username_skeleton=username_skeleton(username)).exists():
        username = f"deleted-{member.pk}-{uuid.uuid4().hex[:8]}"
    member.username = username
    member.set_unusable_password()
    member.email = ""
    member.first_name = member.last_name = ""
    member.display_name = member.bio = ""
    member.suspension_reason = ""
    member.suspended_until = None
    member.privacy_accepted_at = None
    member.last_login = None
    member.unread_notifications = 0
    member.is_active = member.is_staff = member.is_superuser = False
    member.deleted_at = timezone.now()
