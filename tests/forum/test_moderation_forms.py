"""The moderation forms as a moderator uses them: loaded from the page, filled as rendered, submitted.

The full moderation page once rendered its actions as labels with no inputs, and the in-page control
pre-selected "Remove"; tests that posted dicts straight to the URL noticed neither.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from campaigns.models import Campaign
from forum import moderation
from forum.models import Comment, ModerationAction, Post
from tests.campaigns import factories as campaign_factories
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db

CONTENT_VALUES = ["remove", "restore", "dismiss"]
POST_VALUES = [*CONTENT_VALUES, "lock", "unlock", "promote", "unpromote", "move"]


@pytest.fixture
def reporters(db):
    """Established members (their reports count toward hiding an item)."""
    joined = timezone.now() - timedelta(days=90)
    return [make_member(f"reporter{i}", date_joined=joined) for i in range(3)]


def moderate_url(kind, pk):
    return reverse("forum:moderate", args=[kind, pk])


def report(target, reporters):
    for reporter in reporters:
        moderation.report_create(actor=reporter, target=target, reason="spam")


def review_and_act(app, moderator, kind, target):
    """The moderation page, reached as a moderator does: the queue's "Review and act" link."""
    queue = app.get(reverse("forum:report-queue"), user=moderator)
    page = queue.click(description="Review and act", href=moderate_url(kind, target.pk))
    assert page.request.path == moderate_url(kind, target.pk)
    return page


def radio_values(form, name="action"):
    return [value for value, _checked, _text in form[name].options]


def checked(form, name="action"):
    return [value for value, is_checked, _text in form[name].options if is_checked]


def arrive(response):
    while 300 <= response.status_code < 400:
        response = response.follow()
    return response


# The full moderation page: posts ----------------------------------------------------------------


def prepare_post(action, author, moderator, reporters):
    """A reported post (so it is in the queue) in the state that makes `action` possible."""
    post = factories.post(author, title=f"Post for {action}")
    if action == "unlock":
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="set-up")
    elif action == "unpromote":
        moderation.post_set_promoted(actor=moderator, post=post, promoted=True, reason="set-up")
    # Restoring needs an item that is down: three established reporters hide it.
    report(post, reporters if action == "restore" else reporters[:1])
    return Post.objects.get(pk=post.pk)


POST_EFFECTS = {
    "remove": lambda p: p.state == "removed" and p.removed_reason == "As rendered",
    "restore": lambda p: p.state == "visible",
    "dismiss": lambda p: p.state == "visible" and not moderation.open_reports(p).exists(),
    "lock": lambda p: p.is_locked,
    "unlock": lambda p: not p.is_locked,
    "promote": lambda p: p.is_promoted,
    "unpromote": lambda p: not p.is_promoted,
    "move": lambda p: p.section.slug == "unions",
}
# dismiss is logged as "dismiss"; dismissing a hidden item restores it.
LOGGED = {"dismiss": "dismiss", "move": "move"}


@pytest.mark.parametrize("action", POST_VALUES)
def test_every_post_action_from_the_queue_as_rendered(app, moderator, member, reporters, action):
    post = prepare_post(action, member, moderator, reporters)
    page = review_and_act(app, moderator, "post", post)
    form = page.forms["moderate-form"]
    # Real radio buttons, one per post action, none chosen in advance.
    assert radio_values(form) == POST_VALUES
    assert checked(form) == []
    form["action"].select(action)
    form["reason"] = "As rendered"
    if action == "move":
        form["section"].select(str(factories.section("unions").pk))
    done = form.submit()
    assert done.status_code == 302
    after = arrive(done)
    assert "Done, and recorded in the moderation log." in after.text
    post.refresh_from_db()
    assert POST_EFFECTS[action](post)
    entry = ModerationAction.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.moderator, entry.object_id) == (
        LOGGED.get(action, action),
        moderator,
        post.pk,
    )
    assert entry.reason.startswith("As rendered")


# Comments and campaigns offer only what applies to them ------------------------------------------


def prepare_content(target, action, moderator, reporters):
    report(target, reporters if action == "restore" else reporters[:1])


@pytest.mark.parametrize("action", CONTENT_VALUES)
def test_every_comment_action_from_the_queue_as_rendered(
    app, moderator, member, other_member, reporters, action
):
    post = factories.post(member)
    comment = factories.comment(post, other_member, "Contested words")
    prepare_content(comment, action, moderator, reporters)
    page = review_and_act(app, moderator, "comment", comment)
    form = page.forms["moderate-form"]
    assert radio_values(form) == CONTENT_VALUES
    assert checked(form) == []
    assert "section" not in form.fields  # a comment has no section to move to
    form["action"].select(action)
    form["reason"] = "As rendered"
    after = arrive(form.submit())
    assert "Done, and recorded in the moderation log." in after.text
    comment.refresh_from_db()
    expected = {"remove": "removed", "restore": "visible", "dismiss": "visible"}[action]
    assert comment.state == expected
    assert not moderation.open_reports(comment).exists()
    entry = ModerationAction.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.moderator, entry.reason) == (action, moderator, "As rendered")


