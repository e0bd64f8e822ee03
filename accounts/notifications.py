"""Notifications: the one writer, and the emails made from them.

- `notifications_add` writes them, for accounts.services.notification_send's task
  (`notifications_deliver`, below) and for tasks that work out big audiences themselves
  (campaigns.tasks, forum.tasks). It applies each member's choice for the kind's category
  (accounts.preferences): off, in the site only, by email straight away, or in the daily digest;
  it drops members who block the actor, and it never gives a member two notifications for one
  event (the key).
- Email straight away is grouped: the first notification of a member that is to be emailed
  schedules `notification_emails_send` for that member NOTIFICATION_EMAIL_DELAY seconds later;
  what arrives meanwhile joins it, and the task makes one email per thread and category ("5 new
  replies in 'Take back control'"). What the member read in the site meanwhile is not emailed.
- The daily digest: `digests_send` (enqueued by `manage.py housekeeping`) finds who has digest
  notifications from before today's DIGEST_HOUR and enqueues `digest_send` for each.
- `notifications_take_back` withdraws the unread notifications about something removed before
  they were read (and so their emails not yet made).

All of it is safe to run twice: a notification is one row per member and key, an email is made in
the transaction that marks its notifications emailed, and the outbox keeps one row per email key.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from .models import Block, Delivery, Notification, OutboundEmail, User
from .preferences import DIGEST, category_of, deliveries
from .queueing import enqueue_logged, resumable, resumer
from .tasks import email_send

log = logging.getLogger(__name__)

# Recipients locked and written this many at a time: a campaign with 50,000 supporters never
# holds 50,000 row locks, nor one transaction for minutes.
NOTIFY_BATCH_SIZE = 500
# Notifications one email (grouped or digest) lists at most; the rest are "and N more".
EMAIL_ITEMS_MAX = 50


@dataclass(frozen=True)
class NotificationData:
    """What a notification says, whoever gets it (JSON, to travel as a task argument)."""

    kind: str
    message: str
    url: str = ""
    actor_id: int | None = None
    excerpt: str = ""
    thread: str = ""
    title: str = ""
    target: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NotificationData:
        return cls(**data)


_EMAIL_OF: dict[Delivery, str] = {
    Delivery.EMAIL: Notification.Email.NOW,
    Delivery.DIGEST: Notification.Email.DIGEST,
    Delivery.SITE: Notification.Email.NONE,
}


def notifications_add(
    *,
    key: str,
    user_ids: Iterable[int],
    note: NotificationData,
    emailable: Iterable[int] | None = None,
    email_now: bool = True,
) -> int:
    """Give each member one notification under `key` and count it unread, as their preference
    for its category says; a member who already has it gets nothing more, so running this twice
    adds nothing. `emailable`, when given, is who may be emailed about it at all; `email_now`
    False leaves the straight-away emails to the caller (a campaign's own, with the update's
    whole text), still putting it in the digests of those who chose one. Returns how many are
    new."""
    category = category_of(note.kind).name
    ids = sorted(set(user_ids) - {note.actor_id})
    may_email = None if emailable is None else set(emailable)
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
            if note.actor_id is not None:
                have |= set(
                    Block.objects.filter(
                        blocked_id=note.actor_id, blocker_id__in=locked
                    ).values_list("blocker_id", flat=True)
                )
            chosen = deliveries([pk for pk in locked if pk not in have], category)
            rows = []
            for pk, delivery in chosen.items():
                if delivery == Delivery.OFF:
                    continue
                email = _EMAIL_OF[delivery]
                if (may_email is not None and pk not in may_email) or (
                    email == Notification.Email.NOW and not email_now
                ):
                    email = Notification.Email.NONE
                rows.append(
                    Notification(
                        user_id=pk,
                        key=key,
                        category=category,
                        email=email,
                        kind=note.kind,
                        message=note.message[:300],
                        url=note.url,
                        actor_id=note.actor_id,
                        excerpt=note.excerpt[:300],
                        thread=note.thread,
                        title=note.title[:200],
                        target=note.target,
                    )
                )
            to_email = [n.user_id for n in rows if n.email == Notification.Email.NOW]
            # Members with an email already scheduled: what is new joins it.
            scheduled = set(
                _pending(Notification.Email.NOW)
                .filter(user_id__in=to_email)
                .values_list("user_id", flat=True)
            )
            Notification.objects.bulk_create(rows)
            User.objects.filter(pk__in=[n.user_id for n in rows]).update(
                unread_notifications=F("unread_notifications") + 1
            )
            for pk in sorted(set(to_email) - scheduled):
                transaction.on_commit(partial(_schedule_email, pk))
        added += len(rows)
    return added


@resumable
@task
def notifications_deliver(user_ids: list[int], key: str, note: dict[str, Any]) -> int:
    """Write the notifications accounts.services.notification_send asked for; safe to run twice."""
    data = NotificationData.from_json(note)
    added = notifications_add(key=key, user_ids=user_ids, note=data)
    log.info("Notifications %s: %d of %d members told", key, added, len(user_ids))
    return added


def notifications_take_back(*, target: str) -> int:
    """Delete the unread notifications about `target`, and uncount them. Read ones stay: they
    were seen, and the list says what became of the thing when it is opened."""
    with transaction.atomic():
        rows = Notification.objects.filter(target=target, read_at__isnull=True)
        users = sorted(set(rows.values_list("user_id", flat=True)))
        if not users:
            return 0
        # The same lock order as notifications_add and marking read: the members, by pk.
        list(User.objects.select_for_update().filter(pk__in=users).order_by("pk").values("pk"))
        counts: dict[int, int] = defaultdict(int)
        for user_id in rows.values_list("user_id", flat=True):
            counts[user_id] += 1
        deleted, _ = rows.delete()
        for user_id, count in counts.items():
            User.objects.filter(pk=user_id).update(
                unread_notifications=F("unread_notifications") - count
            )
    return deleted


def _pending(email: str) -> Any:
    """Unread notifications still to be emailed as `email` says (now, or in the digest)."""
    return Notification.objects.filter(email=email, emailed_at__isnull=True, read_at__isnull=True)


def _schedule_email(user_id: int) -> None:
    delay = settings.NOTIFICATION_EMAIL_DELAY
    the_task = notification_emails_send
    if delay and the_task.get_backend().supports_defer:
        the_task = the_task.using(run_after=timezone.now() + timedelta(seconds=delay))
    enqueue_logged(the_task, user_id)


# Emails ------------------------------------------------------------------------------------------

_NOUNS = {
    "reply": ("reply", "replies"),
    "mention": ("mention", "mentions"),
    "followed": ("new comment", "new comments"),
    "message": ("new private message", "new private messages"),
}


def _subject(items: list[Notification]) -> str:
    if len(items) == 1:
        return items[0].message
    kinds = {n.kind for n in items}
    noun = _NOUNS.get(kinds.pop(), ("", "notifications"))[1] if len(kinds) == 1 else "notifications"
    if noun in ("replies", "mentions"):
        noun = f"new {noun}"
    title = items[0].title
    return f"{len(items)} {noun} in “{title}”" if title else f"{len(items)} {noun}"


def _absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else f"{settings.SITE_URL}{url}"


def _render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    text = render_to_string(f"accounts/email/{template}.txt", context)
    html = render_to_string(f"accounts/email/{template}.html", context)
    return text, html


def _items(rows: list[Notification]) -> list[dict[str, Any]]:
    return [
        {
            "message": n.message,
            "excerpt": n.excerpt,
            "url": _absolute(n.url) if n.url else settings.SITE_URL + "/notifications/",
            "actor": n.actor.name if n.actor is not None else "",
            "created_at": n.created_at,
        }
        for n in rows
    ]


def _outbox_put(user_id: int, key: str, subject: str, text: str, html: str, category: str) -> None:
    OutboundEmail.objects.bulk_create(
        [
            OutboundEmail(
                key=key,
                user_id=user_id,
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}"[:300],
                body=text,
                html=html,
                category=category,
            )
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(partial(enqueue_logged, email_send, key))


@resumable
@task
def notification_emails_send(user_id: int) -> int:
    """Email a member what they are to hear of straight away and haven't read yet: one email per
    thread and category. Returns how many emails it made."""
    made = 0
    with transaction.atomic():
        member = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        pending = _pending(Notification.Email.NOW).filter(user_id=user_id)
        if member is None or not member.email:
            pending.update(email=Notification.Email.NONE)
            return 0
        rows = list(pending.select_related("actor").order_by("pk")[: EMAIL_ITEMS_MAX * 4])
        groups: dict[tuple[str, str], list[Notification]] = defaultdict(list)
        for n in rows:
            groups[(n.thread or f"one:{n.pk}", n.category)].append(n)
        for (_, category), items in groups.items():
            shown = items[:EMAIL_ITEMS_MAX]
            text, html = _render(
                "notifications",
                {
                    "member": member,
                    "items": _items(shown),
                    "more": len(items) - len(shown),
                    "title": items[0].title,
                    "site_name": settings.SITE_NAME,
                },
            )
            _outbox_put(user_id, f"notify:{items[0].pk}", _subject(items), text, html, category)
            made += 1
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
        if pending.exists():  # more than one email's worth piled up: the rest next time
            transaction.on_commit(partial(_schedule_email, user_id))
    log.info("Notification emails for member %d: %d made", user_id, made)
    return made


def digest_cutoff(now: datetime | None = None) -> datetime:
    """The last DIGEST_HOUR (site time) at or before now: a digest holds what came before it."""
    local = timezone.localtime(now or timezone.now())
    cutoff = local.replace(hour=settings.DIGEST_HOUR, minute=0, second=0, microsecond=0)
    return cutoff if cutoff <= local else cutoff - timedelta(days=1)


@task
def digests_send() -> int:
    """Enqueue a digest for every member with digest notifications from before the cutoff (for
    `manage.py housekeeping`, every few minutes: members are enqueued once, as their rows are
    marked emailed when the digest is made). Returns how many it enqueued."""
    cutoff = digest_cutoff()
    users = sorted(
        set(
            _pending(Notification.Email.DIGEST)
            .filter(created_at__lt=cutoff)
            .values_list("user_id", flat=True)
        )
    )
    for user_id in users:
        enqueue_logged(digest_send, user_id, cutoff.isoformat())
    return len(users)


@resumable
@task
def digest_send(user_id: int, cutoff: str) -> int:
    """Make a member's digest of unread digest notifications from before `cutoff`, grouped by
    thread; 1 if made, 0 if there was nothing (or it was made already)."""
    before = datetime.fromisoformat(cutoff)
    with transaction.atomic():
        member = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        pending = _pending(Notification.Email.DIGEST).filter(user_id=user_id, created_at__lt=before)
        if member is None or not member.email:
            pending.update(email=Notification.Email.NONE)
            return 0
        rows = list(pending.select_related("actor").order_by("pk"))
        if not rows:
            return 0
        threads: dict[str, list[Notification]] = defaultdict(list)
        for n in rows:
            threads[n.thread or f"one:{n.pk}"].append(n)
        groups = [
            {
                "title": items[0].title or items[0].message,
                "count": len(items),
                "items": _items(items[:10]),
                "more": max(0, len(items) - 10),
            }
            for items in list(threads.values())[:EMAIL_ITEMS_MAX]
        ]
        text, html = _render(
            "digest",
            {
                "member": member,
                "groups": groups,
                "more_threads": max(0, len(threads) - EMAIL_ITEMS_MAX),
                "count": len(rows),
                "site_name": settings.SITE_NAME,
            },
        )
        subject = f"Your daily digest: {len(rows)} new in {len(threads)} discussion" + (
            "s" if len(threads) != 1 else ""
        )
        key = f"digest:{user_id}:{before:%Y-%m-%dT%H}"
        _outbox_put(user_id, key, subject, text, html, DIGEST)
        pending.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
    return 1


@resumer
def notification_emails_enqueue(cutoff: datetime) -> int:
    """For `manage.py email_resume`: members whose straight-away emails are overdue (their task
    was never enqueued, or lost) get them enqueued again. Returns how many."""
    late = cutoff - timedelta(seconds=settings.NOTIFICATION_EMAIL_DELAY)
    users = sorted(
        set(
            _pending(Notification.Email.NOW)
            .filter(created_at__lte=late)
            .values_list("user_id", flat=True)
        )
    )
    for user_id in users:
        notification_emails_send.enqueue(user_id)
    return len(users)
