import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from accounts.services import notification_send

pytestmark = pytest.mark.django_db

URL = reverse("accounts:notifications")


def test_notify_creates_one_per_member_and_counts_unread(member, other_member, on_commit):
    with on_commit():
        count = notification_send(
            recipients=[member, other_member, member], kind="moderation", message="Hello", url="/x/"
        )
        assert not Notification.objects.exists()  # delivered only once the transaction commits
    assert count == 2
    member.refresh_from_db()
    assert member.unread_notifications == 1
    assert Notification.objects.filter(user=member, message="Hello", url="/x/").count() == 1


def test_header_shows_unread_count_and_page_lists_them(member_client, member, on_commit):
    with on_commit():
        for i in range(3):
            notification_send(recipients=[member], kind="moderation", message=f"Note {i}", url="/")
    html = member_client.get(URL).content.decode()
    assert "Note 0" in html and "Note 2" in html
    assert '<span class="count">3<' in html


def test_mark_all_read(member_client, member, on_commit):
    with on_commit():
        notification_send(recipients=[member], kind="moderation", message="Read me")
    response = member_client.post(reverse("accounts:notifications-read"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.unread_notifications == 0
    assert Notification.objects.get().read_at is not None


def test_mark_read_is_post_only(member_client):
    assert member_client.get(reverse("accounts:notifications-read")).status_code == 405


def test_members_see_only_their_own_notifications(member_client, member, other_member, on_commit):
    with on_commit():
        notification_send(
            recipients=[other_member], kind="moderation", message="Bob's private news"
        )
    assert Notification.objects.filter(user=other_member).exists()
    assert "Bob&#x27;s private news" not in member_client.get(URL).content.decode()
    assert "Bob's private news" not in member_client.get(URL).content.decode()


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_notifications_page_query_count(
    member_client, member, django_assert_num_queries, on_commit
):
    with on_commit():
        notification_send(recipients=[member], kind="moderation", message="x")
        for i in range(40):
            notification_send(recipients=[member], kind="moderation", message=f"n{i}")
    # session, user, my groups (moderator link in the header), count, page of notifications
    with django_assert_num_queries(5):
        response = member_client.get(URL)
    assert response.content.decode().count('<li class="notification') == 41


def test_message_is_escaped(member_client, member, on_commit):
    with on_commit():
        notification_send(
            recipients=[member], kind="moderation", message="<script>alert(1)</script>"
        )
    html = member_client.get(URL).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_nothing_is_delivered_when_the_write_rolls_back(member):
    from django.db import transaction

    with transaction.atomic():
        notification_send(recipients=[member], kind="moderation", message="never")
        transaction.set_rollback(True)
    assert not Notification.objects.exists()


def test_the_list_marks_exactly_the_unread_ones(app, member, on_commit):
    with on_commit():
        for i in range(4):
            notification_send(recipients=[member], kind="moderation", message=f"Note {i}", url="/")
    Notification.objects.filter(message__in=["Note 0", "Note 2"]).update(read_at=timezone.now())
    items = app.get(URL, user=member).html.select("li.notification")
    marked = {
        item.a.get_text(strip=True): (
            "unread" in item["class"],
            item.select_one(".new-label") is not None,
            "(unread)" in item.get_text(),
        )
        for item in items
    }
    assert marked == {
        "Note 0": (False, False, False),
        "Note 1": (True, True, True),
        "Note 2": (False, False, False),
        "Note 3": (True, True, True),
    }


def test_mark_all_read_as_rendered(app, member, on_commit):
    with on_commit():
        notification_send(recipients=[member], kind="moderation", message="Read me", url="/")
        notification_send(recipients=[member], kind="moderation", message="And me", url="/")
    page = app.get(URL, user=member)
    assert len(page.html.select("li.notification.unread")) == 2
    response = page.forms["notifications-read-form"].submit().follow()
    assert response.html.select("li.notification.unread") == []
    assert response.html.select(".new-label") == []
    assert "Mark all as read" not in response.text
    assert "Read me" in response.text and "And me" in response.text
    member.refresh_from_db()
    assert member.unread_notifications == 0
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()


def test_the_worker_writes_notifications_and_a_second_run_adds_nothing(
    member, other_member, settings, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    from tests.conftest import DATABASE_TASKS

    # The worker closes connections between tasks; the test's is inside its transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    settings.TASKS = DATABASE_TASKS
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(
            recipients=[member, other_member], kind="moderation", message="Hi", url="/"
        )
    assert not Notification.objects.exists()  # enqueued, not yet run
    [result] = DBTaskResult.objects.all()
    # The task twice over, as a retried or resumed one would run.
    DBTaskResult.objects.create(
        task_path=result.task_path,
        args_kwargs=result.args_kwargs,
        queue_name=result.queue_name,
        backend_name=result.backend_name,
        priority=result.priority,
        run_after=result.run_after,
    )
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sorted(r.return_value for r in DBTaskResult.objects.all()) == [0, 2]
    assert Notification.objects.filter(message="Hi").count() == 2
    member.refresh_from_db()
    other_member.refresh_from_db()
    assert member.unread_notifications == other_member.unread_notifications == 1


def test_notifications_to_many_are_written_in_batches(member, settings, on_commit, monkeypatch):
    from accounts import notifications
    from tests.conftest import make_member

    monkeypatch.setattr(notifications, "NOTIFY_BATCH_SIZE", 3)
    others = [make_member(f"n{i}") for i in range(7)]
    with on_commit():
        notification_send(recipients=[member, *others], kind="moderation", message="All", url="/")
    assert Notification.objects.filter(message="All").count() == 8
    assert (
        notifications.notifications_add(
            key=Notification.objects.get(user=member).key,
            user_ids=[u.pk for u in others],
            note=notifications.NotificationData(kind="moderation", message="All", url="/"),
        )
        == 0
    )