@pytest.mark.parametrize("action", CONTENT_VALUES)
def test_every_campaign_action_from_the_queue_as_rendered(
    app, moderator, organiser, reporters, action
):
    campaign = campaign_factories.campaign(organiser, title="Open the books")
    prepare_content(campaign, action, moderator, reporters)
    page = review_and_act(app, moderator, "campaign", campaign)
    form = page.forms["moderate-form"]
    assert radio_values(form) == CONTENT_VALUES
    assert checked(form) == []
    form["action"].select(action)
    form["reason"] = "As rendered"
    after = arrive(form.submit())
    assert "Done, and recorded in the moderation log." in after.text
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.state == ("removed" if action == "remove" else "visible")
    entry = ModerationAction.objects.order_by("-pk").first()
    assert entry is not None
    assert (entry.action, entry.moderator, entry.object_id) == (action, moderator, campaign.pk)


def test_a_post_only_action_forged_onto_a_comment_is_refused(app, moderator, member, other_member):
    comment = factories.comment(factories.post(member), other_member, "Words")
    page = app.get(moderate_url("comment", comment.pk), user=moderator)
    form = page.forms["moderate-form"]
    # A browser can't choose "lock" here; a forged request can, and the server refuses it.
    form["action"].force_value("lock")
    form["reason"] = "Heated"
    refused = form.submit()
    assert refused.status_code == 200
    assert "That action applies to posts only." in refused.text
    assert not ModerationAction.objects.exists()
    assert Comment.objects.get(pk=comment.pk).state == "visible"


@pytest.mark.parametrize("kind", ["post", "comment"])
def test_apply_without_choosing_an_action_is_refused_keeping_the_reason(
    app, moderator, member, other_member, kind
):
    post = factories.post(member)
    target = post if kind == "post" else factories.comment(post, other_member, "Words")
    page = app.get(moderate_url(kind, target.pk), user=moderator)
    form = page.forms["moderate-form"]
    assert all(field.attrs.get("required") is not None for field in form.fields["action"])
    form["reason"] = "Typed before choosing"
    refused = form.submit()
    assert refused.status_code == 200
    assert "Choose an action." in refused.text
    assert refused.forms["moderate-form"]["reason"].value == "Typed before choosing"
    assert not ModerationAction.objects.exists()
    target.refresh_from_db()
    assert target.state == "visible"


def test_move_without_a_section_is_refused_keeping_the_choice(app, moderator, member):
    post = factories.post(member)
    form = app.get(moderate_url("post", post.pk), user=moderator).forms["moderate-form"]
    form["action"].select("move")
    form["reason"] = "Fits better elsewhere"
    refused = form.submit()
    assert "Choose the section to move it to." in refused.text
    again = refused.forms["moderate-form"]
    assert checked(again) == ["move"]
    assert again["reason"].value == "Fits better elsewhere"
    assert Post.objects.get(pk=post.pk).section.slug == "party-finances"


# The member page ---------------------------------------------------------------------------------


def member_form(app, moderator, member):
    page = app.get(reverse("forum:moderate-member", args=[member.username]), user=moderator)
    form = page.forms["moderate-member-form"]
    assert radio_values(form) == ["suspend", "unsuspend", "ban", "unban"]
    assert checked(form) == []
    return form


def test_suspend_until_a_date_as_rendered(app, moderator, member):
    form = member_form(app, moderator, member)
    day = timezone.localdate() + timedelta(days=10)
    form["action"].select("suspend")
    form["until_date"] = day.isoformat()
    form["reason"] = "Cooling off"
    after = arrive(form.submit())
    assert "Done. The member has been told why." in after.text
    member.refresh_from_db()
    assert timezone.localtime(member.suspended_until).date() == day
    assert f"suspended until {day:%-d %B %Y}" in after.text
    entry = ModerationAction.objects.get(action="suspend")
    assert (entry.moderator, entry.target_user, entry.is_public) == (moderator, member, False)
    assert entry.reason.startswith("Cooling off (until")


def test_suspend_for_a_number_of_days_as_rendered(app, moderator, member):
    form = member_form(app, moderator, member)
    form["action"].select("suspend")
    form["days"] = "3"
    form["reason"] = "Three days"
    after = arrive(form.submit())
    assert "Done. The member has been told why." in after.text
    member.refresh_from_db()
    left = member.suspended_until - timezone.now()
    assert timedelta(days=2, hours=23) < left <= timedelta(days=3)
    assert ModerationAction.objects.get(action="suspend").target_user == member


