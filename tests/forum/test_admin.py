"""The admin for moderators: who may open what, the actions (each through forum.moderation, logged,
member told), read-only change pages, no hard delete, escaped content, constant query counts."""

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Notification
from forum import moderation
from forum.models import Comment, ContentState, ModerationAction, Post, Report
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db

Action = ModerationAction.Action


@pytest.fixture
def thread(member, other_member):
    post = factories.post(member)
    root = factories.comment(post, other_member, "root")
    factories.comment(post, member, "<b>child</b>", parent=root)
    return post, root


def _posts(author, n: int) -> list[Post]:
    return [
        factories.post(author, title=f"Post number {i}", body=f"Body number {i}.") for i in range(n)
    ]


def _act(client, changelist: str, action: str, objects, reason: str | None = None):
    """Run an admin action: without a reason, the first step (the page asking for one)."""
    data: dict[str, Any] = {"action": action, "_selected_action": [obj.pk for obj in objects]}
    if reason is None:
        data["index"] = 0  # as the changelist's action bar posts it
    else:
        data.update(apply="yes", reason=reason)
    return client.post(reverse(f"admin:{changelist}_changelist"), data)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _action_choices(response) -> set[str]:
    return {name for name, _ in response.context["action_form"].fields["action"].choices}


# Who may open what -------------------------------------------------------------------------------

CHANGELISTS = [
    "forum_post",
    "forum_comment",
    "forum_report",
    "forum_moderationaction",
    "forum_section",
    "accounts_user",
]


@pytest.fixture
def persona_client(request, client, member, other_member, moderator, superuser, thread):
    """anonymous; member (wrote nothing); author (wrote the thread's post); moderator; superuser."""
    users = {
        "anonymous": None,
        "member": make_member("carol"),
        "author": member,
        "moderator": moderator,
        "superuser": superuser,
    }
    user = users[request.param]
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("persona_client", "status"),
    [("anonymous", 302), ("member", 302), ("author", 302), ("moderator", 200), ("superuser", 200)],
    indirect=["persona_client"],
)
@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_who_can_open_the_moderation_changelists(persona_client, status, changelist):
    response = persona_client.get(reverse(f"admin:{changelist}_changelist"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:auth_group_changelist",
        "admin:account_emailaddress_changelist",
        "admin:forum_post_add",
        "admin:forum_comment_add",
        "admin:forum_report_add",
        "admin:forum_moderationaction_add",
        "admin:forum_section_add",
        "admin:accounts_user_add",
    ],
)
def test_moderator_cannot_open_anything_else(moderator_client, url_name):
    assert moderator_client.get(reverse(url_name)).status_code == 403


