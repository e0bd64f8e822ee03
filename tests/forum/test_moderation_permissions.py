"""Every moderator action against every role: anonymous, member, author, moderator, superuser.

A refused request changes nothing and logs nothing; an allowed one takes effect and is logged.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from forum import moderation
from forum.models import ModerationAction, Post
from tests.conftest import activate_totp, make_member

from . import factories

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "author", "moderator", "superuser"]
ALLOWED = {"moderator", "superuser"}


@pytest.fixture
def people(member, other_member, moderator):
    root = User.objects.create_superuser("root", "root@example.org", "long-password-123")
    activate_totp(root)
    return {"member": member, "author": other_member, "moderator": moderator, "superuser": root}


def log_in_as(client, people, role):
    if role != "anonymous":
        client.force_login(people[role])


def expect_refusal(response, role):
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403


def prepare_post(action, author, moderator):
    """A post by `author` in the state that makes `action` possible."""
    post = factories.post(author, title=f"Post for {action}")
    if action == "restore":
        moderation.content_remove(actor=moderator, target=post, reason="set-up")
    elif action == "dismiss":
        reporter = make_member("reporter", date_joined=timezone.now() - timedelta(days=60))
        moderation.report_create(actor=reporter, target=post, reason="spam")
    elif action == "unlock":
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="set-up")
    elif action == "unpromote":
        moderation.post_set_promoted(actor=moderator, post=post, promoted=True, reason="set-up")
    return Post.objects.get(pk=post.pk)


POST_EFFECTS = {
    "remove": lambda p: p.state == "removed",
    "restore": lambda p: p.state == "visible",
    "dismiss": lambda p: not moderation.open_reports(p).exists(),
    "lock": lambda p: p.is_locked,
    "unlock": lambda p: not p.is_locked,
    "promote": lambda p: p.is_promoted,
    "unpromote": lambda p: not p.is_promoted,
    "move": lambda p: p.section.slug == "unions",
}


@pytest.mark.parametrize("action", sorted(POST_EFFECTS))
@pytest.mark.parametrize("role", ROLES)
def test_post_actions_by_role(client, people, role, action):
    post = prepare_post(action, people["author"], people["moderator"])
    logged_before = ModerationAction.objects.count()
    before = Post.objects.get(pk=post.pk)
    log_in_as(client, people, role)
    data = {"action": action, "reason": "Because", "section": factories.section("unions").pk}
    response = client.post(reverse("forum:moderate", args=["post", post.pk]), data)
    post.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert POST_EFFECTS[action](post)
        entry = ModerationAction.objects.order_by("-pk").first()
        assert entry is not None
        assert entry.moderator == people[role]
        assert entry.reason.startswith("Because")
    else:
        expect_refusal(response, role)
        assert POST_EFFECTS[action](post) == POST_EFFECTS[action](before)
        assert ModerationAction.objects.count() == logged_before


COMMENT_ACTIONS = ["remove", "restore", "dismiss"]


@pytest.mark.parametrize("action", COMMENT_ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_comment_actions_by_role(client, people, role, action):
    post = factories.post(people["member"])
    comment = factories.comment(post, people["author"], "Contested words")
    if action == "restore":
        moderation.content_remove(actor=people["moderator"], target=comment, reason="set-up")
    if action == "dismiss":
        reporter = make_member("reporter", date_joined=timezone.now() - timedelta(days=60))
        moderation.report_create(actor=reporter, target=comment, reason="abuse")
    comment.refresh_from_db()
    state_before, logged_before = comment.state, ModerationAction.objects.count()
    log_in_as(client, people, role)
    response = client.post(
        reverse("forum:moderate", args=["comment", comment.pk]), {"action": action, "reason": "Why"}
    )
    comment.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert ModerationAction.objects.count() == logged_before + 1
        expected = {"remove": "removed", "restore": "visible", "dismiss": "visible"}[action]
        assert comment.state == expected
    else:
        expect_refusal(response, role)
        assert comment.state == state_before
        assert ModerationAction.objects.count() == logged_before


def prepare_member(action, target, moderator):
    if action == "unsuspend":
        moderation.member_suspend(
            actor=moderator,
            member=target,
            until=timezone.now() + timedelta(days=2),
            reason="set-up",
        )
    elif action == "unban":
        moderation.member_ban(actor=moderator, member=target, reason="set-up")
    return User.objects.get(pk=target.pk)


MEMBER_EFFECTS = {
    "suspend": lambda u: u.is_suspended,
    "unsuspend": lambda u: not u.is_suspended,
    "ban": lambda u: not u.is_active,
    "unban": lambda u: u.is_active,
}


@pytest.mark.parametrize("action", sorted(MEMBER_EFFECTS))
@pytest.mark.parametrize("role", ROLES)
def test_member_actions_by_role(client, people, role, action):
    # "author" here is the member being acted on, trying to act on their own account.
    target = prepare_member(action, people["author"], people["moderator"])
    before = MEMBER_EFFECTS[action](target)
    logged_before = ModerationAction.objects.count()
    log_in_as(client, people, role)
    response = client.post(
        reverse("forum:moderate-member", args=[target.username]),
        {"action": action, "days": "3", "reason": "Conduct"},
    )
    target.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert MEMBER_EFFECTS[action](target)
        assert ModerationAction.objects.count() == logged_before + 1
    elif role == "author" and action == "unban":
        # A banned member's session no longer authenticates: they are sent to log in.
        assert response.status_code == 302
        assert MEMBER_EFFECTS[action](target) == before
    else:
        expect_refusal(response, role)
        assert MEMBER_EFFECTS[action](target) == before
        assert ModerationAction.objects.count() == logged_before


@pytest.mark.parametrize(
    ("role", "queue", "log", "mine"),
    [
        ("anonymous", 302, 200, 302),
        ("member", 403, 200, 200),
        ("author", 403, 200, 200),
        ("moderator", 200, 200, 200),
        ("superuser", 200, 200, 200),
    ],
)
def test_moderation_pages_by_role(client, people, role, queue, log, mine):
    log_in_as(client, people, role)
    assert client.get(reverse("forum:report-queue")).status_code == queue
    assert client.get(reverse("forum:moderation-log")).status_code == log
    assert client.get(reverse("forum:moderation-mine")).status_code == mine


@pytest.mark.parametrize("name", ["forum:moderate", "forum:report"])
def test_moderation_urls_answer_get_with_a_form_not_an_action(client, people, name):
    post = factories.post(people["author"])
    client.force_login(people["moderator"])
    response = client.get(reverse(name, args=["post", post.pk]))
    assert response.status_code == 200
    assert not ModerationAction.objects.exists()


def test_members_see_actions_on_their_own_content_only(client, people):
    post = factories.post(people["member"])
    mine = factories.comment(post, people["author"], "Mine")
    theirs = factories.comment(post, people["member"], "Theirs")
    moderation.content_remove(actor=people["moderator"], target=mine, reason="Reason for mine")
    moderation.content_remove(actor=people["moderator"], target=theirs, reason="Reason for theirs")
    client.force_login(people["author"])
    html = client.get(reverse("forum:moderation-mine")).content.decode()
    assert "Reason for mine" in html
    assert "Reason for theirs" not in html


def test_suspend_until_a_date(client, people):
    client.force_login(people["moderator"])
    day = timezone.localdate() + timedelta(days=10)
    response = client.post(
        reverse("forum:moderate-member", args=[people["author"].username]),
        {"action": "suspend", "until_date": day.isoformat(), "reason": "Cooling off"},
    )
    assert response.status_code == 302
    target = User.objects.get(pk=people["author"].pk)
    assert timezone.localtime(target.suspended_until).date() == day


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose the day the suspension ends, or a number of days."),
        ({"until_date": "2001-01-01"}, "Choose a day after today."),
        ({"until_date": "not a date"}, "Enter a valid date."),
        ({"days": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_suspension_input_is_refused_keeping_the_reason(client, people, data, message):
    client.force_login(people["moderator"])
    response = client.post(
        reverse("forum:moderate-member", args=[people["author"].username]),
        {"action": "suspend", "reason": "Typed reason", **data},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Typed reason"' in html
    assert not User.objects.get(pk=people["author"].pk).is_suspended
