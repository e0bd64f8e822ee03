"""Reports, moderator actions, the public log: each action and each permission."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification
from forum import moderation
from forum.models import ContentState, ModerationAction, Post, Report
from forum.services import ActionRefused
from tests.conftest import activate_totp, make_member

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(member):
    return factories.post(member, body="The original post text")


@pytest.fixture
def comment(post, other_member):
    return factories.comment(post, other_member, "A rude comment")


@pytest.fixture
def reporters(db):
    """Established members: new members' reports don't count toward hiding an item."""
    joined = timezone.now() - timedelta(days=90)
    return [make_member(f"reporter{i}", date_joined=joined) for i in range(3)]


def report_url(kind, pk):
    return reverse("forum:report", args=[kind, pk])


def moderate_url(kind, pk):
    return reverse("forum:moderate", args=[kind, pk])


# Reports -----------------------------------------------------------------------------------------


def test_member_reports_a_comment(client, member, comment):
    client.force_login(member)
    response = client.post(report_url("comment", comment.pk), {"reason": "abuse", "detail": "Rude"})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.target, report.reason, report.status) == (
        member,
        comment,
        "abuse",
        "open",
    )


def test_one_open_report_per_member_per_item(client, member, comment):
    client.force_login(member)
    client.post(report_url("comment", comment.pk), {"reason": "spam"})
    response = client.post(
        report_url("comment", comment.pk), {"reason": "abuse", "detail": "again"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have already reported this." in html
    assert "again" in html  # what they typed is kept
    assert Report.objects.count() == 1


def test_other_reason_needs_detail(client, member, comment):
    client.force_login(member)
    response = client.post(report_url("comment", comment.pk), {"reason": "other"})
    assert "Tell the moderators what is wrong." in response.content.decode()
    assert not Report.objects.exists()


def test_cannot_report_own_content(client, other_member, comment):
    client.force_login(other_member)
    response = client.post(report_url("comment", comment.pk), {"reason": "spam"})
    assert "You can&#x27;t report your own content" in response.content.decode()
    assert not Report.objects.exists()


def test_report_needs_login_and_existing_visible_target(client, member, comment):
    response = client.post(report_url("comment", comment.pk), {"reason": "spam"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(member)
    assert client.get(report_url("comment", 999999)).status_code == 404
    assert client.get(report_url("widget", comment.pk)).status_code == 404
    draft = factories.post(make_member("drafter"), publish=False)
    assert client.get(report_url("post", draft.pk)).status_code == 404


def test_three_reports_hide_item_pending_review(client, comment, reporters, other_member):
    for i, reporter in enumerate(reporters):
        moderation.report_create(actor=reporter, target=comment, reason="abuse")
        comment.refresh_from_db()
        assert comment.state == (ContentState.HIDDEN if i == 2 else ContentState.VISIBLE)
    hide = ModerationAction.objects.get(action="hide")
    assert hide.moderator is None and hide.is_public
    assert hide.target_user == other_member
    html = Client().get(comment.post.get_absolute_url()).content.decode()
    assert "hidden after reports" in html
    assert "A rude comment" not in html


def test_reports_to_hide_is_configurable(settings, comment, reporters):
    settings.FORUM_REPORTS_TO_HIDE = 5
    for reporter in reporters:
        moderation.report_create(actor=reporter, target=comment, reason="abuse")
    comment.refresh_from_db()
    assert comment.state == ContentState.VISIBLE


def test_reporters_are_never_shown_to_the_reported_member_or_public(
    client, comment, reporters, other_member, moderator
):
    for reporter in reporters:
        moderation.report_create(actor=reporter, target=comment, reason="abuse")
    moderation.content_remove(actor=moderator, target=comment, reason="Abusive")
    client.force_login(other_member)
    pages = [
        client.get(reverse("forum:moderation-mine")),
        client.get(reverse("forum:moderation-log")),
        client.get(comment.post.get_absolute_url()),
        client.get(reverse("accounts:notifications")),
    ]
    for page in pages:
        html = page.content.decode()
        assert not any(r.username in html for r in reporters)


# Queue -------------------------------------------------------------------------------------------


def test_queue_groups_reports_by_item_oldest_first(client, moderator, post, comment, reporters):
    moderation.report_create(actor=reporters[0], target=comment, reason="abuse")
    moderation.report_create(actor=reporters[1], target=post, reason="spam")
    moderation.report_create(actor=reporters[2], target=comment, reason="abuse", detail="Nasty")
    client.force_login(moderator)
    html = client.get(reverse("forum:report-queue")).content.decode()
    assert html.count('class="report-group"') == 2
    assert html.index(f"comment #{comment.pk}") < html.index(f"post #{post.pk}")
    assert "2 reports" in html
    assert "Nasty" in html
    assert "@reporter0" in html  # moderators see who reported


def test_queue_is_for_moderators_only(client, member, db):
    assert client.get(reverse("forum:report-queue")).status_code == 302
    client.force_login(member)
    assert client.get(reverse("forum:report-queue")).status_code == 403


def test_queue_query_count_is_constant(client, moderator, member, django_assert_num_queries):
    reporter_pool = [make_member(f"r{i}") for i in range(4)]
    for i in range(12):
        p = factories.post(member, title=f"Post {i}")
        c = factories.comment(p, moderator, f"Comment {i}")
        for r in reporter_pool[:2]:
            moderation.report_create(actor=r, target=p, reason="spam")
            moderation.report_create(actor=r, target=c, reason="abuse")
    client.force_login(moderator)
    # session, user, authenticators (the two-factor check), groups, reports (+reporters), posts
    # (+authors), comments (+authors, posts) (content types are cached)
    with django_assert_num_queries(7):
        response = client.get(reverse("forum:report-queue"))
    assert response.content.decode().count('class="report-group"') == 24


# Moderator actions ---------------------------------------------------------------------------------


def test_moderator_removes_comment_with_reason_replies_stay(
    client, moderator, post, comment, member, reporters, on_commit
):
    reply = factories.comment(post, member, "A reply that stays", parent=comment)
    moderation.report_create(actor=reporters[0], target=comment, reason="abuse")
    client.force_login(moderator)
    with on_commit():
        response = client.post(
            moderate_url("comment", comment.pk), {"action": "remove", "reason": "Personal abuse"}
        )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.state, comment.removed_reason) == ("removed", "Personal abuse")
    assert Report.objects.get().status == "resolved"
    assert Report.objects.get().outcome == "removed"
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "[removed by a moderator: Personal abuse]" in html
    assert "A rude comment" not in html
    assert "A reply that stays" in html
    action = ModerationAction.objects.get(action="remove")
    assert (action.moderator, action.reason, action.target) == (
        moderator,
        "Personal abuse",
        comment,
    )
    assert Notification.objects.filter(user=comment.author, kind="moderation").exists()
    assert Notification.objects.filter(user=reporters[0], kind="report").exists()
    assert reply.pk in set(post.comments.values_list("pk", flat=True))


def test_moderator_sees_removed_text_members_do_not(client, moderator, comment, member):
    moderation.content_remove(actor=moderator, target=comment, reason="Abuse")
    client.force_login(moderator)
    assert "A rude comment" in client.get(comment.post.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "A rude comment" not in client.get(comment.post.get_absolute_url()).content.decode()


def test_restore_brings_back_removed_content(moderator, comment):
    moderation.content_remove(actor=moderator, target=comment, reason="Mistake?")
    moderation.content_restore(actor=moderator, target=comment, reason="On reflection, fine")
    comment.refresh_from_db()
    assert (comment.state, comment.removed_reason) == ("visible", "")
    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["restore", "remove"]


def test_dismissing_reports_unhides_item(moderator, comment, reporters):
    for reporter in reporters:
        moderation.report_create(actor=reporter, target=comment, reason="spam")
    moderation.reports_dismiss(actor=moderator, target=comment, reason="Not spam")
    comment.refresh_from_db()
    assert comment.state == "visible"
    assert not Report.objects.filter(status="open").exists()
    assert set(Report.objects.values_list("outcome", flat=True)) == {"kept"}


def test_action_without_reason_is_refused(client, moderator, comment):
    client.force_login(moderator)
    response = client.post(moderate_url("comment", comment.pk), {"action": "remove", "reason": ""})
    assert response.status_code == 200
    assert "Give a reason" in response.content.decode()
    comment.refresh_from_db()
    assert comment.state == "visible"


def test_removing_twice_is_refused(client, moderator, comment):
    client.force_login(moderator)
    client.post(moderate_url("comment", comment.pk), {"action": "remove", "reason": "Abuse"})
    response = client.post(moderate_url("comment", comment.pk), {"action": "remove", "reason": "x"})
    assert "This is already removed." in response.content.decode()
    assert ModerationAction.objects.filter(action="remove").count() == 1


def test_lock_stops_replies(client, moderator, post, member, other_member):
    client.force_login(moderator)
    client.post(moderate_url("post", post.pk), {"action": "lock", "reason": "Heated"})
    post.refresh_from_db()
    assert post.is_locked
    with pytest.raises(ActionRefused, match="locked"):
        factories.comment(post, other_member, "One more thing")
    moderation.post_set_locked(actor=moderator, post=post, locked=False, reason="Calmer")
    post.refresh_from_db()
    assert not post.is_locked


def test_promote_puts_post_on_front_page(client, moderator, post):
    client.force_login(moderator)
    client.post(moderate_url("post", post.pk), {"action": "promote", "reason": "Important"})
    post.refresh_from_db()
    assert post.is_promoted
    assert "Promoted by moderators" in Client().get(reverse("forum:home")).content.decode()


def test_move_post_to_another_section(client, moderator, post):
    client.force_login(moderator)
    unions = factories.section("unions")
    response = client.post(
        moderate_url("post", post.pk),
        {"action": "move", "reason": "Fits better", "section": unions.pk},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.section == unions
    assert "from Party finances to Unions" in ModerationAction.objects.get(action="move").reason


def test_post_only_actions_refused_on_comments(client, moderator, comment):
    client.force_login(moderator)
    response = client.post(moderate_url("comment", comment.pk), {"action": "lock", "reason": "x"})
    assert "That action applies to posts only." in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "member", "author"])
def test_non_moderators_cannot_moderate(client, who, member, other_member, comment):
    if who == "member":
        client.force_login(member)
    elif who == "author":
        client.force_login(other_member)
    response = client.post(moderate_url("comment", comment.pk), {"action": "remove", "reason": "x"})
    assert response.status_code == (302 if who == "anonymous" else 403)
    comment.refresh_from_db()
    assert comment.state == "visible"
    assert not ModerationAction.objects.exists()


def test_superuser_can_moderate(client, comment, db):
    from accounts.models import User

    root = User.objects.create_superuser("root", "root@example.org", "long-password-123")
    activate_totp(root)
    client.force_login(root)
    response = client.post(moderate_url("comment", comment.pk), {"action": "remove", "reason": "x"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.state == "removed"


def test_in_page_controls_only_for_moderators(client, member, moderator, post, comment):
    client.force_login(member)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "moderate-link" not in html
    assert 'class="report-link"' in html
    client.force_login(moderator)
    html = client.get(post.get_absolute_url()).content.decode()
    assert f'href="{moderate_url("comment", comment.pk)}"' in html
    assert f'href="{moderate_url("post", post.pk)}"' in html


# Members -----------------------------------------------------------------------------------------


def test_suspended_member_reads_but_cannot_write(client, moderator, member, post, comment):
    client.force_login(moderator)
    response = client.post(
        reverse("forum:moderate-member", args=[member.username]),
        {"action": "suspend", "days": "3", "reason": "Repeated abuse"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_suspended
    client.force_login(member)
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Your account is suspended until" in page
    assert "Repeated abuse" in page
    response = client.post(
        reverse("forum:comment-create", args=[post.pk]), {"body": "Let me speak"}
    )
    assert "suspended" in response.content.decode()
    assert "Let me speak" in response.content.decode()
    for refused in (
        lambda: factories.post(member, title="New"),
        lambda: moderation.report_create(actor=member, target=comment, reason="spam"),
    ):
        with pytest.raises(ActionRefused, match="suspended"):
            refused()
    response = client.post(
        reverse("forum:comment-vote", args=[comment.pk]), {"vote": "up"}, follow=True
    )
    assert "suspended" in response.content.decode()
    assert comment.votes.count() == 0
    action = ModerationAction.objects.get(action="suspend")
    assert not action.is_public
    assert "Repeated abuse" in client.get(reverse("forum:moderation-mine")).content.decode()
    assert "Repeated abuse" not in Client().get(reverse("forum:moderation-log")).content.decode()


def test_lifting_suspension(moderator, member):
    moderation.member_suspend(
        actor=moderator, member=member, until=timezone.now() + timedelta(days=1), reason="x"
    )
    moderation.member_unsuspend(actor=moderator, member=member, reason="Served")
    member.refresh_from_db()
    assert not member.is_suspended


def test_ban_stops_log_in(client, moderator, member):
    client.force_login(member)
    moderation.member_ban(actor=moderator, member=member, reason="Spammer")
    # The existing session no longer authenticates.
    response = client.get(reverse("accounts:profile-edit"))
    assert response.status_code == 302
    fresh = Client()
    fresh.post(reverse("account_login"), {"login": "alice", "password": "correct-horse-battery-42"})
    assert "_auth_user_id" not in fresh.session
    moderation.member_unban(actor=moderator, member=member, reason="Appeal upheld")
    member.refresh_from_db()
    assert member.is_active


def test_suspension_must_end_in_future(moderator, member):
    with pytest.raises(ActionRefused, match="future"):
        moderation.member_suspend(
            actor=moderator, member=member, until=timezone.now() - timedelta(days=1), reason="x"
        )


def test_moderator_cannot_suspend_another_moderator_or_self(moderator, db):
    from django.contrib.auth.models import Group

    other_mod = make_member("other_mod")
    other_mod.groups.add(Group.objects.get(name="Moderators"))
    until = timezone.now() + timedelta(days=1)
    with pytest.raises(ActionRefused, match="administrator"):
        moderation.member_suspend(actor=moderator, member=other_mod, until=until, reason="x")
    with pytest.raises(ActionRefused, match="your own"):
        moderation.member_suspend(actor=moderator, member=moderator, until=until, reason="x")


@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_member_page_is_for_moderators_only(client, who, member, other_member):
    if who == "member":
        client.force_login(member)
    url = reverse("forum:moderate-member", args=[other_member.username])
    response = client.post(url, {"action": "ban", "reason": "x"})
    assert response.status_code == (302 if who == "anonymous" else 403)
    other_member.refresh_from_db()
    assert other_member.is_active


@pytest.mark.parametrize("name", ["forum:report-queue", "forum:moderation-log"])
def test_get_only_pages_refuse_nothing_odd(client, moderator, name):
    client.force_login(moderator)
    assert client.get(reverse(name)).status_code == 200


# The log -----------------------------------------------------------------------------------------


def test_public_log_lists_actions_with_reasons_not_content(client, moderator, comment, db):
    moderation.content_remove(actor=moderator, target=comment, reason="Personal abuse")
    html = client.get(reverse("forum:moderation-log")).content.decode()
    assert "Personal abuse" in html
    assert "Removed" in html
    assert "@maya" in html
    assert "A rude comment" not in html


def test_public_log_query_count_is_constant(client, moderator, member, django_assert_num_queries):
    for i in range(30):
        p = factories.post(member, title=f"P{i}")
        moderation.post_set_locked(actor=moderator, post=p, locked=True, reason=f"r{i}")
    # count, page of actions (+moderators)
    with django_assert_num_queries(2):
        response = client.get(reverse("forum:moderation-log"))
    # One row per action (each row's first cell is labelled "When" for the phone layout).
    assert response.content.decode().count('data-label="When"') == 30


def test_my_moderation_page_needs_login(client, db):
    assert client.get(reverse("forum:moderation-mine")).status_code == 302


def test_removed_post_disappears_from_lists_and_shows_placeholder(client, moderator, post):
    old_url = post.get_absolute_url()
    moderation.content_remove(actor=moderator, target=post, reason="Spam")
    assert post.title not in client.get(reverse("forum:home")).content.decode()
    # The old URL (with the title in it) now redirects to one without it.
    response = client.get(old_url)
    assert response.status_code == 301
    post.refresh_from_db()
    assert response["Location"] == post.get_absolute_url() == f"/p/{post.pk}/removed/"
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Open the party" not in html
    assert "[removed by a moderator: Spam]" in html
    assert Post.objects.filter(pk=post.pk).exists()


def test_new_members_reports_do_not_hide_an_item(comment, db):
    for i in range(4):
        moderation.report_create(actor=make_member(f"fresh{i}"), target=comment, reason="spam")
    comment.refresh_from_db()
    assert comment.state == ContentState.VISIBLE
    assert Report.objects.filter(status="open").count() == 4


def test_restored_post_gets_its_title_slug_back(moderator, post):
    moderation.content_remove(actor=moderator, target=post, reason="Spam?")
    moderation.content_restore(actor=moderator, target=post, reason="Not spam")
    post.refresh_from_db()
    assert post.slug == "open-the-partys-books"


def test_deleted_or_removed_items_cannot_be_reported_or_described(
    client, member, moderator, comment, post
):
    moderation.content_remove(actor=moderator, target=comment, reason="Abuse")
    client.force_login(member)
    assert client.get(report_url("comment", comment.pk)).status_code == 404
    removed_post = factories.post(make_member("writer"), title="Secret title")
    moderation.content_remove(actor=moderator, target=removed_post, reason="Doxxing")
    assert client.get(report_url("post", removed_post.pk)).status_code == 404
    log = Client().get(reverse("forum:moderation-log")).content.decode()
    assert "Secret title" not in log
    assert f"post #{removed_post.pk}" in log


def test_moderation_page_links_to_the_authors_account(client, moderator, comment, other_member):
    client.force_login(moderator)
    html = client.get(moderate_url("comment", comment.pk)).content.decode()
    assert reverse("forum:moderate-member", args=[other_member.username]) in html


def test_moderate_ignores_a_foreign_next(client, moderator, post):
    client.force_login(moderator)
    response = client.post(
        moderate_url("post", post.pk),
        {"action": "lock", "reason": "heated", "next": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_author_deleting_removed_comment_gets_the_right_message(
    client, moderator, comment, other_member
):
    moderation.content_remove(actor=moderator, target=comment, reason="Abuse")
    client.force_login(other_member)
    response = client.post(reverse("forum:comment-delete", args=[comment.pk]), follow=True)
    assert "A moderator removed this comment" in response.content.decode()


def test_dismissing_without_open_reports_is_refused(moderator, comment):
    with pytest.raises(ActionRefused, match="no open reports"):
        moderation.reports_dismiss(actor=moderator, target=comment, reason="Nothing to see")
    assert not ModerationAction.objects.exists()


def test_in_page_control_removes_a_comment_and_returns_to_it(client, moderator, post, comment):
    client.force_login(moderator)
    html = client.get(post.get_absolute_url() + "?sort=new").content.decode()
    form_action = f'action="{moderate_url("comment", comment.pk)}"'
    assert form_action in html
    response = client.post(
        moderate_url("comment", comment.pk),
        {
            "action": "remove",
            "reason": "Off-topic",
            "next": f"{post.get_absolute_url()}?sort=new#c{comment.pk}",
        },
    )
    assert response["Location"] == f"{post.get_absolute_url()}?sort=new#c{comment.pk}"
    comment.refresh_from_db()
    assert comment.state == "removed"


def test_in_page_controls_are_not_rendered_for_members(client, member, post, comment):
    client.force_login(member)
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'class="mod-controls"' not in html
    assert moderate_url("comment", comment.pk) not in html
