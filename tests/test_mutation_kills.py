"""Tests written for mutants `make mutate` found alive (docs/mutation.md): each pins a rule the
other tests left loose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification
from campaigns import services as campaign_services
from campaigns.images import clean_image
from campaigns.models import Campaign
from forum import moderation
from forum.markup import count_links, render_markdown
from forum.models import ModerationAction, Post
from forum.services import ActionRefused
from tests.campaigns import factories as campaign_factories
from tests.conftest import make_member
from tests.forum import factories

pytestmark = pytest.mark.django_db


def test_a_reply_notification_quotes_the_first_80_characters_of_the_title(
    member, other_member, on_commit
):
    title = "".join(f"{n % 10}" for n in range(120))  # 0123456789012…: every cut is visible
    post = factories.post(member, title=title)
    with on_commit():
        factories.comment(post, other_member)
    note = Notification.objects.get(user=member, kind="reply")
    assert f"“{title[:80]}”" in note.message


# forum/moderation.py -----------------------------------------------------------------------------


@pytest.fixture
def post(member):
    return factories.post(member)


def actions_on(user) -> list[tuple[str, bool]]:
    return list(
        ModerationAction.objects.filter(target_user=user)
        .order_by("pk")
        .values_list("action", "is_public")
    )


def test_locking_and_unlocking_are_logged_as_what_they_are_and_refused_twice(moderator, post):
    moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Heated")
    with pytest.raises(ActionRefused, match="already locked"):
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Again")
    moderation.post_set_locked(actor=moderator, post=post, locked=False, reason="Calmer")
    with pytest.raises(ActionRefused, match="isn't locked"):
        moderation.post_set_locked(actor=moderator, post=post, locked=False, reason="Again")
    assert actions_on(post.author) == [("lock", True), ("unlock", True)]


def test_promoting_and_unpromoting_are_logged_as_what_they_are_and_refused_twice(moderator, post):
    moderation.post_set_promoted(actor=moderator, post=post, promoted=True, reason="Good")
    with pytest.raises(ActionRefused, match="already promoted"):
        moderation.post_set_promoted(actor=moderator, post=post, promoted=True, reason="x")
    moderation.post_set_promoted(actor=moderator, post=post, promoted=False, reason="Old")
    with pytest.raises(ActionRefused, match="isn't promoted"):
        moderation.post_set_promoted(actor=moderator, post=post, promoted=False, reason="x")
    assert actions_on(post.author) == [("promote", True), ("unpromote", True)]


@pytest.mark.parametrize("which", ["draft", "removed"])
def test_only_a_published_post_that_stands_goes_on_the_front_page(moderator, member, which):
    post = factories.post(member, publish=which != "draft")
    if which == "removed":
        moderation.content_remove(actor=moderator, target=post, reason="Spam")
    with pytest.raises(ActionRefused, match="Only a published, visible post"):
        moderation.post_set_promoted(actor=moderator, post=post, promoted=True, reason="x")
    assert not Post.objects.get(pk=post.pk).is_promoted


def test_banning_and_unbanning_are_private_entries_and_refused_twice(moderator, member):
    moderation.member_ban(actor=moderator, member=member, reason="Spam account")
    with pytest.raises(ActionRefused, match="already banned"):
        moderation.member_ban(actor=moderator, member=member, reason="Again")
    moderation.member_unban(actor=moderator, member=member, reason="Appeal upheld")
    with pytest.raises(ActionRefused, match="is not banned"):
        moderation.member_unban(actor=moderator, member=member, reason="Again")
    assert actions_on(member) == [("ban", False), ("unban", False)]


def test_lifting_a_suspension_and_dismissing_reports_stay_out_of_the_public_log(
    moderator, member, other_member, post
):
    until = timezone.now() + timedelta(days=2)
    moderation.member_suspend(actor=moderator, member=other_member, until=until, reason="Rude")
    moderation.member_unsuspend(actor=moderator, member=other_member, reason="Apologised")
    moderation.report_create(actor=other_member, target=post, reason="spam")
    moderation.reports_dismiss(actor=moderator, target=post, reason="Not spam")
    assert actions_on(other_member) == [("suspend", False), ("unsuspend", False)]
    assert not ModerationAction.objects.filter(action="dismiss", is_public=True).exists()


def test_reporters_hear_whether_the_moderator_removed_it_or_found_no_rule_broken(
    moderator, member, other_member, on_commit
):
    kept, removed = factories.post(member, title="Kept"), factories.post(member, title="Gone")
    with on_commit():
        moderation.report_create(actor=other_member, target=kept, reason="spam")
        moderation.report_create(actor=other_member, target=removed, reason="spam")
        moderation.reports_dismiss(actor=moderator, target=kept, reason="Fine")
        moderation.content_remove(actor=moderator, target=removed, reason="Spam")
    messages = list(
        Notification.objects.filter(user=other_member, kind="report")
        .order_by("pk")
        .values_list("message", flat=True)
    )
    assert messages == [
        "Thank you for your report. A moderator reviewed it and found no rule broken.",
        "Thank you for your report. A moderator reviewed it and removed it.",
    ]


def test_the_member_hears_what_was_acted_on_content_by_its_label_account_as_theirs(
    moderator, member, post, on_commit
):
    with on_commit():
        moderation.post_set_locked(actor=moderator, post=post, locked=True, reason="Heated")
        moderation.member_ban(actor=moderator, member=member, reason="Spam account")
    messages = list(
        Notification.objects.filter(user=member, kind="moderation")
        .order_by("pk")
        .values_list("message", flat=True)
    )
    assert messages == [
        f"Moderation: post #{post.pk} by @{member.username}: locked. Reason: Heated",
        "Moderation: your account: member banned. Reason: Spam account",
    ]


def test_a_moderator_acting_on_their_own_post_is_not_notified(moderator, on_commit):
    own = factories.post(moderator)
    with on_commit():
        moderation.post_set_locked(actor=moderator, post=own, locked=True, reason="Done")
    assert not Notification.objects.filter(user=moderator).exists()


def test_reasons_are_kept_to_300_characters_and_labels_to_200(moderator, post):
    reason = "".join(f"{n % 10}" for n in range(400))
    moderation.content_remove(actor=moderator, target=post, reason=reason)
    entry = ModerationAction.objects.get(action="remove")
    assert entry.reason == reason[:300]
    assert Post.objects.get(pk=post.pk).removed_reason == reason[:300]
    label = "".join(f"{n % 10}" for n in range(250))
    entry = moderation.moderation_action_create(
        actor=moderator, action="dismiss", reason="r", label=label
    )
    assert entry.target_label == label[:200]


def test_removing_what_nobody_reported_closes_no_reports(moderator, post):
    assert moderation.content_remove(actor=moderator, target=post, reason="Spam") == 0


def test_each_kind_is_known_by_its_own_name(member, post):
    comment = factories.comment(post, member)
    campaign = campaign_factories.campaign(member)
    kinds = [moderation.kind_of(item) for item in (post, comment, campaign)]
    assert kinds == ["post", "comment", "campaign"]
    with pytest.raises(ValueError, match="not reportable"):
        moderation.kind_of(post.section)


# forum/markup.py ---------------------------------------------------------------------------------


def test_html_a_member_types_is_shown_as_typed_even_where_markdown_would_allow_the_tag():
    html = render_markdown('<em>mine</em> and <a href="https://example.org/">a link</a>')
    assert "&lt;em&gt;mine&lt;/em&gt;" in html
    assert "<em>" not in html
    assert "&lt;a href=" in html  # (its bare address is still linked, as any address is)


def test_an_image_inside_a_link_after_another_link_is_still_only_its_alt_text():
    html = render_markdown(
        "[first](https://x.example/) then [![badge](https://y.example/b.svg)](https://z.example/)"
    )
    assert count_links(html) == 2
    assert "y.example" not in html
    assert '<a href="https://z.example/" rel="nofollow ugc noopener">badge</a>' in html


def test_a_kind_registered_with_a_hook_follows_its_moderation(moderator, member):
    campaign = campaign_factories.campaign(member)
    moderation.content_remove(actor=moderator, target=campaign, reason="Personal data")
    assert campaign.discussion_id is not None
    assert Post.objects.get(pk=campaign.discussion_id).state == "removed"


# campaigns/services.py ---------------------------------------------------------------------------


def _fields(campaign, **changes):
    values = {
        name: getattr(campaign, name)
        for name in ("title", "summary", "target", "ask", "body", "goal", "deadline", "section")
    }
    values["image_alt"] = campaign.image_alt
    return campaign_services.CampaignFields(**(values | changes))


def test_an_edit_that_leaves_the_image_alone_keeps_it_and_its_file(member, on_commit):
    campaign = campaign_factories.campaign(
        member, image=clean_image(campaign_factories.upload()), image_alt="Banner"
    )
    name = campaign.image.name
    with on_commit():
        campaign_services.campaign_update(
            campaign=campaign, actor=member, fields=_fields(campaign, summary="Shorter.")
        )
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.image.name == name
    assert campaign.image.storage.exists(name)


def test_adding_the_first_image_deletes_nothing(member, on_commit):
    campaign = campaign_factories.campaign(member)
    with on_commit():
        campaign_services.campaign_update(
            campaign=campaign,
            actor=member,
            fields=_fields(campaign, image_alt="Banner"),
            image=clean_image(campaign_factories.upload()),
        )
    campaign = Campaign.objects.get(pk=campaign.pk)
    assert campaign.image and campaign.image.storage.exists(campaign.image.name)


def test_same_titles_get_numbered_slugs_and_long_titles_70_characters(member):
    owners = [make_member(f"owner{n}") for n in range(3)]  # one member's twin would be one draft
    slugs = [campaign_factories.campaign(o, title="Open the books").slug for o in owners]
    assert slugs == ["open-the-books", "open-the-books-2", "open-the-books-3"]
    long = campaign_factories.campaign(member, title="".join(f"{n % 10}" for n in range(100)))
    assert long.slug == "".join(f"{n % 10}" for n in range(70))


def test_a_slug_taken_at_the_last_moment_still_fits_its_column(member, other_member, monkeypatch):
    first = campaign_factories.campaign(member, title="a" * 100)
    # Another request took the slug between the check and the insert.
    monkeypatch.setattr(campaign_services, "_unique_slug", lambda title: first.slug)
    second = campaign_factories.campaign(other_member, title="a" * 100, publish=False)
    assert second.slug != first.slug
    assert len(second.slug) == 80  # all the column holds: varchar(80)


def test_a_change_note_is_kept_to_300_characters(member, other_member):
    campaign = campaign_factories.campaign(member)
    campaign_factories.support(campaign, other_member)
    note = "".join(f"{n % 10}" for n in range(400))
    campaign_services.campaign_update(
        campaign=campaign, actor=member, fields=_fields(campaign, ask="More."), change_note=note
    )
    assert campaign.changes.get().note == note[:300]


def test_stepping_down_tells_nobody_being_removed_tells_the_organiser(
    member, other_member, on_commit
):
    campaign = campaign_factories.campaign(member)
    third = make_member("third")
    for user in (other_member, third):
        campaign_services.organiser_add(campaign=campaign, actor=member, member=user)
    Notification.objects.all().delete()
    with on_commit():
        for row in campaign.organisers.filter(user__in=[other_member, third]):
            actor = row.user if row.user == other_member else member  # steps down / is removed
            campaign_services.organiser_remove(campaign=campaign, actor=actor, organiser=row)
    heard = set(
        Notification.objects.filter(kind="campaign_organiser").values_list("user", flat=True)
    )
    assert heard == {third.pk}


@pytest.mark.parametrize(
    ("check", "count"),
    [("ensure_can_check_image", 10), ("ensure_can_preview", 30)],
)
def test_image_checks_and_previews_are_counted_per_ten_minutes(member, settings, check, count):
    settings.FORUM_RATE_LIMITS = True
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # on a ten-minute boundary
    ensure = getattr(campaign_services, check)
    with time_machine.travel(start, tick=False):
        for _ in range(count):
            ensure(member)
        with pytest.raises(ActionRefused, match="in 10 minutes"):
            ensure(member)
    with (
        time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False),
        pytest.raises(ActionRefused),
    ):
        ensure(member)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        ensure(member)


def test_an_image_description_is_kept_only_with_an_image(member):
    with_image = campaign_factories.campaign(
        member, image=clean_image(campaign_factories.upload()), image_alt="  Banner  "
    )
    without = campaign_factories.campaign(member, image_alt="A picture that isn't there")
    assert (with_image.image_alt, without.image_alt) == ("Banner", "")


def test_a_new_members_two_campaigns_an_hour_renew_after_one_hour(settings):
    settings.FORUM_RATE_LIMITS = True
    start = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    newcomer = make_member("newcomer", date_joined=start - timedelta(hours=2))
    with time_machine.travel(start, tick=False):
        campaign_factories.campaign(newcomer, title="First", publish=False)
        campaign_factories.campaign(newcomer, title="Second", publish=False)
        with pytest.raises(ActionRefused, match="at most 2 new campaigns an hour"):
            campaign_factories.campaign(newcomer, title="Third", publish=False)
    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        assert campaign_factories.campaign(newcomer, title="Third", publish=False).pk