def test_moderator_sees_the_post_read_only(moderator_client, thread):
    post, _ = thread
    response = moderator_client.get(reverse("admin:forum_post_change", args=[post.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert 'name="state"' not in response.content.decode()


@pytest.mark.parametrize("client_fixture", ["moderator_client", "admin_client"])
def test_nobody_changes_content_state_by_hand(request, client_fixture, thread):
    """Not even a superuser: a hand edit would be in no log and tell no member."""
    client = request.getfixturevalue(client_fixture)
    post, root = thread
    response = client.post(
        reverse("admin:forum_post_change", args=[post.pk]),
        {"state": ContentState.REMOVED, "removed_reason": "by hand", "is_locked": "on"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:forum_comment_change", args=[root.pk]), {"state": ContentState.REMOVED}
    )
    assert response.status_code == 403
    post.refresh_from_db()
    root.refresh_from_db()
    assert (post.state, post.is_locked, root.state) == (ContentState.VISIBLE, False, "visible")


# No hard delete ----------------------------------------------------------------------------------


def test_admin_lists_posts_and_comments_escaped(admin_client, thread):
    assert admin_client.get(reverse("admin:forum_post_changelist")).status_code == 200
    html = admin_client.get(reverse("admin:forum_comment_changelist")).content.decode()
    assert "<b>child</b>" not in html


def test_admin_cannot_hard_delete_content(admin_client, thread):
    post, root = thread
    assert (
        admin_client.post(
            reverse("admin:forum_comment_delete", args=[root.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            reverse("admin:forum_post_delete", args=[post.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:forum_comment_changelist"),
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Comment.objects.count() == 2
    assert Post.objects.count() == 1


@pytest.mark.parametrize("client_fixture", ["moderator_client", "admin_client"])
def test_delete_selected_is_not_offered_for_content(request, client_fixture, thread):
    client = request.getfixturevalue(client_fixture)
    post_actions = _action_choices(client.get(reverse("admin:forum_post_changelist")))
    assert "delete_selected" not in post_actions
    assert {"remove_with_reason", "restore", "dismiss_reports", "lock", "promote"} <= post_actions
    comment_actions = _action_choices(client.get(reverse("admin:forum_comment_changelist")))
    assert comment_actions == {"", "remove_with_reason", "restore", "dismiss_reports"}
    report_actions = _action_choices(client.get(reverse("admin:forum_report_changelist")))
    assert report_actions == {"", "resolve_remove", "resolve_dismiss"}


def test_moderator_cannot_hard_delete(moderator_client, thread):
    post, root = thread
    for url in [
        reverse("admin:forum_post_delete", args=[post.pk]),
        reverse("admin:forum_comment_delete", args=[root.pk]),
    ]:
        assert moderator_client.post(url, {"post": "yes"}).status_code == 403
    assert (Post.objects.count(), Comment.objects.count()) == (1, 2)


def test_member_cannot_open_the_admin(member_client):
    response = member_client.get(reverse("admin:forum_post_changelist"))
    assert response.status_code == 302
    assert Post.objects.count() == 0


# Actions on posts and comments -------------------------------------------------------------------


def test_remove_asks_for_a_reason_first_and_changes_nothing(moderator_client, member):
    posts = _posts(member, 2)
    response = _act(moderator_client, "forum_post", "remove_with_reason", posts)
    assert response.status_code == 200
    assert "admin/forum/action_reason.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'name="reason"' in html
    assert all(post.title in html for post in posts)
    assert not Post.objects.exclude(state=ContentState.VISIBLE).exists()
    assert not ModerationAction.objects.exists()


def test_remove_without_a_reason_asks_again(moderator_client, member):
    posts = _posts(member, 1)
    response = _act(moderator_client, "forum_post", "remove_with_reason", posts, reason="   ")
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    assert not ModerationAction.objects.exists()


def test_moderator_bulk_removes_posts_with_a_reason(
    moderator_client, moderator, member, django_capture_on_commit_callbacks
):
    posts = _posts(member, 3)
    with django_capture_on_commit_callbacks(execute=True):  # notifications go out after commit
        response = _act(moderator_client, "forum_post", "remove_with_reason", posts, reason="Spam")
    assert response.status_code == 302
    assert {(p.state, p.removed_reason) for p in Post.objects.all()} == {
        (ContentState.REMOVED, "Spam")
    }
    entries = ModerationAction.objects.filter(action=Action.REMOVE)
    assert sorted(e.object_id or 0 for e in entries) == sorted(p.pk for p in posts)
    assert {(e.moderator, e.target_user, e.reason, e.is_public) for e in entries} == {
        (moderator, member, "Spam", True)
    }
    assert Notification.objects.filter(user=member, kind="moderation").count() == 3
    assert "done for 3 posts" in _messages(response)[0]


def test_removing_comments_keeps_the_tree(
    moderator_client, thread, other_member, django_capture_on_commit_callbacks
):
    _, root = thread
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(
            moderator_client, "forum_comment", "remove_with_reason", [root], reason="Rude"
        )
    assert response.status_code == 302
    root.refresh_from_db()
    assert (root.state, root.removed_reason) == (ContentState.REMOVED, "Rude")
    assert root.get_descendant_count() == 1
    assert Comment.objects.count() == 2
    entry = ModerationAction.objects.get(action=Action.REMOVE)
    assert (entry.target, entry.target_user, entry.reason) == (root, other_member, "Rude")
    assert Notification.objects.filter(user=other_member, kind="moderation").exists()


def test_a_refused_item_is_reported_and_the_others_are_done(moderator_client, moderator, member):
    removed, visible = _posts(member, 2)
    moderation.content_remove(actor=moderator, target=removed, reason="Spam")
    response = _act(
        moderator_client, "forum_post", "remove_with_reason", [removed, visible], reason="Spam"
    )
    visible.refresh_from_db()
    assert visible.state == ContentState.REMOVED
    assert ModerationAction.objects.filter(action=Action.REMOVE).count() == 2  # 1 before, 1 now
    messages = _messages(response)
    assert f"Not done for {removed.title}: This is already removed." in messages
    assert any("done for 1 post," in m for m in messages)


def test_moderator_restores_removed_posts(moderator_client, moderator, member):
    posts = _posts(member, 2)
    for post in posts:
        moderation.content_remove(actor=moderator, target=post, reason="Spam")
    response = _act(moderator_client, "forum_post", "restore", posts, reason="Not spam after all")
    assert response.status_code == 302
    assert {(p.state, p.removed_reason) for p in Post.objects.all()} == {(ContentState.VISIBLE, "")}
    entries = ModerationAction.objects.filter(action=Action.RESTORE)
    assert {(e.object_id, e.reason) for e in entries} == {
        (p.pk, "Not spam after all") for p in posts
    }


def test_moderator_dismisses_reports_on_comments(
    moderator_client, moderator, thread, member, django_capture_on_commit_callbacks
):
    _, root = thread
    report = moderation.report_create(actor=member, target=root, reason=Report.Reason.ABUSE)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(moderator_client, "forum_comment", "dismiss_reports", [root], reason="Fair")
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.outcome, report.resolved_by) == ("resolved", "kept", moderator)
    entry = ModerationAction.objects.get(action=Action.DISMISS)
    assert (entry.target, entry.reason, entry.is_public) == (root, "Fair", False)
    assert Notification.objects.filter(user=member, kind="report").exists()


def test_dismissing_an_item_without_reports_logs_nothing(moderator_client, thread):
    post, _ = thread
    response = _act(moderator_client, "forum_post", "dismiss_reports", [post], reason="Fine")
    assert f"Not done for {post.title}: It has no open reports." in _messages(response)
    assert not ModerationAction.objects.exists()


def test_moderator_locks_unlocks_promotes_and_unpromotes(
    moderator_client, member, django_capture_on_commit_callbacks
):
    posts = _posts(member, 2)
    steps = [
        ("lock", "is_locked", True, Action.LOCK),
        ("promote", "is_promoted", True, Action.PROMOTE),
        ("unlock", "is_locked", False, Action.UNLOCK),
        ("unpromote", "is_promoted", False, Action.UNPROMOTE),
    ]
    for action, field, value, logged in steps:
        with django_capture_on_commit_callbacks(execute=True):
            response = _act(
                moderator_client, "forum_post", action, posts, reason=f"Because {action}"
            )
        assert response.status_code == 302
        assert set(Post.objects.values_list(field, flat=True)) == {value}
        entries = ModerationAction.objects.filter(action=logged)
        assert {(e.object_id, e.reason) for e in entries} == {
            (p.pk, f"Because {action}") for p in posts
        }
    assert Notification.objects.filter(user=member, kind="moderation").count() == 8


def test_changelist_filters_reported_posts(moderator_client, member, other_member):
    reported, quiet = _posts(member, 2)
    moderation.report_create(actor=other_member, target=reported, reason=Report.Reason.SPAM)
    url = reverse("admin:forum_post_changelist")
    assert list(moderator_client.get(url, {"reported": "yes"}).context["cl"].result_list) == [
        reported
    ]
    assert list(moderator_client.get(url, {"reported": "no"}).context["cl"].result_list) == [quiet]


# Reports -----------------------------------------------------------------------------------------


@pytest.fixture
def reports(thread, other_member):
    """Two reports on the post, one on a comment."""
    post, root = thread
    carol, dan = make_member("carol"), make_member("dan")
    child = Comment.objects.get(parent=root)  # written by member (the post's author)
    return [
        moderation.report_create(actor=carol, target=post, reason=Report.Reason.SPAM),
        moderation.report_create(actor=dan, target=post, reason=Report.Reason.SPAM),
        moderation.report_create(actor=other_member, target=child, reason=Report.Reason.ABUSE),
    ]


def test_resolving_reports_by_removal_removes_each_item_once(moderator_client, reports, thread):
    post, root = thread
    response = _act(moderator_client, "forum_report", "resolve_remove", reports, reason="Spam")
    assert response.status_code == 302
    post.refresh_from_db()
    child = Comment.objects.get(parent=root)
    assert post.state == child.state == ContentState.REMOVED
    assert {(r.status, r.outcome) for r in Report.objects.all()} == {("resolved", "removed")}
    # One log entry an item, not one a report.
    logged = ModerationAction.objects.filter(action=Action.REMOVE).values_list(
        "object_id", flat=True
    )
    assert sorted(pk or 0 for pk in logged) == sorted([post.pk, child.pk])


def test_resolving_reports_by_dismissal_keeps_the_items(moderator_client, reports, thread):
    post, _ = thread
    page = _act(moderator_client, "forum_report", "resolve_dismiss", reports)
    assert escape(post.title) in page.content.decode()  # it names the items, not the reports
    response = _act(moderator_client, "forum_report", "resolve_dismiss", reports, reason="Fine")
    assert response.status_code == 302
    assert {(r.status, r.outcome) for r in Report.objects.all()} == {("resolved", "kept")}
    assert ModerationAction.objects.filter(action=Action.DISMISS).count() == 2
    post.refresh_from_db()
    assert post.state == ContentState.VISIBLE


def test_resolved_reports_are_left_alone(moderator_client, reports):
    _act(moderator_client, "forum_report", "resolve_dismiss", reports, reason="Fine")
    response = _act(moderator_client, "forum_report", "resolve_remove", reports, reason="Spam")
    assert "Nothing to do for the selection." in _messages(response)
    assert ModerationAction.objects.filter(action=Action.REMOVE).count() == 0


def test_nobody_edits_or_deletes_reports(admin_client, reports):
    report = reports[0]
    assert (
        admin_client.get(reverse("admin:forum_report_change", args=[report.pk])).status_code == 200
    )
    assert (
        admin_client.post(
            reverse("admin:forum_report_change", args=[report.pk]), {"status": "resolved"}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            reverse("admin:forum_report_delete", args=[report.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


# The log -----------------------------------------------------------------------------------------


def test_moderation_log_is_view_only_even_for_superusers(admin_client, moderator, thread):
    post, _ = thread
    entry = moderation.moderation_action_create(
        actor=moderator, action=Action.LOCK, target=post, reason="x"
    )
    change_url = reverse("admin:forum_moderationaction_change", args=[entry.pk])
    response = admin_client.get(change_url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert admin_client.post(change_url, {"reason": "rewritten"}).status_code == 403
    delete_url = reverse("admin:forum_moderationaction_delete", args=[entry.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:forum_moderationaction_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "x"


# Escaping ----------------------------------------------------------------------------------------

SCRIPT = '<script>alert("{}")</script>'


def test_user_content_is_shown_escaped(admin_client, member, other_member):
    post = factories.post(member, title=SCRIPT.format("title"), body=SCRIPT.format("body"))
    comment = factories.comment(post, other_member, SCRIPT.format("comment"))
    moderation.report_create(
        actor=other_member, target=post, reason="other", detail=SCRIPT.format("detail")
    )
    pages = {
        "admin:forum_post_changelist": ["title"],
        "admin:forum_comment_changelist": ["comment"],
        "admin:forum_report_changelist": ["title", "detail"],
        "admin:forum_post_change": ["title", "body", "detail"],
        "admin:forum_comment_change": ["comment"],
    }
    args = {"admin:forum_post_change": [post.pk], "admin:forum_comment_change": [comment.pk]}
    for url_name, texts in pages.items():
        html = admin_client.get(reverse(url_name, args=args.get(url_name))).content.decode()
        for text in texts:
            assert SCRIPT.format(text) not in html, (url_name, text)
            assert f"&lt;script&gt;alert(&quot;{text}&quot;)" in html, (url_name, text)


# Query counts ------------------------------------------------------------------------------------

# Every changelist below costs, before its own queries: the session, the user, and the moderator's
# user and group permissions (4). Then its own, none of them a row's: two counts (the page's and
# the "N total" one), the page of rows (related rows joined, open report counts as a subquery),
# the date hierarchy's two (first/last date, then the days), and any list filter reading the database.


@pytest.fixture
def busy_forum(member, other_member, moderator):
    """30 posts, each with a comment, reports on both and a logged lock: enough rows of every kind
    that one query a row would show."""
    carol = make_member("carol")
    for post in _posts(member, 30):
        comment = factories.comment(post, other_member)
        moderation.report_create(actor=carol, target=post, reason=Report.Reason.SPAM)
        moderation.report_create(actor=carol, target=comment, reason=Report.Reason.SPAM)
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Done")


@pytest.mark.parametrize(
    ("changelist", "queries"),
    [
        # Each: session, user, permissions, the moderator's authenticators (two-factor, checked by
        # accounts.middleware), and then the changelist's own:
        # 2 counts, rows, 2 date hierarchy, the section filter's sections
        ("forum_post", 5 + 6),
        # 2 counts, rows, 2 date hierarchy, the section filter's sections
        ("forum_comment", 5 + 6),
        # 2 counts, rows, 2 date hierarchy, the reported posts and the reported comments (one each)
        ("forum_report", 5 + 7),
        # 2 counts, rows, 2 date hierarchy, the moderator filter's moderators
        ("forum_moderationaction", 5 + 6),
    ],
)
def test_changelists_hold_a_constant_query_count(
    moderator_client, busy_forum, changelist, queries, django_assert_num_queries
):
    url = reverse(f"admin:{changelist}_changelist")
    moderator_client.get(url)  # content types are cached per process after first use
    with django_assert_num_queries(queries):
        response = moderator_client.get(url)
    assert len(response.context["cl"].result_list) >= 30


def test_admin_report_queue_shows_open_reports_grouped_by_item_oldest_first(
    moderator_client, member, other_member
):
    from datetime import timedelta

    from django.utils import timezone

    from forum import moderation
    from forum.models import Report
    from tests.conftest import make_member

    joined = timezone.now() - timedelta(days=60)
    reporters = [make_member(f"rep{i}", date_joined=joined) for i in range(3)]
    post = factories.post(member, title="Item A")
    root = factories.comment(post, other_member, "Item B")
    first = moderation.report_create(actor=reporters[0], target=post, reason="spam")
    second = moderation.report_create(actor=reporters[1], target=root, reason="abuse")
    third = moderation.report_create(actor=reporters[2], target=post, reason="other", detail="x")
    resolved = moderation.report_create(actor=reporters[2], target=root, reason="spam")
    base = timezone.now() - timedelta(hours=5)
    for offset, report in enumerate([first, second, third, resolved]):
        Report.objects.filter(pk=report.pk).update(created_at=base + timedelta(hours=offset))
    Report.objects.filter(pk=resolved.pk).update(status="resolved", outcome="kept")

    response = moderator_client.get(reverse("admin:forum_report_changelist"))
    assert response.status_code == 200
    shown = [r.pk for r in response.context["cl"].result_list]
    # Item A (first reported 5 hours ago) with both its reports, then item B; nothing resolved.
    assert shown == [first.pk, third.pk, second.pk]
    everything = moderator_client.get(reverse("admin:forum_report_changelist") + "?status=all")
    assert resolved.pk in [r.pk for r in everything.context["cl"].result_list]
