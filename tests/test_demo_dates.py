"""The demo members joined when their story says, so the demo behaves like an established forum:
no named account counts as brand new, nobody wrote before they joined, and reports hide what the
README says they hide."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from accounts.demo import MEMBERS, build_members
from accounts.models import User
from campaigns.models import Campaign, CampaignUpdate, Organiser, Support
from forum import limits
from forum.models import Comment, CommentVote, ContentState, Post, Recommendation, Report

pytestmark = pytest.mark.django_db

THREE_LINKS = (
    "Three sources: [the accounts](https://example.org/accounts), "
    "[the register](https://example.org/register) and [the minutes](https://example.org/minutes)."
)


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("demo_data", stdout=StringIO())


def test_alice_may_post_a_three_link_reply_and_her_profile_says_2015(demo, app, settings):
    settings.FORUM_RATE_LIMITS = True  # the limits as they run in `make run`
    alice = User.objects.get(username="alice")
    profile = app.get(reverse("accounts:profile", args=["alice"]))
    assert "member since May 2015" in profile.text

    post = Post.objects.filter(status="published", is_locked=False).order_by("pk").first()
    assert post is not None
    page = app.get(post.get_absolute_url(), user=alice)
    action = reverse("forum:comment-create", args=[post.pk])
    form = next(f for f in page.forms.values() if f.action == action)
    form["body"] = THREE_LINKS
    response = form.submit()
    assert response.status_code == 302, response.text
    assert "at most 2" not in response.follow().text
    reply = Comment.objects.get(post=post, author=alice, body=THREE_LINKS)
    assert reply.body_html.count("<a ") == 3


def test_demo_is_an_established_community(demo):
    # No named member is new; alice joined in 2015, as her bio says.
    named = User.objects.filter(username__in=[m[0] for m in MEMBERS])
    assert named.count() == len(MEMBERS)
    assert [u.username for u in named if limits.is_new_member(u)] == []
    alice = User.objects.get(username="alice")
    assert alice.date_joined.year == 2015  # her bio: "member since 2015"
    assert alice.privacy_accepted_at == alice.date_joined
    assert not alice.affiliations.filter(consented_at__lt=F("user__date_joined")).exists()

    # Nobody wrote, voted, supported or reported before joining: rows dated before the join date
    # of the member they belong to.
    early = {
        "posts": Post.objects.filter(created_at__lt=F("author__date_joined")),
        "comments": Comment.objects.filter(created_at__lt=F("author__date_joined")),
        "votes": CommentVote.objects.filter(created_at__lt=F("user__date_joined")),
        "recommendations": Recommendation.objects.filter(created_at__lt=F("user__date_joined")),
        "campaigns": Campaign.objects.filter(created_at__lt=F("created_by__date_joined")),
        "supports": Support.objects.filter(created_at__lt=F("user__date_joined")),
        "updates": CampaignUpdate.objects.filter(created_at__lt=F("author__date_joined")),
        "organisers": Organiser.objects.filter(campaign__created_at__lt=F("user__date_joined")),
        "reports": Report.objects.filter(created_at__lt=F("reporter__date_joined")),
    }
    assert {name: qs.count() for name, qs in early.items()} == dict.fromkeys(early, 0)
    assert Post.objects.exists() and Support.objects.exists() and Report.objects.exists()

    # The README: three established members' reports hide an item until a moderator reviews it;
    # the demo reports one comment three times (hidden) and two others fewer times (still shown).
    comment_type = ContentType.objects.get_for_model(Comment)
    reported: dict[int, set[int]] = {}
    for report in Report.objects.filter(content_type=comment_type, status="open"):
        reported.setdefault(report.object_id, set()).add(report.reporter_id)
    by_count = sorted(len(reporters) for reporters in reported.values())
    assert by_count == [1, 2, 3]
    thrice = next(pk for pk, reporters in reported.items() if len(reporters) == 3)
    assert Comment.objects.get(pk=thrice).state == ContentState.HIDDEN
    others = [pk for pk, reporters in reported.items() if len(reporters) < 3]
    assert set(Comment.objects.filter(pk__in=others).values_list("state", flat=True)) == {
        ContentState.VISIBLE
    }
    reporters = User.objects.filter(reports_made__isnull=False).distinct()
    assert [u.username for u in reporters if limits.is_new_member(u)] == []


def test_a_second_run_backdates_accounts_from_an_older_demo_build():
    # A demo database built before join dates fitted the story has alice joining "today".
    User.objects.create_user(username="alice", email="alice@example.org", password="x")
    build_members()
    alice = User.objects.get(username="alice")
    assert alice.date_joined == datetime(2015, 5, 9, 20, 15, tzinfo=UTC)
    before = list(User.objects.order_by("pk").values_list("username", "date_joined"))
    build_members()
    assert list(User.objects.order_by("pk").values_list("username", "date_joined")) == before


def test_a_real_account_with_a_demo_name_keeps_its_join_date():
    real = User.objects.create_user(username="alice", email="alice@members.example", password="x")
    build_members()
    assert User.objects.get(pk=real.pk).date_joined == real.date_joined