def test_lift_a_suspension_as_rendered(app, moderator, member):
    until = timezone.now() + timedelta(days=5)
    moderation.member_suspend(actor=moderator, member=member, until=until, reason="set-up")
    form = member_form(app, moderator, member)
    form["action"].select("unsuspend")
    form["reason"] = "Apologised"
    after = arrive(form.submit())
    assert "Done. The member has been told why." in after.text
    assert "In good standing." in after.text
    assert not User.objects.get(pk=member.pk).is_suspended
    assert ModerationAction.objects.get(action="unsuspend").reason == "Apologised"


def test_ban_then_lift_the_ban_as_rendered(app, moderator, member):
    form = member_form(app, moderator, member)
    form["action"].select("ban")
    form["reason"] = "Spam account"
    after = arrive(form.submit())
    assert "Done. The member has been told why." in after.text
    assert '<span class="badge">banned</span>' in after.text
    assert not User.objects.get(pk=member.pk).is_active
    assert ModerationAction.objects.get(action="ban").moderator == moderator

    form = after.forms["moderate-member-form"]
    assert checked(form) == []  # the next action is chosen afresh
    form["action"].select("unban")
    form["reason"] = "Appeal upheld"
    after = arrive(form.submit())
    assert "In good standing." in after.text
    assert User.objects.get(pk=member.pk).is_active
    assert ModerationAction.objects.get(action="unban").reason == "Appeal upheld"


def test_member_action_without_a_choice_is_refused_keeping_what_was_typed(app, moderator, member):
    form = member_form(app, moderator, member)
    form["days"] = "7"
    form["reason"] = "Typed first"
    refused = form.submit()
    assert refused.status_code == 200
    assert "Choose an action." in refused.text
    again = refused.forms["moderate-member-form"]
    assert (again["days"].value, again["reason"].value) == ("7", "Typed first")
    assert not ModerationAction.objects.exists()
    member.refresh_from_db()
    assert member.is_active and not member.is_suspended


def test_suspension_without_an_end_is_refused_keeping_the_choice(app, moderator, member):
    form = member_form(app, moderator, member)
    form["action"].select("suspend")
    form["reason"] = "No end given"
    refused = form.submit()
    assert "Choose the day the suspension ends, or a number of days." in refused.text
    again = refused.forms["moderate-member-form"]
    assert checked(again) == ["suspend"]
    assert again["reason"].value == "No end given"
    assert not User.objects.get(pk=member.pk).is_suspended


# The in-page control -----------------------------------------------------------------------------


def in_page_form(page, kind, pk):
    return page.forms[f"mod-form-{kind}-{pk}"]


@pytest.mark.parametrize("kind", ["post", "comment"])
def test_in_page_control_starts_on_no_action(app, moderator, member, other_member, kind):
    post = factories.post(member)
    comment = factories.comment(post, other_member, "Words")
    page = app.get(post.get_absolute_url(), user=moderator)
    target = post if kind == "post" else comment
    form = in_page_form(page, kind, target.pk)
    select = form["action"]
    assert select.value == ""
    assert select.options[0] == ("", True, "Choose an action…")
    assert [value for value, is_selected, _ in select.options if is_selected] == [""]
    assert select.attrs.get("required") is not None
    # Lock and promote are offered for the post; a comment gets only what applies to it.
    offered = [value for value, _, _ in select.options[1:]]
    assert offered == (POST_VALUES[:-1] if kind == "post" else CONTENT_VALUES)


@pytest.mark.parametrize("kind", ["post", "comment"])
def test_in_page_control_submitted_as_rendered_does_nothing(
    app, moderator, member, other_member, kind
):
    post = factories.post(member)
    comment = factories.comment(post, other_member, "Words")
    target = post if kind == "post" else comment
    form = in_page_form(app.get(post.get_absolute_url(), user=moderator), kind, target.pk)
    form["reason"] = "Typed, no action chosen"
    refused = form.submit()
    assert refused.status_code == 200
    assert "Choose an action." in refused.text
    assert refused.forms["moderate-form"]["reason"].value == "Typed, no action chosen"
    assert not ModerationAction.objects.exists()
    target.refresh_from_db()
    assert target.state == "visible"


def test_in_page_control_removes_the_chosen_comment_and_returns_to_it(
    app, moderator, member, other_member
):
    post = factories.post(member)
    comment = factories.comment(post, other_member, "Words")
    page = app.get(post.get_absolute_url() + "?sort=new", user=moderator)
    form = in_page_form(page, "comment", comment.pk)
    form["action"].select("remove")
    form["reason"] = "Off-topic"
    done = form.submit()
    assert done["Location"] == f"{post.get_absolute_url()}?sort=new#c{comment.pk}"
    after = done.follow()
    assert "Done, and recorded in the moderation log." in after.text
    assert "[removed by a moderator: Off-topic]" in after.text
    assert Comment.objects.get(pk=comment.pk).state == "removed"
    assert ModerationAction.objects.get().action == "remove"
