"""`manage.py retention`: unconfirmed accounts and old notifications go after their periods."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Notification, User
from accounts.tasks import retention_apply
from tests.conftest import IMMEDIATE_TASKS, make_member

pytestmark = pytest.mark.django_db


def _retention(*args):
    out = StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def _signed_up(username, *, days_ago, confirmed=False, **extra):
    with time_machine.travel(timezone.now() - timedelta(days=days_ago), tick=False):
        user = User.objects.create_user(username=username, email=f"{username}@example.org", **extra)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=confirmed)
    return user


def test_unconfirmed_accounts_are_purged_after_the_period(settings):
    settings.RETENTION_UNVERIFIED_DAYS = 14
    stale = _signed_up("stale", days_ago=15)
    fresh = _signed_up("fresh", days_ago=13)
    confirmed = _signed_up("confirmed", days_ago=400, confirmed=True)
    admin = _signed_up("admin", days_ago=400, is_staff=True)
    no_address = User.objects.create_user(username="bare")
    User.objects.filter(pk=no_address.pk).update(date_joined=timezone.now() - timedelta(days=30))

    assert (
        "unconfirmed-accounts: would delete 2 accounts never confirmed in 14 days" in _retention()
    )
    assert User.objects.filter(pk=stale.pk).exists()
    assert "unconfirmed-accounts: delete 2 accounts" in _retention("--apply")
    left = set(User.objects.values_list("username", flat=True))
    assert {"fresh", "confirmed", "admin"} <= left
    assert not {"stale", "bare"} & left
    assert not EmailAddress.objects.filter(email="stale@example.org").exists()
    assert fresh.pk and confirmed.pk and admin.pk


def test_old_notifications_go_and_unread_counts_follow(settings):
    settings.RETENTION_NOTIFICATIONS_MONTHS = 12
    member = make_member("reader")
    now = timezone.now()

    def note(days_ago, *, read):
        Notification.objects.create(
            user=member,
            kind="reply",
            message=f"{days_ago} days ago",
            created_at=now - timedelta(days=days_ago),
            read_at=now if read else None,
        )

    for days_ago, read in [(400, True), (380, False), (370, False), (300, False), (10, False)]:
        note(days_ago, read=read)
    User.objects.filter(pk=member.pk).update(unread_notifications=4)

    assert "notifications: would delete 3 notifications older than 12 months" in _retention()
    assert Notification.objects.count() == 5
    _retention("--apply")
    assert sorted(Notification.objects.values_list("message", flat=True)) == [
        "10 days ago",
        "300 days ago",
    ]
    member.refresh_from_db()
    assert member.unread_notifications == 2


def test_a_dry_run_with_nothing_due_says_so_without_the_dry_run_line():
    report = _retention()
    assert "would delete 0" in report
    assert "Dry run" not in report


def test_the_task_applies_every_rule(settings):
    settings.TASKS = IMMEDIATE_TASKS
    settings.RETENTION_UNVERIFIED_DAYS = 14
    _signed_up("stale", days_ago=20)
    result = retention_apply.enqueue()
    assert result.return_value is not None
    assert result.return_value["unconfirmed-accounts"] == 1
    assert not User.objects.filter(username="stale").exists()


def test_records_of_long_ended_log_ins_go_live_ones_stay(settings, client):
    """allauth.usersessions keeps each log-in's address and browser: a record whose session has
    ended, and not seen for a session's lifetime, is deleted; one whose session still works stays
    however old."""
    from allauth.usersessions.models import UserSession

    member = make_member("traveller")
    client.force_login(member)
    live = UserSession.objects.create(
        user=member, ip="192.0.2.1", session_key=client.session.session_key, user_agent="Firefox"
    )
    gone = UserSession.objects.create(
        user=member, ip="192.0.2.2", session_key="x" * 32, user_agent="Chrome"
    )
    recent = UserSession.objects.create(
        user=member, ip="192.0.2.3", session_key="y" * 32, user_agent="Safari"
    )
    long_ago = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    UserSession.objects.filter(pk__in=[live.pk, gone.pk]).update(last_seen_at=long_ago)
    assert "login-sessions: would delete 2 records" in _retention()  # candidates
    _retention("--apply")
    assert set(UserSession.objects.values_list("pk", flat=True)) == {live.pk, recent.pk}
