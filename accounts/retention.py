"""Keeping personal data only as long as the privacy notice says: the retention rules.

Each rule finds what is past its time (`due(now)`, a queryset) and deals with it (`act`, by
default deleting in batches). accounts has the rules for what it holds (unconfirmed accounts,
old notifications); apps that depend on accounts register theirs in their AppConfig.ready()
(campaigns: supporter records of long-closed campaigns), so this module never imports them.

`manage.py retention` lists what is due (a dry run); `--apply` acts; `--enqueue` asks the task
worker to act (accounts.tasks.retention_apply). Run it daily (docs/operations.md); the periods
come from settings and are the ones templates/accounts/privacy.html states.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.deletion import ProtectedError
from django.utils import timezone

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class Rule:
    name: str
    # What the rule does, for the command's lines: "delete 3 notifications older than 12 months".
    describe: Callable[[int], str]
    due: Callable[[datetime], QuerySet[Any]]
    act: Callable[[QuerySet[Any]], int]


RULES: dict[str, Rule] = {}


def delete_in_batches(queryset: QuerySet[Any]) -> int:
    """Delete the queryset's rows a batch at a time (each batch its own transaction)."""
    done = 0
    while pks := list(queryset.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            queryset.model.objects.filter(pk__in=pks).delete()
        done += len(pks)
    return done


def register_retention_rule(
    name: str,
    *,
    describe: Callable[[int], str],
    due: Callable[[datetime], QuerySet[Any]],
    act: Callable[[QuerySet[Any]], int] = delete_in_batches,
) -> None:
    RULES[name] = Rule(name=name, describe=describe, due=due, act=act)


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    count: int
    applied: bool

    def __str__(self) -> str:
        verb = "" if self.applied else "would "
        return f"{self.rule.name}: {verb}{self.rule.describe(self.count)}"


def retention_run(*, apply: bool, now: datetime | None = None) -> list[Outcome]:
    """Every rule's due count (dry run), or what each did (`apply`)."""
    now = now or timezone.now()
    outcomes = []
    for rule in RULES.values():
        due = rule.due(now)
        count = rule.act(due) if apply else due.count()
        if apply and count:
            log.info("Retention %s: %s", rule.name, rule.describe(count))
        outcomes.append(Outcome(rule=rule, count=count, applied=apply))
    return outcomes


def months_ago(now: datetime, months: int) -> datetime:
    """`months` calendar-ish months before `now` (30.44 days each: a retention period, not a
    calendar date)."""
    return now - timedelta(days=round(30.44 * months))


# accounts' own rules --------------------------------------------------------------------------


def _unconfirmed_accounts(now: datetime) -> QuerySet[Any]:
    """Sign-ups never confirmed by email after RETENTION_UNVERIFIED_DAYS: nobody can log in to
    them (confirmation is mandatory), so nothing was ever written with them. Staff accounts
    (made with createsuperuser, often without an address) are never purged."""
    from allauth.account.models import EmailAddress

    from .models import User

    confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
    return User.objects.filter(
        date_joined__lt=now - timedelta(days=settings.RETENTION_UNVERIFIED_DAYS),
        is_staff=False,
        is_superuser=False,
        # A deleted account has no address left either: its tombstone stays (accounts.services).
        deleted_at__isnull=True,
    ).filter(~Exists(confirmed))


def _delete_accounts(queryset: QuerySet[Any]) -> int:
    """Delete each account; one another app protects (it holds something of theirs) stays."""
    done = 0
    for user in queryset.iterator(chunk_size=BATCH):
        try:
            with transaction.atomic():
                user.delete()
        except ProtectedError:
            log.warning("Retention: unconfirmed account %s holds content; kept", user.pk)
        else:
            done += 1
    return done


def _old_notifications(now: datetime) -> QuerySet[Any]:
    from .models import Notification

    months = settings.RETENTION_NOTIFICATIONS_MONTHS
    return Notification.objects.filter(created_at__lt=months_ago(now, months))


def delete_notifications(queryset: QuerySet[Any]) -> int:
    """Delete, and take the unread ones off their members' unread counts."""
    from .models import User

    done = 0
    while pks := list(queryset.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            batch = queryset.model.objects.filter(pk__in=pks)
            unread = dict(
                batch.filter(read_at__isnull=True)
                .values_list("user_id")
                .annotate(n=Count("pk"))
                .values_list("user_id", "n")
            )
            batch.delete()
            for user_id, n in unread.items():
                user = User.objects.select_for_update().get(pk=user_id)
                User.objects.filter(pk=user_id).update(
                    unread_notifications=max(user.unread_notifications - n, 0)
                )
        done += len(pks)
    return done


def _stale_login_sessions(now: datetime) -> QuerySet[Any]:
    """allauth.usersessions' records (IP address, browser) of log-ins not seen for a session's
    whole lifetime: candidates; `_purge_login_sessions` keeps any whose session still works."""
    from allauth.usersessions.models import UserSession

    stale: QuerySet[Any] = UserSession.objects.filter(
        last_seen_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    )
    return stale


def _purge_login_sessions(queryset: QuerySet[Any]) -> int:
    # purge() deletes the record only if its session is gone or no longer logs anyone in.
    return sum(1 for session in queryset.iterator(chunk_size=BATCH) if session.purge())


def register_account_rules() -> None:
    register_retention_rule(
        "unconfirmed-accounts",
        describe=lambda n: (
            f"delete {n} account{'' if n == 1 else 's'} never confirmed in "
            f"{settings.RETENTION_UNVERIFIED_DAYS} days"
        ),
        due=_unconfirmed_accounts,
        act=_delete_accounts,
    )
    register_retention_rule(
        "notifications",
        describe=lambda n: (
            f"delete {n} notification{'' if n == 1 else 's'} older than "
            f"{settings.RETENTION_NOTIFICATIONS_MONTHS} months"
        ),
        due=_old_notifications,
        act=delete_notifications,
    )
    register_retention_rule(
        "login-sessions",
        describe=lambda n: (
            f"delete {n} record{'' if n == 1 else 's'} of log-ins ended more than "
            f"{settings.SESSION_COOKIE_AGE // 86400} days ago (address and browser)"
        ),
        due=_stale_login_sessions,
        act=_purge_login_sessions,
    )
