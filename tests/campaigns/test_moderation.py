"""Campaigns go through the forum's moderation tools: reports, hiding, removal, restoring."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.images import clean_image
from campaigns.models import Campaign
from forum.models import ModerationAction, Post, Report
from forum.moderation import content_remove, content_restore, report_create
from forum.services import ActionRefused
from tests.conftest import make_member

from . import factories

pytestmark = pytest.mark.django_db


def report_url(campaign) -> str:
    return reverse("forum:report", args=["campaign", campaign.pk])


def moderate_url(campaign) -> str:
    return reverse("forum:moderate", args=["campaign", campaign.pk])


def test_member_reports_a_campaign_from_its_page(member_client, campaign):
    html = member_client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="{report_url(campaign)}"' in html
    response = member_client.post(report_url(campaign), {"reason": "spam", "detail": ""})
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.target == campaign


def test_enough_reports_hide_a_campaign_from_lists_and_support(client, campaign, settings):
    settings.FORUM_REPORTS_TO_HIDE = 2
    for name in ("r1", "r2"):
        # Only established members' reports hide things (new accounts could be sock puppets).
        client.force_login(make_member(name, date_joined=timezone.now() - timedelta(days=30)))
        client.post(report_url(campaign), {"reason": "abuse"})
    campaign.refresh_from_db()
    assert campaign.state == "hidden"
    assert "Take back control" not in client.get(reverse("campaigns:list")).content.decode()
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "[hidden after reports, until a moderator reviews it]" in html
    assert "We should see where it goes" not in html
    assert "no longer takes support" in html


def test_moderator_removes_a_campaign_with_a_reason(client, campaign, owner, moderator):
    client.force_login(moderator)
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert f'href="{moderate_url(campaign)}"' in html
    response = client.post(
        moderate_url(campaign), {"action": "remove", "reason": "Personal data of a third party"}
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.state, campaign.removed_reason) == (
        "removed",
        "Personal data of a third party",
    )
    entry = ModerationAction.objects.filter(action="remove").first()
    assert entry is not None and entry.target == campaign
    member_view = client.get(campaign.get_absolute_url())  # the moderator still reads it
    assert "We should see where it goes" in member_view.content.decode()
    client.force_login(make_member("reader"))
    html = client.get(campaign.get_absolute_url()).content.decode()
    assert "removed by a moderator: Personal data of a third party" in html
    assert "We should see where it goes" not in html
    client.force_login(owner)
    assert "We should see where it goes" in client.get(campaign.get_absolute_url()).content.decode()


def test_drafts_cannot_be_reported_by_strangers(member_client, draft):
    assert member_client.get(report_url(draft)).status_code == 404


def test_organisers_are_not_offered_to_report_their_own_campaign(client, campaign, owner):
    client.force_login(owner)
    assert "Report this campaign" not in client.get(campaign.get_absolute_url()).content.decode()
    response = client.post(report_url(campaign), {"reason": "spam"})
    assert "can&#x27;t report your own" in response.content.decode()
    assert Campaign.objects.get().state == "visible"


# What a removed or hidden campaign still shows ---------------------------------------------------

REASON = "Shares personal data of a third party"
# Everything the campaign says, and the tags that would repeat it when the link is shared.
SAYS = [
    "Open the books at head office",
    "Every line of the accounts, for members",
    "The General Secretary",
    "Publish the ledgers in full",
    "We pay for it, we should see it",
    "A red banner",
    "We met the General Secretary",
    "og:title",
    "twitter:title",
    "og:image",
    'name="description"',
]


@pytest.fixture
def pictured(owner):
    campaign = factories.campaign(
        owner,
        title="Open the books at head office",
        summary="Every line of the accounts, for members.",
        target="The General Secretary",
        ask="Publish the ledgers in full.",
        body="We pay for it, we should see it.",
        image=clean_image(factories.upload()),
        image_alt="A red banner",
    )
    services.campaign_announce(
        campaign=campaign, actor=owner, title="We met the General Secretary", body="Progress."
    )
    return campaign


def assert_says_nothing(html: str, campaign) -> None:
    for text in [*SAYS, campaign.image.url]:
        assert text not in html, text


@pytest.mark.parametrize("viewer", ["anonymous", "member", "supporter"])
def test_removed_campaign_shows_others_only_a_placeholder(client, pictured, moderator, viewer):
    supporter = make_member("sam")
    factories.support(pictured, supporter)
    content_remove(actor=moderator, target=pictured, reason=REASON)
    if viewer != "anonymous":
        client.force_login(supporter if viewer == "supporter" else make_member("reader"))
    response = client.get(pictured.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert f"[removed by a moderator: {REASON}]" in html
    assert '<meta name="robots" content="noindex">' in html
    assert_says_nothing(html, pictured)
    assert client.get(reverse("campaigns:updates", args=[pictured.slug])).status_code == 404
    assert "Open the books" not in client.get(reverse("campaigns:list")).content.decode()
    if viewer != "anonymous":
        support_page = client.get(reverse("campaigns:support", args=[pictured.slug]))
        assert_says_nothing(support_page.content.decode(), pictured)
        mine = client.get(reverse("campaigns:mine")).content.decode()
        assert "Open the books" not in mine
        if viewer == "supporter":
            assert f"[removed by a moderator: {REASON}]" in mine  # and can still withdraw


def test_hidden_campaign_shows_others_only_a_placeholder(client, pictured, member, settings):
    settings.FORUM_REPORTS_TO_HIDE = 1
    report_create(
        actor=make_member("r1", date_joined=timezone.now() - timedelta(days=30)),
        target=pictured,
        reason="abuse",
    )
    pictured.refresh_from_db()
    assert pictured.state == "hidden"
    client.force_login(member)
    html = client.get(pictured.get_absolute_url()).content.decode()
    assert "[hidden after reports, until a moderator reviews it]" in html
    assert_says_nothing(html, pictured)


@pytest.mark.parametrize("reader", ["owner", "moderator"])
def test_organisers_and_moderators_still_read_a_removed_campaign(
    client, pictured, moderator, reader, request
):
    content_remove(actor=moderator, target=pictured, reason=REASON)
    client.force_login(request.getfixturevalue(reader))
    html = client.get(pictured.get_absolute_url()).content.decode()
    assert '<h1 id="campaign-title">Open the books at head office</h1>' in html
    assert "We met the General Secretary" in html
    assert f"This campaign was removed by a moderator: {REASON}." in html
    assert "og:title" not in html  # nothing for link previews, even for them
    updates = reverse("campaigns:updates", args=[pictured.slug])
    assert client.get(updates).status_code == 200


def test_public_moderation_log_names_a_removed_campaign_without_its_title(
    client, campaign, moderator
):
    content_remove(actor=moderator, target=campaign, reason=REASON)
    content_restore(actor=moderator, target=campaign, reason="Reviewed: fine after all")
    html = client.get(reverse("forum:moderation-log")).content.decode()
    assert f"campaign #{campaign.pk} by @olu" in html
    assert REASON in html
    assert "Take back control" not in html


# The discussion goes with its campaign -----------------------------------------------------------


def test_removing_a_campaign_removes_its_discussion_and_restoring_brings_it_back(
    client, campaign, moderator
):
    discussion = campaign.discussion
    content_remove(actor=moderator, target=campaign, reason=REASON)
    discussion.refresh_from_db()
    assert (discussion.state, discussion.removed_reason) == ("removed", REASON)
    html = client.get(discussion.get_absolute_url(), follow=True).content.decode()
    assert "Take back control" not in html
    assert f"[removed by a moderator: {REASON}]" in html
    removals = ModerationAction.objects.filter(action="remove")
    assert {entry.target for entry in removals} == {campaign, discussion}

    content_restore(actor=moderator, target=campaign, reason="Reviewed: fine after all")
    discussion.refresh_from_db()
    campaign.refresh_from_db()
    assert (discussion.state, discussion.removed_reason) == ("visible", "")
    assert campaign.discussion_removed_with_it is False
    restores = ModerationAction.objects.filter(action="restore")
    assert {entry.target for entry in restores} == {campaign, discussion}


def test_reports_hiding_a_campaign_leave_its_discussion_alone(campaign, settings):
    settings.FORUM_REPORTS_TO_HIDE = 1
    established = make_member("r1", date_joined=timezone.now() - timedelta(days=30))
    report_create(actor=established, target=campaign, reason="spam")
    campaign.refresh_from_db()
    campaign.discussion.refresh_from_db()
    assert (campaign.state, campaign.discussion.state) == ("hidden", "visible")


def test_removing_a_hidden_campaign_removes_its_discussion(campaign, moderator, settings):
    settings.FORUM_REPORTS_TO_HIDE = 1
    established = make_member("r1", date_joined=timezone.now() - timedelta(days=30))
    report_create(actor=established, target=campaign, reason="spam")
    content_remove(actor=moderator, target=campaign, reason=REASON)
    campaign.discussion.refresh_from_db()
    assert campaign.discussion.state == "removed"


def test_a_discussion_removed_for_its_own_sake_stays_removed_when_the_campaign_comes_back(
    campaign, moderator
):
    discussion = campaign.discussion
    content_remove(actor=moderator, target=discussion, reason="Abusive edit of the post")
    content_remove(actor=moderator, target=campaign, reason=REASON)
    content_restore(actor=moderator, target=campaign, reason="Reviewed: fine after all")
    discussion.refresh_from_db()
    assert (discussion.state, discussion.removed_reason) == ("removed", "Abusive edit of the post")


def test_a_removed_draft_cannot_be_published(draft, owner, moderator):
    # Moderators can remove a draft from the admin; publishing it would open a discussion
    # repeating it.
    content_remove(actor=moderator, target=draft, reason=REASON)
    with pytest.raises(ActionRefused, match="can't be published"):
        services.campaign_publish(campaign=draft, actor=owner)
    draft.refresh_from_db()
    assert draft.is_draft and draft.discussion is None
    assert not Post.objects.exists()


def test_migration_relabels_old_log_entries_without_titles(campaign, moderator):
    entry = ModerationAction.objects.create(
        moderator=moderator,
        action="remove",
        content_type=ContentType.objects.get_for_model(Campaign),
        object_id=campaign.pk,
        target_label='campaign "Take back control of party finances"',
        reason=REASON,
    )
    migration = importlib.import_module("campaigns.migrations.0003_campaign_labels_without_titles")
    migration.relabel(django_apps, None)
    entry.refresh_from_db()
    assert entry.target_label == f"campaign #{campaign.pk} by @olu"
